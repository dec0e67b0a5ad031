// What build-and-push and push-image do around a push, over a recording RepositoryPort: which policies are
// applied and what is logged, the explanation of a push an IMMUTABLE repository refused, and which digests
// the scan gate checks (each runnable image of a list, no attestations).
import { describe, expect, it } from 'vitest';
import { gatePushed, pushFailure, repositoryPolicies, type RepositoryPort } from '../../../../src/commands/ecr-images/after-push.ts';
import type { EcrImage } from '../../../../src/lib/aws/ecr-images.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { Log } from '../../../../src/lib/log.ts';
import { repositoryInfo } from '../../../support/fake-ecr.ts';

const dg = (c: string) => `sha256:${c.repeat(64)}`;
const LIFECYCLE = '{"rules":[{"rulePriority":1,"action":{"type":"expire"}}]}';
const POLICY = '{"Statement":[]}';

/** A port that records its calls; `images` by digest, `tags` tag -> digest (or a failure), scans complete and clean. */
function recording(images: Record<string, EcrImage> = {}, tags: Map<string, string> | Error = new Map()) {
  const calls: string[] = [];
  const port: RepositoryPort = {
    policies: {
      get: async (kind) => { calls.push(`get ${kind}`); return undefined; },
      set: async (kind) => { calls.push(`set ${kind}`); },
    },
    scans: {
      report: async (digest) => { calls.push(`report ${digest}`); return { status: 'COMPLETE', description: '', counts: {}, findings: [], enhanced: false }; },
      start: async () => true,
      now: () => 0,
      sleep: async () => {},
      pollMs: 1,
    },
    getImage: async (id) => { calls.push(`getImage ${JSON.stringify(id)}`); return 'imageDigest' in id ? images[id.imageDigest] : undefined; },
    tagDigests: async (asked) => { calls.push(`tagDigests ${asked.join(',')}`); if (tags instanceof Error) throw tags; return tags; },
  };
  const lines: string[] = [];
  return { port, calls, lines, log: new Log((t) => { lines.push(t.trimEnd()); }) };
}

describe('repositoryPolicies', () => {
  it('no policies given: nothing is read, written or said', async () => {
    for (const p of [undefined, { lifecycle: '', repository: '', updateExisting: true }, { lifecycle: '', repository: '', updateExisting: false }]) {
      for (const created of [true, false]) {
        const r = recording();
        await repositoryPolicies(p, r.port, created, r.log);
        expect([r.calls, r.lines]).toEqual([[], []]);
      }
    }
  });

  it('a created repository gets every policy given, without reading first', async () => {
    const r = recording();
    await repositoryPolicies({ lifecycle: LIFECYCLE, repository: POLICY, updateExisting: false }, r.port, true, r.log);
    expect(r.calls).toEqual(['set lifecycle', 'set repository']);
    expect(r.lines).toEqual(['Applied the lifecycle policy', 'Applied the repository policy']);
  });

  it('an existing repository keeps its policies unless update-repo-policies is true, and the log says so', async () => {
    const kept = recording();
    await repositoryPolicies({ lifecycle: LIFECYCLE, repository: '', updateExisting: false }, kept.port, false, kept.log);
    expect(kept.calls).toEqual([]);
    expect(kept.lines).toEqual(['The repository exists: its policies are left as they are (update-repo-policies: true replaces them)']);
    const updated = recording();
    await repositoryPolicies({ lifecycle: '', repository: POLICY, updateExisting: true }, updated.port, false, updated.log);
    expect(updated.calls).toEqual(['get repository', 'set repository']);
    expect(updated.lines).toEqual(['Applied the repository policy']);
  });
});

