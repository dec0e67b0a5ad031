// create-manifest-list's run with fake ECR and docker: --insecure only for a plain-HTTP proxyEndpoint, the digest from ECR,
// and the list's platforms read before anything is pushed: two entries of one platform are refused.
import { describe, expect, it } from 'vitest';
import { run } from '../../../../src/commands/create-manifest-list/run.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';
import { fakeWorld } from '../../../support/fake-ecr.ts';
import { deps, LIST, listJson, params, URI } from './stitch-world.ts';

describe('create-manifest-list run', () => {
  it('passes --insecure to docker manifest only when the proxyEndpoint is plain http', async () => {
    for (const [endpoint, insecure] of [['http://127.0.0.1:5000', true], [`https://${URI.split('/')[0]}`, false]] as const) {
      const world = fakeWorld({ webapp: {} }, endpoint);
      await run(params(), deps(world));
      expect(world.docker.map((a) => a.includes('--insecure'))).toEqual([false, insecure, insecure, insecure]);
      expect(world.docker[1]).toEqual(['manifest', 'create', ...(insecure ? ['--insecure'] : []), `${URI}:v1`, `${URI}:v1-amd64`, `${URI}:v1-arm64`]);
    }
  });

  it('removes any local list, creates it and reads its platforms, for every tag, before the first push', async () => {
    const world = fakeWorld({ webapp: {} });
    await run(params({ tag: 'v1,latest' }), deps(world));
    expect(world.docker.map((a) => a.slice(0, 2).join(' '))).toEqual(['manifest rm', 'manifest create', 'manifest inspect', 'manifest rm', 'manifest create', 'manifest inspect', 'manifest push', 'manifest push']);
    expect(world.docker.filter((a) => a[1] !== 'push').map((a) => a.at(a[1] === 'create' ? -3 : -1))).toEqual([`${URI}:v1`, `${URI}:v1`, `${URI}:v1`, `${URI}:latest`, `${URI}:latest`, `${URI}:latest`]);
    expect(world.lines.join('')).toContain('The list holds linux/amd64, linux/arm64');
  });

  it('refuses two sources of one platform, naming them, removes the local list and pushes nothing', async () => {
    const world = fakeWorld({ webapp: {} });
    const err = await rejection(run(params(), deps(world, listJson('amd64', 'amd64'))), OrbError);
    expect(err.message).toBe('sources v1-amd64 and v1-arm64 are both linux/amd64: the manifest list would name one platform twice, so it was not pushed');
    expect(err.hint).toMatch(/build each source for its own platform/);
    expect(world.docker.map((a) => a.slice(0, 2).join(' '))).toEqual(['manifest rm', 'manifest create', 'manifest inspect', 'manifest rm']);
    expect(world.repos.get('webapp')?.size).toBe(0);
  });

  it('checks the second tag\'s list too: one that names a platform twice (e.g. a stale local list) is refused and nothing is pushed', async () => {
    const world = fakeWorld({ webapp: {} });
    const printed = [listJson('amd64', 'arm64'), listJson('amd64', 'arm64', 'amd64', 'arm64')];
    // docker manifest rm fails when there is no local list: that is ignored.
    const d = { ...deps(world), dockerOutput: async (argv: string[]) => { world.docker.push(argv); return printed.shift() ?? ''; },
      docker: async (argv: string[]) => { world.docker.push(argv); if (argv[1] === 'rm' && argv.at(-1) === `${URI}:v1`) throw new Error('No such manifest'); } };
    const err = await rejection(run(params({ tag: 'v1,latest' }), d), OrbError);
    expect(err.message).toMatch(/^sources sha256:0{64} and sha256:2{64} are both linux\/amd64/);
    expect(world.docker.map((a) => a.slice(0, 2).join(' '))).toEqual(['manifest rm', 'manifest create', 'manifest inspect', 'manifest rm', 'manifest create', 'manifest inspect', 'manifest rm']);
    expect(world.docker[5]).toEqual(['manifest', 'inspect', `${URI}:latest`]);
    expect(world.repos.get('webapp')?.size).toBe(0);
  });

  it('with buildx: the same check through imagetools create --dry-run, before the real create', async () => {
    const world = fakeWorld({ webapp: {} });
    const err = await rejection(run(params({ builder: 'auto' }), deps(world, listJson('arm64', 'arm64'), true)), OrbError);
    expect(err.message).toMatch(/^sources v1-amd64 and v1-arm64 are both linux\/arm64/);
    expect(world.docker).toEqual([['buildx', 'imagetools', 'create', '--tag', `${URI}:v1`, `${URI}:v1-amd64`, `${URI}:v1-arm64`, '--dry-run']]);
    const ok = fakeWorld({ webapp: {} });
    await run(params({ builder: 'auto' }), deps(ok, listJson('amd64', 'arm64'), true));
    expect(ok.docker.map((a) => a.at(-1))).toEqual(['--dry-run', `${URI}:v1-arm64`]);
  });

  it('exports the digest ECR reports for the first tag after the push', async () => {
    const world = fakeWorld({ webapp: {} });
    await run(params({ tag: 'v1,latest' }), deps(world));
    expect(world.exports).toEqual([{ AWS_ECR_IMAGE_URI: `${URI}:v1`, AWS_ECR_IMAGE_DIGEST: LIST, AWS_ECR_IMAGE_REF: `${URI}@${LIST}` }]);
  });

  it('fails when ECR has no list under the tag after the push, and when the repository is missing', async () => {
    const world = fakeWorld({ webapp: {} });
    const noPush = { ...deps(world), docker: async (argv: string[]) => { world.docker.push(argv); } };
    expect((await rejection(run(params(), noPush), OrbError)).message).toMatch(/after stitching, ECR has no manifest list for webapp:v1/);
    expect((await rejection(run(params({ repo: 'gone' }), deps(fakeWorld())), OrbError)).message).toMatch(/the ECR repository gone does not exist/);
  });
});
