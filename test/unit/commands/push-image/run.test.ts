// push-image with fake ECR and docker: its parameters, the pushes of local tags, the digest read back from ECR,
// the scan gate, the exports, and what it refuses (no repository, no local image, a refused push, split tags).
import { describe, expect, it } from 'vitest';
import { parseParams, pushImage, type PushImageDeps } from '../../../../src/commands/push-image/run.ts';
import type { ScanReport } from '../../../../src/lib/aws/ecr-images.ts';
import { OrbError, ParamError } from '../../../../src/lib/errors.ts';
import { rejection, thrown } from '../../../support/rejection.ts';
import { ACCOUNT, fakeImageDeps, fakeWorld, KEYS, raw, REGION, repositoryInfo, type FakeWorld } from '../../../support/fake-ecr.ts';

const D = `sha256:${'b'.repeat(64)}`;
const OTHER = `sha256:${'c'.repeat(64)}`;
const ENV = { AWS_REGION: REGION, CIRCLE_SHA1: 'abc1234' };
const URI = repositoryInfo('team/app').repositoryUri;
const params = (p: Record<string, string> = {}) => parseParams(raw({ repo: 'team/app', ...p }), ENV);

/** push-image's deps over `world`: the local engine has `local`; a push tags `digest` (by tag) in ECR unless `refuse`. */
function deps(world: FakeWorld, o: { local?: string[]; digest?: (tag: string) => string; refuse?: boolean; mutability?: string; scans?: ScanReport } = {}) {
  const fake = fakeImageDeps(world, (argv) => {
    if (argv[0] !== 'push' || o.refuse) return;
    const tag = argv[1]!.split(':').at(-1)!;
    world.repos.get('team/app')?.set(tag, o.digest?.(tag) ?? D);
  });
  const seen: string[] = [];
  const d: PushImageDeps = {
    ...fake,
    resolveKeys: async (profile) => { seen.push(`keys ${profile}`); return KEYS; },
    describeRepository: async (k, r, id, name) => { seen.push(`describe ${id} ${r} ${name}`); const info = await fake.describeRepository(k, r, id, name); return info && { ...info, imageTagMutability: o.mutability ?? 'MUTABLE' }; },
    repository: (k, r, id, name) => ({
      policies: { get: async () => undefined, set: async () => undefined },
      scans: { report: async () => o.scans, start: async () => true, now: () => 0, sleep: async () => undefined, pollMs: 1 },
      getImage: async () => undefined,
      tagDigests: (tags) => fake.tagDigests(k, r, id, name, tags),
    }),
    hasLocalImage: async (ref) => { seen.push(`local ${ref}`); return (o.local ?? [`${URI}:abc1234`, `${URI}:latest`]).includes(ref); },
    docker: async (argv) => { await fake.docker(argv); if (o.refuse) throw new Error('docker push exited with 1'); },
  };
  return { deps: d, seen };
}

describe('push-image parameters', () => {
  it('reads the repo and tags (default ${CIRCLE_SHA1}), the registry, region and profile', () => {
    expect(params()).toMatchObject({ repo: 'team/app', tags: ['abc1234'], accountId: '', region: REGION, profileName: '', scanGate: { enabled: false } });
    expect(params({ tag: ' ${CIRCLE_SHA1},latest  v2 ', 'account-id': ACCOUNT, 'profile-name': 'prod' })).toMatchObject({ tags: ['abc1234', 'latest', 'v2'], accountId: ACCOUNT, profileName: 'prod' });
    expect(parseParams(raw({ repo: 'ab', tag: 'x' }), ENV).repo).toBe('ab');
    expect(parseParams(raw({ repo: 'a'.repeat(256), tag: 'x' }), ENV).repo).toHaveLength(256);
  });

  it.each([
    [{ repo: '' }, 'repo', 'parameter repo: is required'],
    [{ repo: 'a' }, 'repo', 'parameter repo: is not an ECR repository name (got "a")'],
    [{ repo: 'a'.repeat(257) }, 'repo', 'parameter repo: is not an ECR repository name'],
    [{ repo: 'Team/App' }, 'repo', 'parameter repo: is not an ECR repository name (got "Team/App")'],
    [{ repo: 'app', tag: 'v1 bad:tag' }, 'tag', 'parameter tag: is not a docker tag (got "bad:tag")'],
    [{ repo: 'app', tag: 'v1,v1' }, 'tag', 'parameter tag: names no tag, or one twice (got "v1,v1")'],
    [{ repo: 'app', tag: ' , ' }, 'tag', 'parameter tag: names no tag, or one twice'],
    [{ repo: 'app', tag: 'v1 ${NOT_SET}' }, 'tag', 'parameter tag: refers to $NOT_SET, which is not set in this job'],
  ])('refuses %j, naming %s', (p, param, message) => {
    const err = thrown(() => parseParams(raw(p), ENV), ParamError);
    expect(err.param).toBe(param);
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.hint).toMatch(param === 'repo' ? /e\.g\. webapp or team\/api/ : /tag|set NOT_SET/);
  });
});

