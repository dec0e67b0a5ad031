// create-manifest-list's run over fake ECR and docker, for its tests: parameters, what a push does to the
// registry, and what docker prints for the list it would push.
import { parseParams } from '../../../../src/commands/create-manifest-list/params.ts';
import { fakeImageDeps, raw, repositoryInfo, type FakeWorld } from '../../../support/fake-ecr.ts';

/** The digest the registry gives every pushed list. */
export const LIST = `sha256:${'a'.repeat(64)}`;
export const URI = repositoryInfo('webapp').repositoryUri;

/** The step's parameters: repo webapp, tag v1, two per-architecture sources, builder docker, unless `p` says otherwise. */
export const params = (p: Record<string, string> = {}) =>
  parseParams(raw({ repo: 'webapp', tag: 'v1', sources: 'v1-amd64 v1-arm64', builder: 'docker', ...p }), { AWS_REGION: 'eu-west-1' });

/** docker manifest push (or buildx imagetools create) puts the list under its tag in its repository, as the registry would. */
export const pushes = (world: FakeWorld) => (argv: string[]) => {
  const tagged = argv[0] === 'buildx' ? argv[argv.indexOf('--tag') + 1] : argv[1] === 'push' ? argv.at(-1) : undefined;
  const m = tagged ? /^[^/]+\/(.+):([^:]+)$/.exec(tagged) : null;
  if (m) world.repos.get(m[1]!)?.set(m[2]!, LIST);
};

/** What docker prints for the list it would push: one entry per architecture given. */
export const listJson = (...arch: string[]) => JSON.stringify({
  schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
  manifests: arch.map((a, i) => ({ digest: `sha256:${String(i).repeat(64)}`, platform: { architecture: a, os: 'linux' } })),
});

/** The fake deps, with docker printing `printed` for the plan (docker manifest inspect, or buildx's --dry-run). */
export const deps = (world: FakeWorld, printed = listJson('amd64', 'arm64'), buildx = false) => ({
  ...fakeImageDeps(world, pushes(world)), hasBuildx: async () => buildx,
  dockerOutput: async (argv: string[]) => { world.docker.push(argv); return printed; },
});
