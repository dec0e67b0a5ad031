// create-manifest-list's run with fake ECR and docker: --insecure only for a plain-HTTP proxyEndpoint, the digest from ECR.
import { describe, expect, it } from 'vitest';
import { run } from '../../../../src/commands/create-manifest-list/run.ts';
import { parseParams } from '../../../../src/commands/create-manifest-list/params.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';
import { fakeImageDeps, fakeWorld, raw, repositoryInfo, type FakeWorld } from '../../../support/fake-ecr.ts';

const LIST = `sha256:${'a'.repeat(64)}`;
const params = (p: Record<string, string> = {}) => parseParams(raw({ repo: 'webapp', tag: 'v1', sources: 'v1-amd64 v1-arm64', builder: 'docker', ...p }), { AWS_REGION: 'eu-west-1' });
/** docker manifest push puts the list under its tag, as the registry would. */
const pushes = (world: FakeWorld) => (argv: string[]) => {
  if (argv[1] === 'push') world.repos.get('webapp')?.set(argv.at(-1)!.split(':').at(-1)!, LIST);
};
const URI = repositoryInfo('webapp').repositoryUri;

describe('create-manifest-list run', () => {
  it('passes --insecure to docker manifest only when the proxyEndpoint is plain http', async () => {
    for (const [endpoint, insecure] of [['http://127.0.0.1:5000', true], [`https://${URI.split('/')[0]}`, false]] as const) {
      const world = fakeWorld({ webapp: {} }, endpoint);
      await run(params(), fakeImageDeps(world, pushes(world)));
      expect(world.docker.map((a) => a.includes('--insecure'))).toEqual([insecure, insecure]);
      expect(world.docker[0]).toEqual(['manifest', 'create', ...(insecure ? ['--insecure'] : []), '--amend', `${URI}:v1`, `${URI}:v1-amd64`, `${URI}:v1-arm64`]);
    }
  });

  it('exports the digest ECR reports for the first tag after the push', async () => {
    const world = fakeWorld({ webapp: {} });
    await run(params({ tag: 'v1,latest' }), fakeImageDeps(world, pushes(world)));
    expect(world.exports).toEqual([{ AWS_ECR_IMAGE_URI: `${URI}:v1`, AWS_ECR_IMAGE_DIGEST: LIST, AWS_ECR_IMAGE_REF: `${URI}@${LIST}` }]);
  });

  it('fails when ECR has no list under the tag after the push, and when the repository is missing', async () => {
    const world = fakeWorld({ webapp: {} });
    expect((await rejection(run(params(), fakeImageDeps(world)), OrbError)).message).toMatch(/after stitching, ECR has no manifest list for webapp:v1/);
    expect((await rejection(run(params({ repo: 'gone' }), fakeImageDeps(fakeWorld())), OrbError)).message).toMatch(/the ECR repository gone does not exist/);
  });
});
