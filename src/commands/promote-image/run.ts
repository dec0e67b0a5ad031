// promote-image: give an image that is already in ECR more tags, in the same repository (PutImage with its
// manifest, no docker), or in another repository, region or account (its manifest and blobs copied through
// the registry API, each side with its own identity). The target digest is checked to be the source's.
import { OrbError } from '../../lib/errors.ts';
import type { Log } from '../../lib/log.ts';
import type { ResolvedKeys } from '../../lib/aws/credentials.ts';
import type { RepositoryInfo } from '../../lib/aws/ecr.ts';
import type { AwsKeys } from '../../lib/aws/clients.ts';
import type { EcrImage, EcrRepoRef, ImageRef } from '../../lib/aws/ecr-images.ts';
import type { RegistryClient } from '../../lib/registry/client.ts';
import { copyManifest, isList, type CopyStats } from '../../lib/registry/copy.ts';
import { explainRegistryError, immutableTagError, isImmutable, planTags } from './explain.ts';
import type { PromoteImageParams } from './params.ts';

/** What promote-image does to the world; the entry point wires the real ones (each AWS call retried and explained), tests fakes. */
export interface PromoteDeps {
  log: Log;
  resolveKeys(profile: string, region: string): Promise<ResolvedKeys>;
  callerIdentity(keys: AwsKeys, region: string): Promise<{ arn: string; account: string }>;
  describeRepository(at: EcrRepoRef): Promise<RepositoryInfo | undefined>;
  getImage(at: EcrRepoRef, id: ImageRef): Promise<EcrImage | undefined>;
  tagDigests(at: EcrRepoRef, tags: readonly string[]): Promise<Map<string, string>>;
  /** PutImage of `tag`; resolves 'exists' when ECR says the tag already points at this manifest. */
  putImage(at: EcrRepoRef, image: EcrImage, tag: string): Promise<string | 'exists'>;
  /** A registry API client for the registry `at.registryId` in `at.region`, logged in with `at.keys`. */
  registry(at: EcrRepoRef): Promise<RegistryClient>;
  /** Runs one idempotent piece again on passing failures (the project's retry policy). */
  retry<T>(what: string, call: () => Promise<T>): Promise<T>;
  writeExports(entries: Record<string, string | null>): void;
  writeResult(name: string, result: object): void;
}

/** The keys and registry id of one side; the identity's own account when none is given. */
async function sideRef(deps: PromoteDeps, side: { repo: string; accountId: string; region: string; profileName: string }): Promise<{ at: EcrRepoRef; who: string }> {
  const keys = await deps.resolveKeys(side.profileName, side.region);
  deps.log.secret(keys.secretAccessKey, keys.sessionToken, keys.accessKeyId);
  const registryId = side.accountId || (await deps.callerIdentity(keys, side.region)).account;
  return { at: { keys, region: side.region, registryId, repo: side.repo }, who: keys.source };
}

const name = (at: EcrRepoRef) => `${at.repo} in registry ${at.registryId} (${at.region})`;

/** Copies the image through the registry API and puts the top manifest under each tag of `tags`. */
async function copyAcross(deps: PromoteDeps, src: { at: EcrRepoRef; who: string }, dst: { at: EcrRepoRef; who: string }, digest: string, tags: readonly string[]): Promise<CopyStats> {
  const stats: CopyStats = { blobsCopied: 0, blobsSkipped: 0, bytesCopied: 0, manifests: 0 };
  const [from, to] = await Promise.all([deps.registry(src.at), deps.registry(dst.at)]);
  const srcSide = { what: 'source', identity: src.who };
  const dstSide = { what: 'target', identity: dst.who };
  let top;
  try {
    top = await copyManifest({ client: from, repo: src.at.repo }, { client: to, repo: dst.at.repo }, digest, { retry: deps.retry, log: (l) => deps.log.info(l) }, stats);
  } catch (err) {
    // A refused read is the source's; everything the copy writes is the target's.
    const e = err as { request?: string };
    throw explainRegistryError(err, e.request?.startsWith('GET') && e.request.includes(from.host) ? srcSide : dstSide);
  }
  for (const tag of tags) {
    await deps.retry(`PUT manifest ${tag}`, () => to.putManifest(dst.at.repo, tag, top)).catch((err: unknown) => { throw explainRegistryError(err, dstSide); });
  }
  return stats;
}

/**
 * Promotes `p.source` to `p.target`'s tags and exports the digest. Throws OrbError when the source image or the
 * target repository is missing, an IMMUTABLE tag points elsewhere (before any write), a call is refused, or
 * the target's digest after the copy is not the source's.
 */
