// build-and-push's fakes for its run tests: ECR and docker over a FakeWorld, with what `docker version` and
// `docker image inspect` print, the environment each build got, docker commands that fail, the tag mutability
// ECR reports, the caller's account and, when asked, a recording repository port (policies, scans, tag reads).
import type { BuildAndPushDeps } from '../../../../src/commands/build-and-push/run.ts';
import { parseParams } from '../../../../src/commands/build-and-push/params.ts';
import type { ScanReport } from '../../../../src/lib/aws/ecr-images.ts';
import { ACCOUNT, fakeImageDeps, raw, REGION, repositoryInfo, type FakeWorld } from '../../../support/fake-ecr.ts';

export const DIGEST = `sha256:${'b'.repeat(64)}`;
export const OTHER = `sha256:${'c'.repeat(64)}`;
export const URI = repositoryInfo('webapp').repositoryUri;
/** The registry host of every repository here (what `docker login` and ecr-login name). */
export const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

/** build-and-push's parameters as a job gives them: by default webapp, tags v1 and latest, the classic builder. */
export const params = (p: Record<string, string> = {}) =>
  parseParams(raw({ repo: 'webapp', tag: 'v1,latest', builder: 'docker', ...p }), { AWS_REGION: REGION, CIRCLE_SHA1: 'abc1234' }, '/project');

/** What docker and ECR do beyond the defaults (a CLI 28 without buildx and BuildKit, an amd64 image, MUTABLE tags, no repository port). */
export interface Docker {
  /** `docker version`'s output; an Error: docker version fails with it. */
  version?: string | Error;
  platform?: string;
  env?: Record<string, string>;
  /** Receives the environment each build ran with. */
  builds?: Record<string, string>[];
  hasBuildx?: boolean;
  /** The error text of a docker command that exits non-zero (by its argv); undefined: it succeeds. */
  fail?: (argv: string[]) => string | undefined;
  mutability?: string;
  /** The account STS reports for the keys. */
  callerAccount?: string;
  /** Wires deps.repository; its scans report `scan` (undefined: no scan). */
  port?: { scan?: ScanReport } | undefined;
  /** Receives the calls the step made that docker argvs do not show: callerIdentity, describe <registry>, the port's. */
  seen?: string[];
}

/** The repository name in an image reference <host>/<name>:<tag>. */
const nameOf = (ref: string) => ref.slice(ref.indexOf('/') + 1, ref.lastIndexOf(':'));

/** docker push tags the image in the fake registry at `digest`, as the registry would. */
export const pushes = (world: FakeWorld, digest = DIGEST) => (argv: string[]) => {
  if (argv[0] === 'push') world.repos.get(nameOf(argv[1]!))?.set(argv[1]!.split(':').at(-1)!, digest);
};

/** build-and-push's deps over `world`; `onDocker` is what a docker command that succeeds does to the registry. */
export function deps(world: FakeWorld, onDocker?: (argv: string[]) => void, d: Docker = {}): BuildAndPushDeps {
  const fake = fakeImageDeps(world, onDocker);
  const seen = d.seen ?? [];
  return {
    ...fake, env: d.env ?? {}, now: () => new Date('2030-01-01T00:00:00Z'),
    hasBuildx: async () => d.hasBuildx ?? false,
    callerIdentity: async () => { seen.push('callerIdentity'); return { arn: 'arn:aws:sts::x:assumed-role/deploy/s', account: d.callerAccount ?? ACCOUNT }; },
    describeRepository: async (k, r, id, name) => {
      seen.push(`describe ${id}`);
      const info = await fake.describeRepository(k, r, id, name);
      return info && { ...info, imageTagMutability: d.mutability ?? 'MUTABLE' };
    },
    docker: async (argv: string[], env: Record<string, string> = {}) => {
      if (argv[0] === 'build' || argv[1] === 'build') d.builds?.push(env);
      world.docker.push(argv);
      const failure = d.fail?.(argv);
      if (failure !== undefined) throw new Error(failure);
      onDocker?.(argv);
    },
    dockerOutput: async (argv: string[]) => {
      world.docker.push(argv);
      if (argv[0] !== 'version') return d.platform ?? 'linux/amd64\n';
      if (d.version instanceof Error) throw d.version;
      return d.version ?? '28.2.2 linux 1.41\n';
    },
    ...(d.port ? { repository: (k, r, id, name) => recordingPort(d.port?.scan, seen, (tags) => fake.tagDigests(k, r, id, name, tags)) } : {}),
  };
}

/** A repository port that records its calls in `seen`; tag reads go to the fake ECR. */
function recordingPort(scan: ScanReport | undefined, seen: string[], tagDigests: (tags: readonly string[]) => Promise<Map<string, string>>) {
  return {
    policies: {
      get: async (kind: string) => { seen.push(`get ${kind}`); return undefined; },
      set: async (kind: string) => { seen.push(`set ${kind}`); },
    },
    scans: {
      report: async (digest: string) => { seen.push(`report ${digest}`); return scan; },
      start: async () => true, now: () => 0, sleep: async () => {}, pollMs: 1,
    },
    getImage: async () => undefined,
    tagDigests: async (tags: readonly string[]) => { seen.push(`tagDigests ${tags.join(',')}`); return tagDigests(tags); },
  };
}

/** The step's log lines without their line breaks. */
export const logLines = (world: FakeWorld) => world.lines.map((l) => l.trimEnd());
