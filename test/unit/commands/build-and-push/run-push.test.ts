// build-and-push's pushes: a refused push (the ecr-login hint with the registry host, an IMMUTABLE tag), a tag
// ECR does not have after the push, the scan gate's verdict in the result, and the policies of the repository.
import { describe, expect, it } from 'vitest';
import { run } from '../../../../src/commands/build-and-push/run.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';
import { fakeWorld } from '../../../support/fake-ecr.ts';
import { deps, DIGEST, HOST, logLines, OTHER, params, pushes, URI, type Docker } from './world.ts';

const LIFECYCLE = '{"rules":[{"rulePriority":1,"action":{"type":"expire"}}]}';
const refused = (text: string) => (argv: string[]) => (argv[0] === 'push' ? text : undefined);

describe('build-and-push: a refused push', () => {
  it('names the image and docker\'s reason; the hint names ecr-login for this registry host and the repository', async () => {
    const world = fakeWorld({ webapp: {} });
    const err = await rejection(run(params(), deps(world, pushes(world), { fail: refused('exit status 1') })), OrbError);
    expect(err.message).toBe(`docker push ${URI}:v1 failed: exit status 1 (docker's reason is in the push output above)`);
    expect(err.hint).toContain(`when docker says unauthorized or denied, run aws-oidc/ecr-login for ${HOST} before this step (with the same profile-name)`);
    expect(err.hint).toContain('check the role may push to webapp');
    expect(err.hint).toMatch(/5xx .*re-run the job/);
    // The first refusal ends the step: the second tag is not tried, nothing is exported.
    expect(world.docker.filter((a) => a[0] === 'push')).toEqual([['push', `${URI}:v1`]]);
    expect(world.exports).toEqual([]);
  });

  it('in an IMMUTABLE repository that has the tag: names the tag, its digest and skip-when-tags-exist', async () => {
    const world = fakeWorld({ webapp: { latest: OTHER } });
    const o: Docker = { fail: refused('tag invalid'), mutability: 'IMMUTABLE', port: {} };
    const err = await rejection(run(params(), deps(world, pushes(world), o)), OrbError);
    expect(err.message).toBe(`the repository ${URI} is IMMUTABLE and already has tag(s) latest (at ${OTHER}): ECR refuses to move a tag there`);
    expect(err.hint).toMatch(/skip-when-tags-exist: true/);
    // Without the repository port the tags cannot be read: docker's refusal as it is.
    const plain = await rejection(run(params(), deps(world, pushes(world), { ...o, port: undefined })), OrbError);
    expect(plain.message).toMatch(/^docker push \S+:v1 failed: tag invalid/);
  });

  it('refuses a push after which ECR has no image for a tag, naming the tag', async () => {
    const world = fakeWorld({ webapp: {} });
    const onlyV1 = (argv: string[]) => { if (argv[1]?.endsWith(':v1')) pushes(world)(argv); };
    const err = await rejection(run(params(), deps(world, onlyV1)), OrbError);
    expect(err.message).toBe('after the push, ECR has no image for tag(s) latest in webapp');
    expect(err.hint).toBe('see the push output above');
    expect(world.exports).toEqual([]);
  });
});

describe('build-and-push: after the push', () => {
  it('runs the scan gate on the pushed digest and puts its verdict in the result', async () => {
    const world = fakeWorld({ webapp: {} });
    const seen: string[] = [];
    const scan = { status: 'COMPLETE', description: '', counts: { LOW: 2 }, findings: [], enhanced: false };
    await run({ ...params(), scanGate: { enabled: true, timeoutSeconds: 60, failOn: 'HIGH' } }, deps(world, pushes(world), { port: { scan }, seen }));
    expect(seen).toContain(`report ${DIGEST}`);
    expect(world.results[0]?.result).toMatchObject({ scan: { status: 'COMPLETE', counts: { LOW: 2 }, failOn: 'HIGH', blocking: 0 } });
    expect(logLines(world)).toContain('The scan gate passed: nothing at HIGH or above');
  });

  it('without the repository port, no scan gate runs and the result has no scan', async () => {
    const world = fakeWorld({ webapp: {} });
    await run({ ...params(), scanGate: { enabled: true, timeoutSeconds: 60, failOn: 'HIGH' } }, deps(world, pushes(world)));
    expect(world.results[0]?.result).toMatchObject({ pushed: true, digest: DIGEST, scan: null });
  });

  it('applies the policies to a repository it created; leaves those of an existing one without update-repo-policies', async () => {
    const policies = { lifecycle: LIFECYCLE, repository: '', updateExisting: false };
    const created = fakeWorld();
    const seen: string[] = [];
    await run({ ...params({ 'create-repo': 'true', push: 'false' }), policies }, deps(created, undefined, { port: {}, seen }));
    expect(seen.filter((c) => /^(get|set) /.test(c))).toEqual(['set lifecycle']);
    expect(logLines(created)).toContain('Applied the lifecycle policy');
    const existing = fakeWorld({ webapp: {} });
    const seen2: string[] = [];
    await run({ ...params({ push: 'false' }), policies }, deps(existing, undefined, { port: {}, seen: seen2 }));
    expect(seen2.filter((c) => /^(get|set) /.test(c))).toEqual([]);
    expect(logLines(existing)).toContain('The repository exists: its policies are left as they are (update-repo-policies: true replaces them)');
    // Without the repository port there is nothing to apply them with: the step goes on.
    const bare = fakeWorld({ webapp: {} });
    await run({ ...params({ push: 'false' }), policies: { ...policies, updateExisting: true } }, deps(bare));
    expect(bare.results).toHaveLength(1);
  });
});
