// build-and-push's builder: which one runs (auto with and without buildx, classic on BuildKit or not), the log
// line that says so, the build's environment (build args, DOCKER_BUILDKIT), and what a failed build reports.
import { describe, expect, it } from 'vitest';
import { run } from '../../../../src/commands/build-and-push/run.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';
import { fakeWorld } from '../../../support/fake-ecr.ts';
import { deps, logLines, OTHER, params, pushes, URI, type Docker } from './world.ts';

const CLI_28 = '28.2.2 linux 1.41\n';
const CLI_20 = '20.10.24+dfsg1 linux 1.41\n';
const builderLine = (lines: string[]) => lines.filter((l) => l.startsWith('Builder:'));

describe('build-and-push: the builder and its log line', () => {
  it.each([
    ['auto', true, CLI_20, 'Builder: docker buildx build (auto: buildx found)', {}, 'buildx'],
    ['auto', false, CLI_28, 'Builder: classic docker build (auto: buildx not found)', {}, 'docker'],
    ['auto', false, CLI_20, 'Builder: classic docker build on BuildKit (auto: buildx not found)', { DOCKER_BUILDKIT: '1' }, 'docker'],
    ['docker', true, CLI_28, 'Builder: classic docker build on BuildKit', { DOCKER_BUILDKIT: '1' }, 'docker'],
    ['docker', false, CLI_28, 'Builder: classic docker build', {}, 'docker'],
    ['buildx', true, CLI_20, 'Builder: docker buildx build', {}, 'buildx'],
  ] as const)('builder: %s, buildx there: %s, docker version %j: logs %j', async (builder, hasBuildx, version, line, kit, used) => {
    const world = fakeWorld({ webapp: {} });
    const builds: Record<string, string>[] = [];
    await run(params({ builder, push: 'false', 'build-args': 'GREETING=hi' }), deps(world, undefined, { hasBuildx, version, builds }));
    expect(builderLine(logLines(world))).toEqual([line]);
    expect(builds).toEqual([{ GREETING: 'hi', ...kit }]);
    // Only the classic build asks docker version (whether it has BuildKit); buildx has it anyway.
    expect(world.docker.map((a) => a[0])).toEqual(used === 'buildx' ? ['buildx'] : ['version', 'build']);
    expect(world.results[0]?.result).toMatchObject({ builder: used, pushed: false, digest: null });
  });

  it('builder: buildx where docker has no buildx: refused, naming the parameter, before any docker command', async () => {
    const world = fakeWorld({ webapp: {} });
    const err = await rejection(run(params({ builder: 'buildx' }), deps(world, undefined, { version: CLI_20 })), OrbError);
    expect(err.message).toMatch(/^parameter builder: buildx was asked for/);
    expect(world.docker).toEqual([]);
    expect(world.results).toEqual([]);
  });

  it('a docker version that fails leaves the classic build off BuildKit, and the build and the pushes still run', async () => {
    const world = fakeWorld({ webapp: {} });
    const builds: Record<string, string>[] = [];
    await run(params({ builder: 'auto' }), deps(world, pushes(world), { version: new Error('Cannot connect to the Docker daemon'), builds }));
    expect(builderLine(logLines(world))).toEqual(['Builder: classic docker build (auto: buildx not found)']);
    expect(builds).toEqual([{}]);
    expect(world.docker.map((a) => a[0])).toEqual(['version', 'build', 'push', 'push']);
    expect(world.results[0]?.result).toMatchObject({ builder: 'docker', pushed: true });
  });

  it('checks the platform of the image only after a classic build: buildx builds for the platform asked', async () => {
    const world = fakeWorld({ webapp: {} });
    await run(params({ builder: 'buildx', platform: 'linux/arm64', push: 'false' }), deps(world, undefined, { hasBuildx: true }));
    expect(world.docker.map((a) => a[0])).toEqual(['buildx']);
    expect(world.docker[0]).toEqual(expect.arrayContaining(['--platform', 'linux/arm64', '--load']));
  });
});

describe('build-and-push: a failed build', () => {
  /** An IMMUTABLE repository where v1 is taken already, with the repository port that can tell so. */
  const immutable = (o: Docker = {}): Docker => ({ mutability: 'IMMUTABLE', port: {}, fail: (a) => (a.includes('build') ? 'exit status 1' : undefined), ...o });

  it('the classic build: says the build failed and where to look, pushes nothing, exports nothing', async () => {
    const world = fakeWorld({ webapp: { v1: OTHER } });
    const err = await rejection(run(params(), deps(world, pushes(world), immutable())), OrbError);
    // The classic build pushes nothing, so the IMMUTABLE tag was not why it failed.
    expect(err.message).toBe('the build failed: exit status 1');
    expect(err.hint).toBe('see the build output above');
    expect(world.docker.map((a) => a[0])).toEqual(['version', 'build']);
    expect(world.exports).toEqual([]);
    expect(world.results).toEqual([]);
  });

  it('buildx pushes in the build: a build ECR refused over an IMMUTABLE tag names the tag, its digest and skip-when-tags-exist', async () => {
    const world = fakeWorld({ webapp: { v1: OTHER } });
    const err = await rejection(run(params({ builder: 'buildx' }), deps(world, undefined, immutable({ hasBuildx: true }))), OrbError);
    expect(err.message).toBe(`the repository ${URI} is IMMUTABLE and already has tag(s) v1 (at ${OTHER}): ECR refuses to move a tag there`);
    expect(err.hint).toMatch(/set skip-when-tags-exist: true to reuse the image those tags name/);
  });

  it.each([
    ['buildx with push: false (nothing was pushed)', { builder: 'buildx', push: 'false' }, {}],
    ['buildx without the repository port (no way to read the tags)', { builder: 'buildx' }, { port: undefined }],
  ])('%s: the plain build failure', async (_title, p, o) => {
    const world = fakeWorld({ webapp: { v1: OTHER } });
    const err = await rejection(run(params(p), deps(world, undefined, immutable({ hasBuildx: true, ...o }))), OrbError);
    expect(err.message).toBe('the build failed: exit status 1');
  });
});
