// create-manifest-list: the fan-in step of a per-architecture build. Each architecture's job pushed
// its own tag; this stitches them into one multi-architecture manifest list under the final tag(s).
import { OrbError } from '../../lib/errors.ts';
import type { Log } from '../../lib/log.ts';
import type { ResolvedKeys } from '../../lib/aws/credentials.ts';
import type { EcrCalls } from '../../lib/aws/ecr-calls.ts';
import { stitchArgvs } from './argv.ts';
import { checkListPlatforms, planArgv } from './platforms.ts';
import type { StitchParams } from './params.ts';

/** What the stitch does to the world; the entry point wires the real ones, tests fakes. The proxyEndpoint's scheme decides docker manifest's --insecure. */
export interface StitchDeps extends Omit<EcrCalls, 'createRepository'> {
  log: Log;
  resolveKeys(profile: string): Promise<ResolvedKeys>;
  hasBuildx(): Promise<boolean>;
  docker(argv: string[]): Promise<void>;
  /** Runs docker and returns its stdout (the list it would push: planArgv). */
  dockerOutput(argv: string[]): Promise<string>;
  writeExports(entries: Record<string, string | null>): void;
  writeResult(name: string, result: object): void;
}

/** Stitches the sources into one manifest list under each tag and exports its digest, read back from ECR. */
export async function run(p: StitchParams, deps: StitchDeps): Promise<void> {
  const keys = await deps.resolveKeys(p.profileName);
  deps.log.secret(keys.secretAccessKey, keys.sessionToken, keys.accessKeyId);
  const registryId = p.accountId || (await deps.callerIdentity(keys, p.region)).account;
  const repo = await deps.describeRepository(keys, p.region, registryId, p.repo);
  if (!repo) throw new OrbError(`the ECR repository ${p.repo} does not exist in registry ${registryId} (${p.region})`, 'push the per-architecture images first (build-and-push)');
  const uri = repo.repositoryUri;
  const sources = p.sources.map((s) => (s.startsWith('@') ? `${uri}${s}` : s));
  const hasBuildx = p.builder !== 'docker' && await deps.hasBuildx();
  if (p.builder === 'buildx' && !hasBuildx) throw new OrbError('parameter builder: buildx was asked for, but `docker buildx` is not available here', 'use builder: auto');
  const builder = hasBuildx ? 'buildx' : 'docker';
  deps.log.info(`Stitching ${sources.join(', ')} into ${p.tags.map((t) => `${uri}:${t}`).join(', ')} with ${builder === 'buildx' ? 'docker buildx imagetools create' : 'docker manifest'}`);
  const insecure = builder === 'docker' && (await deps.proxyEndpoint(keys, p.region, registryId)).startsWith('http:');
  if (insecure) deps.log.info('note: the registry speaks plain HTTP (its proxyEndpoint says so), so docker manifest runs with --insecure');
  const argvs = stitchArgvs(builder, uri, p.tags, sources, insecure);
  const fail = (argv: string[]) => (err: unknown) => {
    throw err instanceof OrbError ? err : new OrbError(`docker ${argv.slice(0, 2).join(' ')} failed: ${(err as Error).message}`, 'check that every source tag was pushed and that ecr-login ran in this job');
  };
  // Every list is checked before anything is pushed: each docker manifest list after its create (local), all
  // tags' one list with buildx's --dry-run. A local list left by an earlier run is removed first (none: ignored).
  for (const argv of argvs) {
    const list = argv.find((a) => a.startsWith(`${uri}:`)) ?? '';
    if (argv[0] === 'buildx') await checkPlan(argv, list, sources, builder, deps).catch(fail(['manifest', 'inspect']));
    if (argv[1] === 'create') await deps.docker(['manifest', 'rm', list]).catch(() => undefined);
    await deps.docker(argv).catch(fail(argv));
    if (argv[1] === 'create') await checkPlan(argv, list, sources, builder, deps).catch(fail(['manifest', 'inspect']));
  }
  const have = await deps.tagDigests(keys, p.region, registryId, p.repo, p.tags);
  const digest = have.get(p.tags[0] ?? '');
  if (!digest) throw new OrbError(`after stitching, ECR has no manifest list for ${p.repo}:${p.tags[0] ?? ''}`, 'see the docker output above');
  deps.writeExports({ AWS_ECR_IMAGE_URI: `${uri}:${p.tags[0] ?? ''}`, AWS_ECR_IMAGE_DIGEST: digest, AWS_ECR_IMAGE_REF: `${uri}@${digest}` });
  deps.log.info(`Manifest list ${uri}@${digest}; exported AWS_ECR_IMAGE_URI, AWS_ECR_IMAGE_DIGEST, AWS_ECR_IMAGE_REF`);
  deps.writeResult(`create-manifest-list-${p.repo.replace(/\//g, '_')}`, { repository: p.repo, repositoryUri: uri, tags: p.tags, sources, digest, builder });
}

/** Reads the list the stitch would push and refuses two entries of one platform; a refused local docker manifest list is removed. */
async function checkPlan(stitch: string[], list: string, sources: string[], builder: string, deps: StitchDeps): Promise<void> {
  try {
    const platforms = checkListPlatforms(await deps.dockerOutput(planArgv(stitch, list)), sources);
    deps.log.info(`The list holds ${platforms.join(', ')}`);
  } catch (err) {
    if (builder === 'docker') await deps.docker(['manifest', 'rm', list]).catch(() => undefined);
    throw err;
  }
}
