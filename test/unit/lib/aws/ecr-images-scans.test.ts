// The scan calls of the scan gate (DescribeImageScanFindings, StartImageScan) against the strict local ECR's
// basic and enhanced scanning, and against scripted answers (several pages, findings with fields missing).
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { scanReport, startImageScan, type EcrRepoRef } from '../../../../src/lib/aws/ecr-images.ts';
import { rejection } from '../../../support/rejection.ts';
import { imageManifest, OTHER, REGION, startLocalEcr, withScriptedEcr, type LocalEcr } from '../../../support/local-ecr.ts';

let e: LocalEcr;
let at: EcrRepoRef;
const env = {};
const planted = [
  { name: 'CVE-2024-1', severity: 'HIGH' as const, packageName: 'openssl', packageVersion: '3.0.1' },
  { name: 'CVE-2024-2', severity: 'LOW' as const, packageName: 'zlib', packageVersion: '1.2' },
];

beforeAll(async () => {
  e = await startLocalEcr();
  at = { keys: e.keys, region: REGION, registryId: OTHER, repo: 'scanned' };
  e.aws.ensureRepository({ account: OTHER, region: REGION, name: 'scanned' });
  e.aws.planScans({ account: OTHER, region: REGION, name: 'scanned' }, { findings: planted, polls: 1 });
});
afterAll(() => e.close());

describe('scanReport and startImageScan (basic scanning)', () => {
  it('no scan yet is undefined; a started scan is IN_PROGRESS, then COMPLETE with counts and findings', async () => {
    const { digest } = e.push('scanned', imageManifest('basic'), ['v1']);
    expect(await scanReport(at, digest, env)).toBeUndefined();
    await startImageScan(at, digest, env);
    expect(await scanReport(at, digest, env)).toEqual({ status: 'IN_PROGRESS', description: 'The scan is in progress.', counts: {}, findings: [], enhanced: false });
    expect(await scanReport(at, digest, env)).toEqual({
      status: 'COMPLETE', description: 'The scan was completed successfully.', counts: { HIGH: 1, LOW: 1 }, enhanced: false,
      findings: [
        { severity: 'HIGH', name: 'CVE-2024-1', packageName: 'openssl', packageVersion: '3.0.1' },
        { severity: 'LOW', name: 'CVE-2024-2', packageName: 'zlib', packageVersion: '1.2' },
      ],
    });
    // ECR takes one manual scan of an image a day.
    expect((await rejection(startImageScan(at, digest, env))).name).toBe('LimitExceededException');
  });

  it('a repository ECR does not have is a refusal, not "no scan"', async () => {
    const { digest } = e.push('scanned', imageManifest('norepo'), []);
    expect((await rejection(scanReport({ ...at, repo: 'gone' }, digest, env))).name).toBe('RepositoryNotFoundException');
    expect((await rejection(startImageScan({ ...at, repo: 'gone' }, digest, env))).name).toBe('RepositoryNotFoundException');
  });

  it('an enhanced-scanning registry: findings from packageVulnerabilityDetails, marked enhanced; no manual scan', async () => {
    e.aws.ensureRepository({ account: OTHER, region: REGION, name: 'enhanced' });
    e.aws.planScans({ account: OTHER, region: REGION, name: 'enhanced' }, { findings: [planted[0]!], polls: 0 });
    e.aws.useEnhancedScanning(OTHER);
    // Basic scanning again for the other tests, in whatever order they run.
    onTestFinished(() => e.aws.useEnhancedScanning(OTHER, false));
    const { digest } = e.push('enhanced', imageManifest('enhanced'), ['v1']);
    e.aws.imagePushed({ account: OTHER, region: REGION, name: 'enhanced' }, digest);
    const ref = { ...at, repo: 'enhanced' };
    expect(await scanReport(ref, digest, env)).toEqual({
      status: 'ACTIVE', description: 'Continuous scan is selected for image.', counts: { HIGH: 1 }, enhanced: true,
      findings: [{ severity: 'HIGH', name: 'CVE-2024-1', packageName: 'openssl', packageVersion: '3.0.1' }],
    });
    expect((await rejection(startImageScan(ref, digest, env))).name).toBe('ValidationException');
  });
});

