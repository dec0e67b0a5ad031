// build-and-push: find (or create) the ECR repository, skip when every tag is there already, build
// with buildx or the classic builder, push, then read the pushed manifest's digest back from ECR.
import { OrbError } from '../../lib/errors.ts';
import type { Log } from '../../lib/log.ts';
import type { Env } from '../../lib/params.ts';
import type { ResolvedKeys } from '../../lib/aws/credentials.ts';
import type { EcrCalls } from '../../lib/aws/ecr-calls.ts';
import type { RepositoryInfo } from '../../lib/aws/ecr.ts';
import type { AwsKeys } from '../../lib/aws/clients.ts';
import { buildArgv, chooseBuilder, imageLabels, pushArgvs } from './argv.ts';
import { checkPlatform, classicBuildKit, platformArgv, VERSION_ARGV } from './buildkit.ts';
import type { BuildAndPushParams } from './params.ts';
import { gatePushed, pushFailure, repositoryPolicies, type RepositoryPort } from '../ecr-images/after-push.ts';
import type { ScanVerdict } from '../ecr-images/scan-gate.ts';

/** What build-and-push does to the world; the entry point wires the real ones, tests fakes. */
export interface BuildAndPushDeps extends Omit<EcrCalls, 'proxyEndpoint'> {
  env: Env;
  log: Log;
  now(): Date;
  resolveKeys(profile: string): Promise<ResolvedKeys>;
  hasBuildx(): Promise<boolean>;
  /** Runs docker with `argv`, output to the step's log; `env` adds variables (the build args). Rejects on a non-zero exit. */
  docker(argv: string[], env?: Record<string, string>): Promise<void>;
  /** Runs docker with `argv` and resolves its stdout (docker version, image inspect). Rejects on a non-zero exit. */
  dockerOutput(argv: string[]): Promise<string>;
  writeExports(entries: Record<string, string | null>): void;
  writeResult(name: string, result: object): void;
  /** Policies, scans and image reads of one repository; needed only for repository policies and the scan gate. */
  repository?(keys: AwsKeys, region: string, registryId: string, name: string): RepositoryPort;
}

/** The registry host and account of a repository URI: <account>.dkr.ecr.<region>.<suffix>/<name>. */
const hostOf = (uri: string) => uri.slice(0, uri.indexOf('/'));

/** Where the step works: the keys, the registry and the repository, with its image URIs (one per tag). */
interface Target {
  keys: ResolvedKeys;
  registryId: string;
  repo: RepositoryInfo;
  /** Present when deps.repository is wired (policies, scans, IMMUTABLE explanations). */
  port: RepositoryPort | undefined;
  uri: string;
  uris: string[];
}

/** What building and pushing produced: the builder used, the digest ECR has (only after a push) and the scan gate's verdict. */
interface Built { builder: 'buildx' | 'docker'; digest: string | undefined; verdict: ScanVerdict | undefined }

/**
 * Builds (unless every tag is there already), pushes, reads the digest back from ECR and exports
 * AWS_ECR_REPOSITORY_URI, AWS_ECR_IMAGE_URI(S) and, with a digest, AWS_ECR_IMAGE_DIGEST and AWS_ECR_IMAGE_REF.
 * Rejects with an OrbError when the repository is missing without create-repo, the build or a push
 * fails, or the pushed tags are missing or at different digests; AWS failures come from deps as they are.
 */
export async function run(p: BuildAndPushParams, deps: BuildAndPushDeps): Promise<void> {
  const target = await resolveTarget(p, deps);
  const existing = p.skipWhenTagsExist ? await existingDigest(p, deps, target) : undefined;
  const built = existing === undefined ? await buildAndPush(p, deps, target) : undefined;
  const digest = existing ?? built?.digest;
  const { uri, uris, registryId } = target;
  const exports = exportsOf(uri, uris, digest);
  deps.writeExports(exports);
  deps.log.info(`Exported ${Object.keys(exports).join(', ')} to $BASH_ENV`);
  const skipped = existing !== undefined;
  deps.writeResult(`build-and-push-${p.repo.replace(/\//g, '_')}`, {
    repository: p.repo, registryId, region: p.region, repositoryUri: uri, tags: p.tags, imageUris: uris, digest: digest ?? null,
    imageRef: digest ? `${uri}@${digest}` : null, builder: built?.builder ?? null, skipped, pushed: p.push && !skipped, scan: built?.verdict ?? null,
  });
}