describe('push-image run', () => {
  it('pushes each local tag, reads the one digest back, exports it and records the result', async () => {
    const world = fakeWorld({ 'team/app': {} });
    const { deps: d, seen } = deps(world);
    await pushImage(params({ tag: 'abc1234 latest', 'profile-name': 'prod' }), d);
    expect(seen).toEqual(['keys prod', `describe ${ACCOUNT} ${REGION} team/app`, `local ${URI}:abc1234`, `local ${URI}:latest`]);
    expect(world.docker).toEqual([['push', `${URI}:abc1234`], ['push', `${URI}:latest`]]);
    const ref = `${URI}@${D}`;
    expect(world.exports).toEqual([{ AWS_ECR_REPOSITORY_URI: URI, AWS_ECR_IMAGE_URI: `${URI}:abc1234`, AWS_ECR_IMAGE_URIS: `${URI}:abc1234 ${URI}:latest`, AWS_ECR_IMAGE_DIGEST: D, AWS_ECR_IMAGE_REF: ref }]);
    expect(world.lines).toEqual([`Pushed ${URI}:abc1234, ${URI}:latest at ${D}\n`, 'Exported AWS_ECR_REPOSITORY_URI, AWS_ECR_IMAGE_URI, AWS_ECR_IMAGE_URIS, AWS_ECR_IMAGE_DIGEST, AWS_ECR_IMAGE_REF to $BASH_ENV\n']);
    expect(world.results).toEqual([{ name: 'push-image-team_app', result: {
      repository: 'team/app', registryId: ACCOUNT, region: REGION, repositoryUri: URI, tags: ['abc1234', 'latest'], imageUris: [`${URI}:abc1234`, `${URI}:latest`], digest: D, imageRef: ref, scan: null,
    } }]);
    expect(d.log.redact(`x ${KEYS.secretAccessKey} ${KEYS.sessionToken}`)).not.toMatch(/secret-fake|token-fake/);
  });

  it('uses account-id as the registry, and gates on the scan when asked', async () => {
    const world = fakeWorld({ 'team/app': {} });
    const scans: ScanReport = { status: 'COMPLETE', description: '', counts: { LOW: 2 }, findings: [], enhanced: false };
    const { deps: d, seen } = deps(world, { scans });
    await pushImage(params({ 'account-id': '999999999999', 'scan-gate': 'true' }), d);
    expect(seen[1]).toBe(`describe 999999999999 ${REGION} team/app`);
    expect(world.results[0]?.result).toMatchObject({ registryId: '999999999999', scan: { status: 'COMPLETE', counts: { LOW: 2 }, blocking: 0 } });
  });

  it('refuses a missing repository and missing local images before any push', async () => {
    const none = await rejection(pushImage(params(), deps(fakeWorld()).deps), OrbError);
    expect(none.message).toBe(`the ECR repository team/app does not exist in registry ${ACCOUNT} (${REGION})`);
    expect(none.hint).toMatch(/create-repo: true/);
    const world = fakeWorld({ 'team/app': {} });
    const err = await rejection(pushImage(params({ tag: 'abc1234 v1 v2' }), deps(world).deps), OrbError);
    expect(err.message).toBe(`the local docker engine has no image ${URI}:v1, ${URI}:v2`);
    expect(err.hint).toMatch(/^run build-and-push with push: false/);
    expect(world.docker).toEqual([]);
  });

  it('a refused push names the image and the fixes; in an IMMUTABLE repository, the tags already there', async () => {
    const world = fakeWorld({ 'team/app': {} });
    const err = await rejection(pushImage(params(), deps(world, { refuse: true }).deps), OrbError);
    expect(err.message).toBe(`docker push ${URI}:abc1234 failed: docker push exited with 1 (docker's reason is in the push output above)`);
    expect(err.hint).toMatch(/run aws-oidc\/ecr-login before this step/);
    world.repos.get('team/app')?.set('abc1234', OTHER);
    const immutable = await rejection(pushImage(params(), deps(world, { refuse: true, mutability: 'IMMUTABLE' }).deps), OrbError);
    expect(immutable.message).toBe(`the repository ${URI} is IMMUTABLE and already has tag(s) abc1234 (at ${OTHER}): ECR refuses to move a tag there`);
    expect(immutable.hint).toBe('use a new tag (e.g. ${CIRCLE_SHA1}), or promote the image those tags already name');
    expect(world.exports).toEqual([]);
  });

  it('refuses tags that ECR reads back at different digests, or without one', async () => {
    const world = fakeWorld({ 'team/app': {} });
    const split = await rejection(pushImage(params({ tag: 'abc1234 latest' }), deps(world, { digest: (t) => (t === 'latest' ? OTHER : D) }).deps), OrbError);
    expect(split.message).toBe(`after the push, the tags of team/app do not point at one digest: abc1234=${D}, latest=${OTHER}`);
    expect(split.hint).toBe('another job pushed the same tags at the same time; use unique tags');
    const lost = await rejection(pushImage(params(), deps(fakeWorld({ 'team/app': {} }), { digest: () => '' }).deps), OrbError);
    expect(lost.message).toBe('after the push, the tags of team/app do not point at one digest: abc1234=missing');
  });
});
