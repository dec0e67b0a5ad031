// build-and-push: find (or create) the ECR repository, skip when every tag is there already, build
// with buildx or the classic builder, push, then read the pushed manifest's digest back from ECR.
import { OrbError } from '../../lib/errors.ts';
import type { Log } from '../../lib/log.ts';
import type { Env } from '../../lib/params.ts';
import type { ResolvedKeys } from '../../lib/aws/credentials.ts';
import type { EcrCalls } from '../../lib/aws/ecr-calls.ts';
import type { AwsKeys } from '../../lib/aws/clients.ts';
import { buildArgv, chooseBuilder, imageLabels, pushArgvs } from './argv.ts';
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
  writeExports(entries: Record<string, string | null>): void;
  writeResult(name: string, result: object): void;
  /** Policies, scans and image reads of one repository; needed only for repository policies and the scan gate. */
  repository?(keys: AwsKeys, region: string, registryId: string, name: string): RepositoryPort;
}

/** The registry host and account of a repository URI: <account>.dkr.ecr.<region>.<suffix>/<name>. */
const hostOf = (uri: string) => uri.slice(0, uri.indexOf('/'));

export async function run(p: BuildAndPushParams, deps: BuildAndPushDeps): Promise<void> {
  const { log } = deps;
  const keys = await deps.resolveKeys(p.profileName);
  log.secret(keys.secretAccessKey, keys.sessionToken, keys.accessKeyId);
  const registryId = p.accountId || (await deps.callerIdentity(keys, p.region)).account;

  let repo = await deps.describeRepository(keys, p.region, registryId, p.repo);
  const port = deps.repository?.(keys, p.region, registryId, p.repo);
  const created = !repo;
  if (!repo) {
    if (!p.createRepo) {
      throw new OrbError(`the ECR repository ${p.repo} does not exist in registry ${registryId} (${p.region})`,
        'set create-repo: true, or create it (aws ecr create-repository --repository-name ' + p.repo + ')');
    }
    repo = await deps.createRepository(keys, p.region, registryId, p.repo, {
      scanOnPush: p.repoScanOnPush, tagMutability: p.repoTagMutability, encryptionType: p.repoEncryptionType, kmsKey: p.repoKmsKey,
    });
    log.info(`Created the ECR repository ${repo.repositoryUri} (scan on push: ${repo.scanOnPush}, tags: ${repo.imageTagMutability}, encryption: ${repo.encryptionType})`);
  }
  if (port) await repositoryPolicies(p.policies, port, created, log);
  const uri = repo.repositoryUri;
  const uris = p.tags.map((t) => `${uri}:${t}`);

  let digest: string | undefined;
  let skipped = false;
  if (p.skipWhenTagsExist) {
    const have = await deps.tagDigests(keys, p.region, registryId, p.repo, p.tags);
    const digests = new Set(p.tags.map((t) => have.get(t)));
    if (have.size === p.tags.length && digests.size === 1) {
      digest = [...digests][0];
      skipped = true;
      log.info(`Every tag (${p.tags.join(', ')}) is already in ${uri} at ${digest}: no build, no push (skip-when-tags-exist)`);
    } else if (have.size > 0) {
      log.info(`Some tags exist (${[...have.keys()].join(', ')}), not all at one digest: building`);
    }
  }

  let builder: 'buildx' | 'docker' | undefined;
  let verdict: ScanVerdict | undefined;
  if (!skipped) {
    builder = chooseBuilder(p, await deps.hasBuildx());
    log.info(`Builder: ${builder === 'buildx' ? 'docker buildx build' : 'classic docker build'}${p.builder === 'auto' ? ` (auto: buildx ${builder === 'buildx' ? 'found' : 'not found'})` : ''}`);
    const buildEnv = Object.fromEntries(p.buildArgs);
    await deps.docker(buildArgv(p, builder, uri, imageLabels(p, deps.env, deps.now())), buildEnv).catch(async (err: unknown) => {
      const failed = new OrbError(`the build failed: ${(err as Error).message}`, 'see the build output above');
      // buildx pushes in the build, so ECR's refusal of an IMMUTABLE tag ends the build.
      throw builder === 'buildx' && p.push && port && repo ? await pushFailure('build-and-push', repo, p.tags, port, failed) : failed;
    });
    for (const argv of pushArgvs(p, builder, uri)) {
      await deps.docker(argv).catch(async (err: unknown) => {
        const fallback = new OrbError(`docker push ${argv[1]} failed: ${(err as Error).message} (docker's reason is in the push output above)`,
          `when docker says unauthorized or denied, run aws-oidc/ecr-login for ${hostOf(uri)} before this step (with the same profile-name) and check the role may push to ${p.repo}; ` +
          'when it says 5xx (e.g. 503 Service Unavailable), the registry failed after docker\'s own retries: re-run the job');
        throw port && repo ? await pushFailure('build-and-push', repo, p.tags, port, fallback) : fallback;
      });
    }
    if (p.push) {
      // The digest is read back from ECR, not parsed from docker's progress output.
      const have = await deps.tagDigests(keys, p.region, registryId, p.repo, p.tags);
      const missing = p.tags.filter((t) => !have.has(t));
      if (missing.length) throw new OrbError(`after the push, ECR has no image for tag(s) ${missing.join(', ')} in ${p.repo}`, 'see the push output above');
      const digests = new Set(have.values());
      if (digests.size !== 1) throw new OrbError(`after the push, the tags of ${p.repo} point at different digests: ${[...have].map(([t, d]) => `${t}=${d}`).join(', ')}`, 'another job pushed the same tags at the same time; use unique tags');
      digest = [...digests][0];
      log.info(`Pushed ${uris.join(', ')} at ${digest}`);
      if (port && digest) verdict = await gatePushed(digest, repo, p.scanGate, port, log);
    } else {
      log.info(`Built ${uris.join(', ')} (push: false)`);
    }
  }

  const exports: Record<string, string | null> = {
    AWS_ECR_REPOSITORY_URI: uri,
    AWS_ECR_IMAGE_URI: uris[0] ?? uri,
    AWS_ECR_IMAGE_URIS: uris.join(' '),
  };
  if (digest) {
    exports.AWS_ECR_IMAGE_DIGEST = digest;
    exports.AWS_ECR_IMAGE_REF = `${uri}@${digest}`;
  }
  deps.writeExports(exports);
  log.info(`Exported ${Object.keys(exports).join(', ')} to $BASH_ENV`);
  deps.writeResult(`build-and-push-${p.repo.replace(/\//g, '_')}`, {
    repository: p.repo, registryId, region: p.region, repositoryUri: uri, tags: p.tags, imageUris: uris, digest: digest ?? null,
    imageRef: digest ? `${uri}@${digest}` : null, builder: builder ?? null, skipped, pushed: p.push && !skipped, scan: verdict ?? null,
  });
}