/** Resolves the keys and the registry, then finds the repository (creating it with create-repo) and applies its policies. */
async function resolveTarget(p: BuildAndPushParams, deps: BuildAndPushDeps): Promise<Target> {
  const keys = await deps.resolveKeys(p.profileName);
  deps.log.secret(keys.secretAccessKey, keys.sessionToken, keys.accessKeyId);
  const registryId = p.accountId || (await deps.callerIdentity(keys, p.region)).account;
  const found = await deps.describeRepository(keys, p.region, registryId, p.repo);
  const port = deps.repository?.(keys, p.region, registryId, p.repo);
  const repo = found ?? await createRepository(p, deps, keys, registryId);
  if (port) await repositoryPolicies(p.policies, port, !found, deps.log);
  const uri = repo.repositoryUri;
  return { keys, registryId, repo, port, uri, uris: p.tags.map((t) => `${uri}:${t}`) };
}

/** Creates the repository with the repo-* settings; refuses when create-repo is off. */
async function createRepository(p: BuildAndPushParams, deps: BuildAndPushDeps, keys: ResolvedKeys, registryId: string): Promise<RepositoryInfo> {
  if (!p.createRepo) {
    throw new OrbError(`the ECR repository ${p.repo} does not exist in registry ${registryId} (${p.region})`,
      'set create-repo: true, or create it (aws ecr create-repository --repository-name ' + p.repo + ')');
  }
  const repo = await deps.createRepository(keys, p.region, registryId, p.repo, {
    scanOnPush: p.repoScanOnPush, tagMutability: p.repoTagMutability, encryptionType: p.repoEncryptionType, kmsKey: p.repoKmsKey,
  });
  deps.log.info(`Created the ECR repository ${repo.repositoryUri} (scan on push: ${repo.scanOnPush}, tags: ${repo.imageTagMutability}, encryption: ${repo.encryptionType})`);
  return repo;
}

/** skip-when-tags-exist: the digest every tag already points at, or undefined when one is missing or they differ (then the step builds). */
async function existingDigest(p: BuildAndPushParams, deps: BuildAndPushDeps, t: Target): Promise<string | undefined> {
  const tagged = await deps.tagDigests(t.keys, p.region, t.registryId, p.repo, p.tags);
  const digests = new Set(p.tags.map((tag) => tagged.get(tag)));
  if (tagged.size === p.tags.length && digests.size === 1) {
    const digest = [...digests][0];
    deps.log.info(`Every tag (${p.tags.join(', ')}) is already in ${t.uri} at ${digest}: no build, no push (skip-when-tags-exist)`);
    return digest;
  }
  if (tagged.size > 0) deps.log.info(`Some tags exist (${[...tagged.keys()].join(', ')}), not all at one digest: building`);
  return undefined;
}