describe('scanReport over scripted answers', () => {
  const D = `sha256:${'d'.repeat(64)}`;

  it('reads every page (1000 findings each): findings added up, status and counts of the last, enhanced if any page was', async () => {
    const pages = [
      {
        imageScanStatus: { status: 'ACTIVE', description: 'first' }, nextToken: 'page-2',
        imageScanFindings: {
          findingSeverityCounts: { CRITICAL: 9 },
          findings: [{ name: 'CVE-A', severity: 'CRITICAL', attributes: [{ key: 'package_version', value: '1' }, { key: 'package_name', value: 'libc' }] }],
          enhancedFindings: [{ severity: 'MEDIUM', title: 'T-1', packageVulnerabilityDetails: { vulnerabilityId: 'CVE-B', vulnerablePackages: [{ name: 'a', version: '1' }, { name: 'b', version: '2' }] } }],
        },
      },
      {
        imageScanStatus: { status: 'COMPLETE', description: 'last' },
        imageScanFindings: { findingSeverityCounts: { CRITICAL: 1, MEDIUM: 2 }, findings: [{ name: 'CVE-C', severity: 'LOW' }] },
      },
    ];
    let report: unknown;
    const asked = await withScriptedEcr(e, (a) => pages[a.body.nextToken === 'page-2' ? 1 : 0]!, async () => { report = await scanReport(at, D, env); });
    expect(asked).toEqual([
      { action: 'DescribeImageScanFindings', body: { registryId: OTHER, repositoryName: 'scanned', imageId: { imageDigest: D }, maxResults: 1000 } },
      { action: 'DescribeImageScanFindings', body: { registryId: OTHER, repositoryName: 'scanned', imageId: { imageDigest: D }, maxResults: 1000, nextToken: 'page-2' } },
    ]);
    expect(report).toEqual({
      status: 'COMPLETE', description: 'last', counts: { CRITICAL: 1, MEDIUM: 2 }, enhanced: true,
      findings: [
        { severity: 'CRITICAL', name: 'CVE-A', packageName: 'libc', packageVersion: '1' },
        { severity: 'MEDIUM', name: 'CVE-B', packageName: 'a', packageVersion: '1' },
        { severity: 'MEDIUM', name: 'CVE-B', packageName: 'b', packageVersion: '2' },
        { severity: 'LOW', name: 'CVE-C', packageName: '', packageVersion: '' },
      ],
    });
  });

  it('fields ECR leaves out: severity UNDEFINED, the title for a missing id, one row for no package, empty status, no count', async () => {
    const answer = {
      imageScanFindings: {
        findingSeverityCounts: { HIGH: 1, LOW: null },
        findings: [{ attributes: [] }],
        enhancedFindings: [
          { title: 'T-2', packageVulnerabilityDetails: { vulnerablePackages: [] } }, { severity: 'HIGH', packageVulnerabilityDetails: { vulnerabilityId: 'CVE-D', vulnerablePackages: [{}] } }, {},
          { severity: 'LOW', packageVulnerabilityDetails: { vulnerabilityId: 'CVE-E' } },
        ],
      },
    };
    let report: unknown;
    await withScriptedEcr(e, () => answer, async () => { report = await scanReport(at, D, env); });
    expect(report).toEqual({
      status: '', description: '', counts: { HIGH: 1 }, enhanced: true,
      findings: [
        { severity: 'UNDEFINED', name: '', packageName: '', packageVersion: '' },
        { severity: 'UNDEFINED', name: 'T-2', packageName: '', packageVersion: '' },
        { severity: 'HIGH', name: 'CVE-D', packageName: '', packageVersion: '' },
        { severity: 'UNDEFINED', name: '', packageName: '', packageVersion: '' },
        { severity: 'LOW', name: 'CVE-E', packageName: '', packageVersion: '' },
      ],
    });
  });

  it('an answer without findings keeps no counts; ScanNotFoundException is no scan, another refusal is thrown', async () => {
    let report: unknown;
    await withScriptedEcr(e, () => ({ imageScanStatus: { status: 'PENDING' } }), async () => { report = await scanReport(at, D, env); });
    expect(report).toEqual({ status: 'PENDING', description: '', counts: {}, findings: [], enhanced: false });
    await withScriptedEcr(e, () => ({ __type: 'ScanNotFoundException', message: 'no scan' }), async () => { report = await scanReport(at, D, env); });
    expect(report).toBeUndefined();
    await withScriptedEcr(e, () => ({ __type: 'AccessDeniedException', message: 'no' }), async () => { report = await rejection(scanReport(at, D, env)); });
    expect((report as Error).name).toBe('AccessDeniedException');
  });

  it('StartImageScan names the image by digest in the registry asked for', async () => {
    const asked = await withScriptedEcr(e, () => ({ imageScanStatus: { status: 'IN_PROGRESS' } }), () => startImageScan(at, D, env));
    expect(asked).toEqual([{ action: 'StartImageScan', body: { registryId: OTHER, repositoryName: 'scanned', imageId: { imageDigest: D } } }]);
  });
});
