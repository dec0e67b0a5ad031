// Fakes for the image steps' unit tests: ECR as a map of repositories and tags, docker as a list of argv.
import type { ResolvedKeys } from '../../src/lib/aws/credentials.ts';
import type { EcrCalls } from '../../src/lib/aws/ecr-calls.ts';
import type { NewRepository, RepositoryInfo } from '../../src/lib/aws/ecr.ts';
import { Log } from '../../src/lib/log.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const KEYS: ResolvedKeys = { accessKeyId: 'AKIAFAKE', secretAccessKey: 'secret-fake', sessionToken: 'token-fake', source: 'the environment' };

/** Orb parameters by name as the step receives them (ORB_PARAM_<NAME>). */
export { orbParams as raw } from './params.ts';

/** What a fake ECR and docker saw and hold: the repositories (name -> tag -> digest), the docker argvs, the exports and the log. */
export interface FakeWorld {
  repos: Map<string, Map<string, string>>;
  created: NewRepository[];
  docker: string[][];
  exports: Record<string, string | null>[];
  results: { name: string; result: object }[];
  lines: string[];
  /** The proxyEndpoint ECR reports for the registry. */
  proxyEndpoint: string;
}

/** The repository as ECR describes it. */
export const repositoryInfo = (name: string): RepositoryInfo => ({
  registryId: ACCOUNT, repositoryName: name, repositoryUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${name}`,
  imageTagMutability: 'MUTABLE', scanOnPush: true, encryptionType: 'AES256',
});

/**
 * ECR calls, docker and the step's outputs over one world. `onDocker` is what a docker command does
 * to the registry (e.g. a push tags a digest); by default nothing.
 */
export function fakeImageDeps(world: FakeWorld, onDocker: (argv: string[]) => void = () => {}) {
  const ecr: EcrCalls = {
    callerIdentity: async () => ({ arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/s`, account: ACCOUNT }),
    describeRepository: async (_k, _r, _id, name) => (world.repos.has(name) ? repositoryInfo(name) : undefined),
    createRepository: async (_k, _r, _id, name, settings) => { world.created.push(settings); world.repos.set(name, new Map()); return repositoryInfo(name); },
    tagDigests: async (_k, _r, _id, name, tags) => new Map(tags.flatMap((t) => { const d = world.repos.get(name)?.get(t); return d ? [[t, d] as const] : []; })),
    proxyEndpoint: async () => world.proxyEndpoint,
  };
  return {
    ...ecr,
    log: new Log((text) => { world.lines.push(text); }),
    resolveKeys: async () => KEYS,
    hasBuildx: async () => false,
    docker: async (argv: string[]) => { world.docker.push(argv); onDocker(argv); },
    writeExports: (e: Record<string, string | null>) => { world.exports.push(e); },
    writeResult: (name: string, result: object) => { world.results.push({ name, result }); },
  };
}

/** An empty world with the given repositories (name -> tag -> digest). */
export function fakeWorld(repos: Record<string, Record<string, string>> = {}, proxyEndpoint = `https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`): FakeWorld {
  return {
    repos: new Map(Object.entries(repos).map(([name, tags]) => [name, new Map(Object.entries(tags))])),
    created: [], docker: [], exports: [], results: [], lines: [], proxyEndpoint,
  };
}