/** Builds, pushes (unless push: false), then reads the digest back and runs the scan gate. */
async function buildAndPush(p: BuildAndPushParams, deps: BuildAndPushDeps, t: Target): Promise<Built> {
  const { log } = deps;
  const { port, repo, uri } = t;
  const hasBuildx = await deps.hasBuildx();
  // The classic build runs on BuildKit (DOCKER_BUILDKIT=1) where this docker has it: secrets and a foreign platform work there.
  const classic = p.builder === 'docker' || p.builder === 'auto' && !hasBuildx;
  const buildkit = classic && classicBuildKit(await deps.dockerOutput(VERSION_ARGV).catch(() => ''), hasBuildx, deps.env);
  const builder = chooseBuilder(p, hasBuildx, buildkit);
  log.info(`Builder: ${builder === 'buildx' ? 'docker buildx build' : `classic docker build${buildkit ? ' on BuildKit' : ''}`}${p.builder === 'auto' ? ` (auto: buildx ${builder === 'buildx' ? 'found' : 'not found'})` : ''}`);
  const buildEnv: Record<string, string> = { ...Object.fromEntries(p.buildArgs), ...(buildkit ? { DOCKER_BUILDKIT: '1' } : {}) };
  await deps.docker(buildArgv(p, builder, uri, imageLabels(p, deps.env, deps.now())), buildEnv).catch(async (err: unknown) => {
    const failed = new OrbError(`the build failed: ${(err as Error).message}`, 'see the build output above');
    // buildx pushes in the build, so ECR's refusal of an IMMUTABLE tag ends the build.
    throw builder === 'buildx' && p.push && port ? await pushFailure('build-and-push', repo, p.tags, port, failed) : failed;
  });
  const image = t.uris[0] ?? uri;
  if (builder === 'docker' && p.platforms.length === 1) checkPlatform(p.platforms[0] ?? '', await deps.dockerOutput(platformArgv(image)), image);
  for (const argv of pushArgvs(p, builder, uri)) {
    await deps.docker(argv).catch(async (err: unknown) => {
      const fallback = new OrbError(`docker push ${argv[1]} failed: ${(err as Error).message} (docker's reason is in the push output above)`,
        `when docker says unauthorized or denied, run aws-oidc/ecr-login for ${hostOf(uri)} before this step (with the same profile-name) and check the role may push to ${p.repo}; ` +
        'when it says 5xx (e.g. 503 Service Unavailable), the registry failed after docker\'s own retries: re-run the job');
      throw port ? await pushFailure('build-and-push', repo, p.tags, port, fallback) : fallback;
    });
  }
  if (!p.push) {
    log.info(`Built ${t.uris.join(', ')} (push: false)`);
    return { builder, digest: undefined, verdict: undefined };
  }
  const digest = await pushedDigest(p, deps, t);
  log.info(`Pushed ${t.uris.join(', ')} at ${digest}`);
  const verdict = port && digest ? await gatePushed(digest, repo, p.scanGate, port, log) : undefined;
  return { builder, digest, verdict };
}

/** The one digest all pushed tags point at, read back from ECR (not parsed from docker's output); refuses missing tags or several digests. */
async function pushedDigest(p: BuildAndPushParams, deps: BuildAndPushDeps, t: Target): Promise<string | undefined> {
  const tagged = await deps.tagDigests(t.keys, p.region, t.registryId, p.repo, p.tags);
  const missing = p.tags.filter((tag) => !tagged.has(tag));
  if (missing.length) throw new OrbError(`after the push, ECR has no image for tag(s) ${missing.join(', ')} in ${p.repo}`, 'see the push output above');
  const digests = new Set(tagged.values());
  if (digests.size !== 1) throw new OrbError(`after the push, the tags of ${p.repo} point at different digests: ${[...tagged].map(([tag, d]) => `${tag}=${d}`).join(', ')}`, 'another job pushed the same tags at the same time; use unique tags');
  return [...digests][0];
}

/** The variables exported for later steps: the repository URI, the image URIs and, with a digest, the digest and the pinned reference. */
export function exportsOf(uri: string, uris: readonly string[], digest: string | undefined): Record<string, string | null> {
  const exports: Record<string, string | null> = {
    AWS_ECR_REPOSITORY_URI: uri,
    AWS_ECR_IMAGE_URI: uris[0] ?? uri,
    AWS_ECR_IMAGE_URIS: uris.join(' '),
  };
  if (digest) {
    exports.AWS_ECR_IMAGE_DIGEST = digest;
    exports.AWS_ECR_IMAGE_REF = `${uri}@${digest}`;
  }
  return exports;
}
