// build-and-push's run with fake ECR and docker: the skip path runs no docker, the digest is read back, create-repo.
import { describe, expect, it } from 'vitest';
import { run } from '../../../../src/commands/build-and-push/run.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';
import { fakeWorld } from '../../../support/fake-ecr.ts';
import { deps, DIGEST, OTHER, params, pushes, URI } from './world.ts';

describe('build-and-push run', () => {
  it('skips with no docker call when every tag is already at one digest, and exports that digest', async () => {
    const world = fakeWorld({ webapp: { v1: DIGEST, latest: DIGEST } });
    await run(params({ 'skip-when-tags-exist': 'true' }), deps(world));
    expect(world.docker).toEqual([]);
    expect(world.exports[0]).toMatchObject({ AWS_ECR_IMAGE_DIGEST: DIGEST, AWS_ECR_IMAGE_REF: `${URI}@${DIGEST}` });
    expect(world.results[0]?.result).toMatchObject({ skipped: true, pushed: false, builder: null });
  });

  it('builds when only some tags exist, and exports the digest read back from ECR after the push', async () => {
    const world = fakeWorld({ webapp: { v1: OTHER } });
    await run(params({ 'skip-when-tags-exist': 'true' }), deps(world, pushes(world)));
    expect(world.docker.map((a) => a.slice(0, 2))).toEqual([['version', '--format'], ['build', '--file'], ['push', `${URI}:v1`], ['push', `${URI}:latest`]]);
    expect(world.exports[0]).toEqual({
      AWS_ECR_REPOSITORY_URI: URI, AWS_ECR_IMAGE_URI: `${URI}:v1`, AWS_ECR_IMAGE_URIS: `${URI}:v1 ${URI}:latest`,
      AWS_ECR_IMAGE_DIGEST: DIGEST, AWS_ECR_IMAGE_REF: `${URI}@${DIGEST}`,
    });
  });

  it('refuses tags that ECR reports at different digests after the push', async () => {
    const world = fakeWorld({ webapp: {} });
    const split = (argv: string[]) => pushes(world, argv[1]!.endsWith(':v1') ? DIGEST : OTHER)(argv);
    const err = await rejection(run(params(), deps(world, split)), OrbError);
    expect(err.message).toBe(`after the push, the tags of webapp point at different digests: v1=${DIGEST}, latest=${OTHER}`);
    expect(err.hint).toMatch(/another job pushed the same tags at the same time; use unique tags/);
    expect(world.exports).toEqual([]);
  });

  it('creates a missing repository with create-repo and its settings, and refuses without it', async () => {
    const world = fakeWorld();
    await run(params({ 'create-repo': 'true', 'repo-tag-mutability': 'IMMUTABLE', push: 'false' }), deps(world));
    expect(world.created).toEqual([{ scanOnPush: true, tagMutability: 'IMMUTABLE', encryptionType: 'AES256', kmsKey: '' }]);
    expect(world.exports[0]).not.toHaveProperty('AWS_ECR_IMAGE_DIGEST');
    const err = await rejection(run(params(), deps(fakeWorld())), OrbError);
    expect(err.message).toMatch(/the ECR repository webapp does not exist/);
    expect(err.hint).toBe('set create-repo: true, or create it (aws ecr create-repository --repository-name webapp)');
  });

  it('builds on BuildKit where the docker CLI has it: DOCKER_BUILDKIT=1, secrets and another platform, checked before the push', async () => {
    const world = fakeWorld({ webapp: {} });
    const builds: Record<string, string>[] = [];
    const p = params({ secrets: 'id=token,env=GITHUB_TOKEN', platform: 'linux/arm64', 'build-args': 'GREETING=hi' });
    await run(p, deps(world, pushes(world), { version: '20.10.24+dfsg1 linux 1.41\n', platform: 'linux/arm64\n', builds }));
    expect(world.docker.map((a) => a.slice(0, 2))).toEqual([['version', '--format'], ['build', '--file'], ['image', 'inspect'], ['push', `${URI}:v1`], ['push', `${URI}:latest`]]);
    expect(world.docker[1]).toEqual(expect.arrayContaining(['--secret', 'id=token,env=GITHUB_TOKEN', '--platform', 'linux/arm64']));
    expect(world.docker[2]?.at(-1)).toBe(`${URI}:v1`);
    expect(builds).toEqual([{ GREETING: 'hi', DOCKER_BUILDKIT: '1' }]);
    expect(world.lines.join('\n')).toMatch(/Builder: classic docker build on BuildKit\n/);
  });

  it('without BuildKit: refuses secrets before any build; refuses an image built for another platform before any push', async () => {
    const world = fakeWorld({ webapp: {} });
    const secrets = await rejection(run(params({ secrets: 'id=token,env=GITHUB_TOKEN' }), deps(world, pushes(world))), OrbError);
    expect(secrets.message).toBe('secrets needs BuildKit, and this build uses the classic docker build without it (builder: docker)');
    expect(world.docker.map((a) => a[0])).toEqual(['version']);
    const builds: Record<string, string>[] = [];
    const arm = await rejection(run(params({ platform: 'linux/arm64' }), deps(world, pushes(world), { builds })), OrbError);
    expect(arm.message).toMatch(/^parameter platform: the classic docker build made \S+\/webapp:v1 for linux\/amd64, so it was not pushed/);
    expect(world.docker.map((a) => a[0])).toEqual(['version', 'version', 'build', 'image']);
    expect(builds).toEqual([{}]);
    expect(world.repos.get('webapp')?.size).toBe(0);
  });

  it('DOCKER_BUILDKIT=0 in the step\'s environment keeps the classic build off BuildKit; buildx asks no docker version', async () => {
    const world = fakeWorld({ webapp: {} });
    const builds: Record<string, string>[] = [];
    await run(params(), deps(world, pushes(world), { version: '20.10.24 linux 1.41', env: { DOCKER_BUILDKIT: '0' }, builds }));
    expect(builds).toEqual([{}]);
    const buildx = fakeWorld({ webapp: {} });
    await run(params({ builder: 'auto', push: 'false' }), { ...deps(buildx), hasBuildx: async () => true });
    expect(buildx.docker.map((a) => a.slice(0, 2))).toEqual([['buildx', 'build']]);
  });
});
