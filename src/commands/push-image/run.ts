// push-image: push tags that build-and-push (push: false) left in the local engine, later in the job (after
// the tests), then read the digest back from ECR, export it as build-and-push does, and gate on the scan.
import { OrbError, ParamError } from '../../lib/errors.ts';
import type { Log } from '../../lib/log.ts';
import { expandVars, rawParam, profileNameParam, regionParam, registryAccountParam, retryParams, stringParam, type Env, type ParamSource } from '../../lib/params.ts';
import type { RetryPolicy } from '../../lib/retry.ts';
import type { ResolvedKeys } from '../../lib/aws/credentials.ts';
import type { RepositoryInfo } from '../../lib/aws/ecr.ts';
import type { AwsKeys } from '../../lib/aws/clients.ts';
import { isKind } from '../../lib/grammar.ts';
import { gatePushed, pushFailure, type RepositoryPort } from '../ecr-images/after-push.ts';
import { parseScanGate, type ScanGateParams } from '../ecr-images/scan-gate.ts';

/** push-image's parameters: the repository and tags build-and-push built, the registry, the identity, retries, the scan gate. */
export interface PushImageParams { repo: string; tags: string[]; accountId: string; region: string; profileName: string; retry: RetryPolicy; scanGate: ScanGateParams }

/** Reads the parameters; every refusal names the parameter, the value and the fix. */
export function parseParams(raw: ParamSource, env: Env): PushImageParams {
  const repo = stringParam(raw, env, 'repo');
  if (repo.length < 2 || repo.length > 256 || !isKind('repository', repo)) {
    throw new ParamError('repo', repo, repo ? 'is not an ECR repository name' : 'is required', 'give the repo build-and-push built, e.g. webapp or team/api');
  }
  const text = rawParam(raw, 'tag') || '${CIRCLE_SHA1}';
  const tags = text.split(/[\s,]+/).filter(Boolean).map((t) => expandVars('tag', t, env));
  for (const t of tags) if (!isKind('tag', t)) throw new ParamError('tag', t, 'is not a docker tag', 'give the tag(s) build-and-push built, e.g. ${CIRCLE_SHA1}');
  if (tags.length === 0 || new Set(tags).size !== tags.length) throw new ParamError('tag', text, 'names no tag, or one twice', 'list each tag once');
  return { repo, tags, accountId: registryAccountParam(raw, env), region: regionParam(raw, env), profileName: profileNameParam(raw, env), retry: retryParams(raw, env), scanGate: parseScanGate(raw, env) };
}

/** What push-image does to the world; the entry point wires the real ones, tests fakes. */
export interface PushImageDeps {
  log: Log;
  resolveKeys(profile: string): Promise<ResolvedKeys>;
  callerIdentity(keys: AwsKeys, region: string): Promise<{ arn: string; account: string }>;
  describeRepository(keys: AwsKeys, region: string, registryId: string, name: string): Promise<RepositoryInfo | undefined>;
  repository(keys: AwsKeys, region: string, registryId: string, name: string): RepositoryPort;
  /** True when the local engine has the image `ref`. */
  hasLocalImage(ref: string): Promise<boolean>;
  /** Runs docker with `argv`, output to the step's log; rejects on a non-zero exit. */
  docker(argv: string[]): Promise<void>;
  writeExports(entries: Record<string, string | null>): void;
  writeResult(name: string, result: object): void;
}

/**
 * Pushes the local tags, reads their digest back from ECR (one digest for all, else OrbError), runs the scan
 * gate and exports. Throws OrbError when the repository or a local image is missing, or a push is refused.
 */
export async function pushImage(p: PushImageParams, deps: PushImageDeps): Promise<void> {
  const { log } = deps;
  const keys = await deps.resolveKeys(p.profileName);
  log.secret(keys.secretAccessKey, keys.sessionToken, keys.accessKeyId);
  const registryId = p.accountId || (await deps.callerIdentity(keys, p.region)).account;
  const repo = await deps.describeRepository(keys, p.region, registryId, p.repo);
  if (!repo) throw new OrbError(`the ECR repository ${p.repo} does not exist in registry ${registryId} (${p.region})`, 'run build-and-push with push: false and create-repo: true for it earlier in the job');
  const port = deps.repository(keys, p.region, registryId, p.repo);
  const uris = p.tags.map((t) => `${repo.repositoryUri}:${t}`);
  const missing: string[] = [];
  for (const u of uris) if (!(await deps.hasLocalImage(u))) missing.push(u);
  if (missing.length) {
    throw new OrbError(`the local docker engine has no image ${missing.join(', ')}`,
      'run build-and-push with push: false and the same repo, tag, account-id and region earlier in this job (several platforms cannot be kept locally: use one platform)');
  }
  for (const u of uris) {
    await deps.docker(['push', u]).catch(async (err: unknown) => {
      const fallback = new OrbError(`docker push ${u} failed: ${(err as Error).message} (docker's reason is in the push output above)`,
        `when docker says unauthorized or denied, run aws-oidc/ecr-login before this step (with the same profile-name); on a 5xx, re-run the job`);
      throw await pushFailure('push-image', repo, p.tags, port, fallback);
    });
  }
  const have = await port.tagDigests(p.tags);
  const digests = new Set(p.tags.map((t) => have.get(t)));
  const digest = [...digests][0];
  if (digests.size !== 1 || !digest) {
    throw new OrbError(`after the push, the tags of ${p.repo} do not point at one digest: ${p.tags.map((t) => `${t}=${have.get(t) ?? 'missing'}`).join(', ')}`, 'another job pushed the same tags at the same time; use unique tags');
  }
  log.info(`Pushed ${uris.join(', ')} at ${digest}`);
  const verdict = await gatePushed(digest, repo, p.scanGate, port, log);
  const ref = `${repo.repositoryUri}@${digest}`;
  deps.writeExports({ AWS_ECR_REPOSITORY_URI: repo.repositoryUri, AWS_ECR_IMAGE_URI: uris[0] ?? repo.repositoryUri, AWS_ECR_IMAGE_URIS: uris.join(' '), AWS_ECR_IMAGE_DIGEST: digest, AWS_ECR_IMAGE_REF: ref });
  log.info('Exported AWS_ECR_REPOSITORY_URI, AWS_ECR_IMAGE_URI, AWS_ECR_IMAGE_URIS, AWS_ECR_IMAGE_DIGEST, AWS_ECR_IMAGE_REF to $BASH_ENV');
  deps.writeResult(`push-image-${p.repo.replace(/\//g, '_')}`, {
    repository: p.repo, registryId, region: p.region, repositoryUri: repo.repositoryUri, tags: p.tags, imageUris: uris, digest, imageRef: ref, scan: verdict ?? null,
  });
}
