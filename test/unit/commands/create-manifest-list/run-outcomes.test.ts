// create-manifest-list's run, what a user sees of it: the registry it stitches in, the builder it picks (and refuses),
// the lines it logs, the error a failing docker command becomes, and the result file it writes.
import { describe, expect, it } from 'vitest';
import { run } from '../../../../src/commands/create-manifest-list/run.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';
import { ACCOUNT, fakeWorld, repositoryInfo, type FakeWorld } from '../../../support/fake-ecr.ts';
import { deps, LIST, params, URI } from './stitch-world.ts';

const OTHER = '210987654321';
const DIGESTS = [`sha256:${'1'.repeat(64)}`, `sha256:${'2'.repeat(64)}`];
const log = (world: FakeWorld) => world.lines.join('');

/** The deps with docker failing (with a plain Error, as execFile does) on the command `failing` names (its first two words). */
const failingOn = (world: FakeWorld, failing: string, base = deps(world)) => ({
  ...base,
  docker: async (argv: string[]) => {
    if (argv.slice(0, 2).join(' ') !== failing) return base.docker(argv);
    world.docker.push(argv);
    throw new Error('denied: not authorized');
  },
});

describe('create-manifest-list run: registry, builder and log', () => {
  it('stitches in account-id\'s registry without asking STS, else in the identity\'s own account; a missing repository names it', async () => {
    const seen: string[] = [];
    const world = fakeWorld({ webapp: {} });
    const d = deps(world);
    const spy = { ...d, callerIdentity: async () => { throw new Error('STS was asked'); },
      describeRepository: async (...a: Parameters<typeof d.describeRepository>) => { seen.push(a[2]); return d.describeRepository(...a); },
      tagDigests: async (...a: Parameters<typeof d.tagDigests>) => { seen.push(a[2]); return d.tagDigests(...a); } };
    await run(params({ 'account-id': OTHER }), spy);
    expect(seen).toEqual([OTHER, OTHER]);
    for (const [p, registry] of [[{ 'account-id': OTHER }, OTHER], [{}, ACCOUNT]] as const) {
      const err = await rejection(run(params({ ...p, repo: 'gone' }), { ...deps(fakeWorld()), ...(registry === OTHER ? { callerIdentity: spy.callerIdentity } : {}) }), OrbError);
      expect(err.message).toBe(`the ECR repository gone does not exist in registry ${registry} (eu-west-1)`);
      expect(err.hint).toBe('push the per-architecture images first (build-and-push)');
    }
  });

  it('stitches sources given as sha256 digests by their digest in the repository', async () => {
    const world = fakeWorld({ webapp: {} });
    await run(params({ sources: DIGESTS.join(' ') }), deps(world));
    expect(world.docker[1]).toEqual(['manifest', 'create', `${URI}:v1`, `${URI}@${DIGESTS[0]}`, `${URI}@${DIGESTS[1]}`]);
    expect(world.results[0]?.result).toMatchObject({ sources: DIGESTS.map((d) => `${URI}@${d}`) });
  });

  it('builder docker uses docker manifest even where buildx is there, and says which tool it stitches with', async () => {
    const world = fakeWorld({ webapp: {} });
    await run(params({ tag: 'v1,latest' }), deps(world, undefined, true));
    expect(world.docker.every((a) => a[0] === 'manifest')).toBe(true);
    expect(log(world)).toContain(`Stitching v1-amd64, v1-arm64 into ${URI}:v1, ${URI}:latest with docker manifest\n`);
  });

  it('builder buildx uses buildx when there, and says so; when docker buildx is missing it is refused before any docker command', async () => {
    const world = fakeWorld({ webapp: {} });
    await run(params({ tag: 'v1,latest', builder: 'buildx' }), deps(world, undefined, true));
    expect(world.docker.map((a) => a.slice(0, 3).join(' '))).toEqual(['buildx imagetools create', 'buildx imagetools create']);
    expect(log(world)).toContain(`Stitching v1-amd64, v1-arm64 into ${URI}:v1, ${URI}:latest with docker buildx imagetools create\n`);
    const none = fakeWorld({ webapp: {} });
    const err = await rejection(run(params({ builder: 'buildx' }), deps(none, undefined, false)), OrbError);
    expect(err.message).toBe('parameter builder: buildx was asked for, but `docker buildx` is not available here');
    expect(err.hint).toBe('use builder: auto');
    expect(none.docker).toEqual([]);
  });

  it('tells the user that docker manifest runs with --insecure for a plain-HTTP registry, and only then', async () => {
    const note = /plain HTTP.*--insecure/;
    const cases = [['docker', 'http://127.0.0.1:5000', true], ['docker', `https://${URI.split('/')[0]}`, false], ['buildx', 'http://127.0.0.1:5000', false]] as const;
    for (const [builder, endpoint, told] of cases) {
      const world = fakeWorld({ webapp: {} }, endpoint);
      await run(params({ builder }), deps(world, undefined, builder === 'buildx'));
      expect(note.test(log(world)), `${builder} ${endpoint}`).toBe(told);
      expect(world.docker.some((a) => a.includes('--insecure'))).toBe(told);
    }
  });
});