describe('pushFailure', () => {
  const fallback = new OrbError('docker push failed', 'see above');
  const immutable = { ...repositoryInfo('app'), imageTagMutability: 'IMMUTABLE' };

  it('a MUTABLE repository: docker\'s failure as it was, no call made', async () => {
    const r = recording({}, new Map([['v1', dg('a')]]));
    expect(await pushFailure('push-image', repositoryInfo('app'), ['v1'], r.port, fallback)).toBe(fallback);
    expect(r.calls).toEqual([]);
  });

  it.each([
    ['build-and-push', /set skip-when-tags-exist: true/],
    ['push-image', /or promote the image those tags already name/],
  ] as const)('%s to an IMMUTABLE repository with tags elsewhere: names them, their digests and the fix', async (step, fix) => {
    const r = recording({}, new Map([['v1', dg('a')], ['latest', dg('b')]]));
    const err = await pushFailure(step, { ...immutable, imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' }, ['v1', 'v2', 'latest'], r.port, fallback);
    expect(err.message).toBe(`the repository ${immutable.repositoryUri} is IMMUTABLE and already has tag(s) v1 (at ${dg('a')}), latest (at ${dg('b')}): ECR refuses to move a tag there`);
    expect(err.hint).toMatch(fix);
    expect(r.calls).toEqual(['tagDigests v1,v2,latest']);
  });

  it('IMMUTABLE, but none of the tags exists, or ECR cannot say: docker\'s failure as it was', async () => {
    expect(await pushFailure('push-image', immutable, ['v2'], recording({}, new Map([['v1', dg('a')]])).port, fallback)).toBe(fallback);
    expect(await pushFailure('push-image', immutable, ['v1'], recording({}, new Error('throttled')).port, fallback)).toBe(fallback);
  });
});

describe('gatePushed', () => {
  const on = { enabled: true, timeoutSeconds: 30, failOn: 'HIGH' as const };
  const list = (manifests: object[]): EcrImage => ({ digest: dg('l'), mediaType: 'application/vnd.oci.image.index.v1+json', manifest: JSON.stringify({ manifests }) });

  it('off, or not asked for: no call, no verdict', async () => {
    for (const gate of [undefined, { ...on, enabled: false }]) {
      const r = recording();
      expect(await gatePushed(dg('a'), repositoryInfo('app'), gate, r.port, r.log)).toBeUndefined();
      expect(r.calls).toEqual([]);
    }
  });

  it('a single image: its own scan decides, logged', async () => {
    const r = recording({ [dg('a')]: { digest: dg('a'), mediaType: 'application/vnd.oci.image.manifest.v1+json', manifest: '{"layers":[]}' } });
    expect(await gatePushed(dg('a'), repositoryInfo('app'), on, r.port, r.log)).toEqual({ status: 'COMPLETE', counts: {}, failOn: 'HIGH', blocking: 0 });
    expect(r.calls).toEqual([`getImage {"imageDigest":"${dg('a')}"}`, `report ${dg('a')}`]);
    expect(r.lines).toContain('The scan gate passed: nothing at HIGH or above');
  });

  it('a list: each runnable image is scanned; attestations and unknown platforms are not', async () => {
    const r = recording({
      [dg('l')]: list([
        { digest: dg('1'), platform: { os: 'linux', architecture: 'amd64' } },
        { digest: dg('2'), platform: { os: 'linux', architecture: 'arm64' }, annotations: { 'org.opencontainers.image.ref.name': 'x' } },
        { digest: dg('3'), platform: { os: 'unknown', architecture: 'unknown' } },
        { digest: dg('4'), platform: { os: 'linux', architecture: 'amd64' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
        { digest: dg('5') },
      ]),
    });
    await gatePushed(dg('l'), repositoryInfo('app'), on, r.port, r.log);
    expect(r.calls.filter((c) => c.startsWith('report'))).toEqual([`report ${dg('1')}`, `report ${dg('2')}`, `report ${dg('5')}`]);
    expect(r.lines[0]).toBe(`Scan COMPLETE for 3 images: no findings`);
  });

  it('an index that lists no manifests has no image to scan', async () => {
    const r = recording({ [dg('l')]: { ...list([]), manifest: '{"schemaVersion":2}' } });
    await gatePushed(dg('l'), repositoryInfo('app'), on, r.port, r.log);
    expect(r.calls.filter((c) => c.startsWith('report'))).toEqual([]);
  });

  it('an image ECR does not return is scanned by the digest pushed', async () => {
    const r = recording();
    await gatePushed(dg('z'), repositoryInfo('app'), on, r.port, r.log);
    expect(r.calls).toEqual([`getImage {"imageDigest":"${dg('z')}"}`, `report ${dg('z')}`]);
  });
});
