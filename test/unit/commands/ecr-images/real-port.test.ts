// The real RepositoryPort of build-and-push and push-image against the strict local ECR: each call reaches
// the repository it is bound to, passing failures are retried with a log line, failures are explained with
// the call and the repository, an enhanced-scanning registry takes no manual scan, and the scan clock.
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { realRepositoryPort, scanPollMs } from '../../../../src/commands/ecr-images/real-port.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { Log } from '../../../../src/lib/log.ts';
import { rejection } from '../../../support/rejection.ts';
import { imageManifest, LIFECYCLE, OTHER, PULL, REGION, startLocalEcr, type LocalEcr } from '../../../support/local-ecr.ts';

let e: LocalEcr;
const lines: string[] = [];
const port = (name: string, env: Record<string, string> = {}) =>
  realRepositoryPort(env, new Log((t) => { lines.push(t); }), { maxAttempts: 2, totalSeconds: 30 }, e.keys, REGION, OTHER, name);
const where = (name: string) => `for ${name} in ECR registry ${OTHER} \\(${REGION}\\)`;

beforeAll(async () => {
  e = await startLocalEcr();
  e.aws.ensureRepository({ account: OTHER, region: REGION, name: 'port' });
  e.aws.planScans({ account: OTHER, region: REGION, name: 'port' }, { findings: [], polls: 0 });
});
afterAll(() => e.close());
afterEach(() => { vi.useRealTimers(); });

describe('scanPollMs', () => {
  it.each([
    [undefined, 5000], ['', 5000], ['250', 250], ['0', 0], ['999999', 999999], ['1000000', 5000], ['5s', 5000], [' 25', 5000],
  ])('AWS_OIDC_SCAN_POLL_MS=%j polls every %d ms', (value, ms) => {
    expect(scanPollMs(value === undefined ? {} : { AWS_OIDC_SCAN_POLL_MS: value })).toBe(ms);
    expect(port('port', value === undefined ? {} : { AWS_OIDC_SCAN_POLL_MS: value }).scans.pollMs).toBe(ms);
  });
});

describe('realRepositoryPort', () => {
  it('policies: none, then each kind as set', async () => {
    const p = port('port');
    expect(await p.policies.get('lifecycle')).toBeUndefined();
    await p.policies.set('lifecycle', LIFECYCLE);
    await p.policies.set('repository', PULL);
    expect(await p.policies.get('lifecycle')).toBe(LIFECYCLE);
    expect(await p.policies.get('repository')).toBe(PULL);
  });

  it('images and tags of the bound repository', async () => {
    const manifest = imageManifest('port');
    const { digest } = e.push('port', manifest, ['v1']);
    const p = port('port');
    expect(await p.getImage({ imageTag: 'v1' })).toEqual({ digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', manifest });
    expect(await p.tagDigests(['v1', 'v2'])).toEqual(new Map([['v1', digest]]));
  });

  it('scans: none, a manual one started (true), its report; a second start the same day is ECR\'s refusal, explained', async () => {
    const { digest } = e.push('port', imageManifest('scan'), []);
    const p = port('port');
    expect(await p.scans.report(digest)).toBeUndefined();
    expect(await p.scans.start(digest)).toBe(true);
    expect(await p.scans.report(digest)).toMatchObject({ status: 'COMPLETE', findings: [] });
    const err = await rejection(p.scans.start(digest), OrbError);
    expect(err.message).toMatch(new RegExp(`^StartImageScan ${where('port')} failed: LimitExceeded \\(HTTP 400\\)`));
  });

  it('an enhanced-scanning registry takes no manual scan: start is false, not an error', async () => {
    e.aws.ensureRepository({ account: OTHER, region: REGION, name: 'port-enhanced' });
    const { digest } = e.push('port-enhanced', imageManifest('port-enhanced'), []);
    e.aws.useEnhancedScanning(OTHER);
    // Basic scanning again for the other tests, in whatever order they run.
    onTestFinished(() => e.aws.useEnhancedScanning(OTHER, false));
    expect(await port('port-enhanced').scans.start(digest)).toBe(false);
  });

  it.each([
    ['GetLifecyclePolicy', (p: ReturnType<typeof port>) => p.policies.get('lifecycle')],
    ['GetRepositoryPolicy', (p: ReturnType<typeof port>) => p.policies.get('repository')],
    ['PutLifecyclePolicy', (p: ReturnType<typeof port>) => p.policies.set('lifecycle', LIFECYCLE)],
    ['SetRepositoryPolicy', (p: ReturnType<typeof port>) => p.policies.set('repository', PULL)],
    ['DescribeImageScanFindings', (p: ReturnType<typeof port>) => p.scans.report(`sha256:${'f'.repeat(64)}`)],
    ['StartImageScan', (p: ReturnType<typeof port>) => p.scans.start(`sha256:${'f'.repeat(64)}`)],
    ['BatchGetImage', (p: ReturnType<typeof port>) => p.getImage({ imageTag: 'v1' })],
    ['BatchGetImage', (p: ReturnType<typeof port>) => p.tagDigests(['v1'])],
  ])('%s of a repository ECR does not have is explained with the call and where', async (call, run) => {
    const err = await rejection(run(port('gone')), OrbError);
    expect(err.message).toMatch(new RegExp(`^${call} ${where('gone')} failed: RepositoryNotFound \\(HTTP 400\\): `));
  });

  it('a passing failure is retried once, logged with the call', async () => {
    // Its own policy: Stryker runs a test alone, without the tests before it.
    await port('port').policies.set('repository', PULL);
    e.aws.injectFault('GetRepositoryPolicy', { kind: 'throttle', times: 1 });
    lines.length = 0;
    expect(await port('port').policies.get('repository')).toBe(PULL);
    expect(lines).toEqual([expect.stringMatching(/^retrying GetRepositoryPolicy \(2\/2\) after Throttling\w*, in \d+ ms\n$/)]);
  });

  it('the scan clock: now is the system clock, sleep waits the milliseconds asked', async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    const { scans } = port('port');
    expect(scans.now()).toBe(1_800_000_000_000);
    let woke = false;
    const slept = scans.sleep(5000).then(() => { woke = true; });
    await vi.advanceTimersByTimeAsync(4999);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await slept;
    expect(woke).toBe(true);
  });
});