export async function promote(p: PromoteImageParams, deps: PromoteDeps): Promise<void> {
  const { log } = deps;
  const src = await sideRef(deps, p.source);
  const dst = await sideRef(deps, p.target);
  const srcName = `${p.source.repo}${p.source.digest ? `@${p.source.digest}` : `:${p.source.tag}`}`;
  const image = await deps.getImage(src.at, p.source.digest ? { imageDigest: p.source.digest } : { imageTag: p.source.tag });
  if (!image) {
    throw new OrbError(`the source image ${srcName} is not in registry ${src.at.registryId} (${src.at.region})`,
      'check source-repo, source-tag/source-digest, source-account-id and source-region; the image must have been pushed before');
  }
  const repo = await deps.describeRepository(dst.at);
  if (!repo) {
    throw new OrbError(`the target repository ${name(dst.at)} does not exist`, 'create it first (build-and-push with create-repo: true, or your infrastructure code)');
  }
  const have = await deps.tagDigests(dst.at, p.target.tags);
  const plan = planTags(p.target.tags, have, image.digest, isImmutable(repo.imageTagMutability));
  if (plan.conflicts.length > 0) throw immutableTagError('promote-image', name(dst.at), plan.conflicts, image.digest);
  if (plan.noop.length > 0) log.info(`Already at ${image.digest} in ${repo.repositoryUri}: ${plan.noop.join(', ')} (nothing to do for them)`);
  const same = src.at.registryId === dst.at.registryId && src.at.region === dst.at.region && src.at.repo === dst.at.repo;
  const kind = isList(image.mediaType) ? 'multi-architecture list' : 'image';
  let stats: CopyStats | undefined;
  if (plan.put.length > 0 && same) {
    log.info(`Tagging ${kind} ${srcName} (${image.digest}) as ${plan.put.join(', ')} in ${repo.repositoryUri} through ECR (PutImage)`);
    for (const tag of plan.put) {
      const put = await deps.putImage(dst.at, image, tag);
      if (put === 'exists') log.info(`  ${tag} already pointed at ${image.digest}`);
    }
  } else if (plan.put.length > 0) {
    log.info(`Copying ${kind} ${srcName} (${image.digest}) from ${name(src.at)} as ${src.who} to ${name(dst.at)} as ${dst.who}`);
    stats = await copyAcross(deps, src, dst, image.digest, plan.put);
    log.info(`  ${stats.blobsCopied} blob(s) copied (${stats.bytesCopied} bytes), ${stats.blobsSkipped} already there, ${stats.manifests} child manifest(s)`);
  }
  // The target's digest is read back from ECR and must be the source's.
  const after = await deps.tagDigests(dst.at, p.target.tags);
  const wrong = p.target.tags.filter((t) => after.get(t) !== image.digest);
  if (wrong.length > 0) {
    throw new OrbError(`after the promotion, ${wrong.map((t) => `${t} -> ${after.get(t) ?? 'nothing'}`).join(', ')} in ${name(dst.at)}, not the source digest ${image.digest}`,
      'another job moved the same tags at the same time; use unique tags');
  }
  const uris = p.target.tags.map((t) => `${repo.repositoryUri}:${t}`);
  const ref = `${repo.repositoryUri}@${image.digest}`;
  deps.writeExports({ AWS_ECR_REPOSITORY_URI: repo.repositoryUri, AWS_ECR_IMAGE_URI: uris[0] ?? repo.repositoryUri, AWS_ECR_IMAGE_URIS: uris.join(' '), AWS_ECR_IMAGE_DIGEST: image.digest, AWS_ECR_IMAGE_REF: ref });
  log.info(`Promoted ${srcName} to ${uris.join(', ')} at ${image.digest}; exported AWS_ECR_IMAGE_DIGEST, AWS_ECR_IMAGE_REF, AWS_ECR_IMAGE_URI, AWS_ECR_IMAGE_URIS, AWS_ECR_REPOSITORY_URI`);
  deps.writeResult(`promote-image-${p.target.repo.replace(/\//g, '_')}`, {
    source: { repository: p.source.repo, registryId: src.at.registryId, region: src.at.region, tag: p.source.tag || null, digest: image.digest },
    target: { repository: p.target.repo, registryId: dst.at.registryId, region: dst.at.region, repositoryUri: repo.repositoryUri, tags: p.target.tags, imageUris: uris },
    digest: image.digest, imageRef: ref, mediaType: image.mediaType, method: plan.put.length === 0 ? 'none' : same ? 'put-image' : 'registry-copy',
    tagsPut: plan.put, tagsUnchanged: plan.noop, ...(stats ? { blobsCopied: stats.blobsCopied, blobsSkipped: stats.blobsSkipped, bytesCopied: stats.bytesCopied } : {}),
  });
}