describe('create-manifest-list run: failures and results', () => {
  it.each([
    ['manifest create', 'docker manifest create failed: denied: not authorized', ['manifest rm', 'manifest create']],
    ['manifest push', 'docker manifest push failed: denied: not authorized', ['manifest rm', 'manifest create', 'manifest inspect', 'manifest push']],
  ])('a failing docker %s is an error naming the command, docker\'s message and the fix', async (failing, message, ran) => {
    const world = fakeWorld({ webapp: {} });
    const err = await rejection(run(params(), failingOn(world, failing)), OrbError);
    expect(err.message).toBe(message);
    expect(err.hint).toBe('check that every source tag was pushed and that ecr-login ran in this job');
    expect(world.docker.map((a) => a.slice(0, 2).join(' '))).toEqual(ran);
    expect(world.exports).toEqual([]);
  });

  it('a failing docker buildx imagetools create is an error naming it, after the dry run passed', async () => {
    const world = fakeWorld({ webapp: {} });
    const err = await rejection(run(params({ builder: 'auto' }), failingOn(world, 'buildx imagetools', deps(world, undefined, true))), OrbError);
    expect(err.message).toBe('docker buildx imagetools failed: denied: not authorized');
    expect(world.docker.map((a) => a.at(-1))).toEqual(['--dry-run', `${URI}:v1-arm64`]);
  });

  it('docker failing to print the list it would push is an error too, and nothing is pushed', async () => {
    for (const builder of ['docker', 'buildx']) {
      const world = fakeWorld({ webapp: {} });
      const d = { ...deps(world, undefined, builder === 'buildx'), dockerOutput: async () => { throw new Error('manifest unknown'); } };
      const err = await rejection(run(params({ builder }), d), OrbError);
      // Both are reported as the inspection of the list that failed, with docker's message.
      expect(err.message).toMatch(/^docker \S+ \S+ failed: manifest unknown$/);
      if (builder === 'docker') expect(err.message).toBe('docker manifest inspect failed: manifest unknown');
      expect(err.hint).toMatch(/every source tag was pushed/);
      expect(world.docker.map((a) => a.slice(0, 2).join(' '))).toEqual(builder === 'docker' ? ['manifest rm', 'manifest create', 'manifest rm'] : []);
      expect(world.repos.get('webapp')?.size).toBe(0);
    }
  });

  it('with no list in ECR after the push, the hint points at the docker output', async () => {
    const world = fakeWorld({ webapp: {} });
    const err = await rejection(run(params(), { ...deps(world), docker: async () => undefined }), OrbError);
    expect(err.message).toBe('after stitching, ECR has no manifest list for webapp:v1');
    expect(err.hint).toBe('see the docker output above');
  });

  it('logs the list\'s digest and the exports, and writes a result named after the repository (slashes as _)', async () => {
    const world = fakeWorld({ 'team/api': {} });
    const uri = repositoryInfo('team/api').repositoryUri;
    await run(params({ repo: 'team/api', tag: 'v1,latest' }), deps(world));
    expect(log(world)).toContain(`Manifest list ${uri}@${LIST}; exported AWS_ECR_IMAGE_URI, AWS_ECR_IMAGE_DIGEST, AWS_ECR_IMAGE_REF\n`);
    expect(world.exports).toEqual([{ AWS_ECR_IMAGE_URI: `${uri}:v1`, AWS_ECR_IMAGE_DIGEST: LIST, AWS_ECR_IMAGE_REF: `${uri}@${LIST}` }]);
    expect(world.results).toEqual([{ name: 'create-manifest-list-team_api', result: {
      repository: 'team/api', repositoryUri: uri, tags: ['v1', 'latest'], sources: ['v1-amd64', 'v1-arm64'], digest: LIST, builder: 'docker',
    } }]);
  });
});
