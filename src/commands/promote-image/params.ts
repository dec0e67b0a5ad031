// The promote-image parameters, typed and checked before anything is called: the source image (repository,
// tag or digest, registry, region, identity) and the target (repository, tags, registry, region, identity).
import { ParamError } from '../../lib/errors.ts';
import { checkedRegion, expandVars, kindParam, rawParam, profileNameParam, regionParam, registryAccountParam, retryParams, stringParam, type Env, type ParamSource } from '../../lib/params.ts';
import type { RetryPolicy } from '../../lib/retry.ts';
import { isKind, KINDS } from '../../lib/grammar.ts';

/** One side of a promotion: where the repository is and who reads or writes it. */
export interface PromoteSide {
  repo: string;
  /** 12 digits, or '' for the identity's own account. */
  accountId: string;
  region: string;
  /** A profile assume-role-with-oidc wrote, or '' for the environment's keys. */
  profileName: string;
}

/** promote-image's parameters: the source (tag or digest) and the target (tags), each with its registry, region and identity. */
export interface PromoteImageParams {
  source: PromoteSide & { tag: string; digest: string };
  target: PromoteSide & { tags: string[] };
  retry: RetryPolicy;
}

/** A repository name parameter; `fallback` when empty (the target defaults to the source's name). */
function repoParam(raw: ParamSource, env: Env, param: string, fallback = ''): string {
  const repo = stringParam(raw, env, param) || fallback;
  if (!repo) throw new ParamError(param, repo, 'is required', 'name the ECR repository, e.g. webapp or team/api');
  if (!isKind('repository', repo)) throw new ParamError(param, repo, `is not ${KINDS.repository.what}`, 'use a name such as webapp or team/api');
  return repo;
}

/** Reads a profile's region from the AWS config file (undefined when it has none). */
export type ProfileRegion = (profile: string) => string | undefined;

/** A side's region: its parameter, else its profile's region, else `fallback` (regionParam's order for the target). */
function sideRegion(raw: ParamSource, env: Env, param: string, profileName: string, profileRegion: ProfileRegion, fallback: () => string): string {
  if (stringParam(raw, env, param)) return regionParam(raw, env, param);
  const fromProfile = profileName ? profileRegion(profileName) : undefined;
  return fromProfile ? checkedRegion(param, fromProfile, env) : fallback();
}

/** The source side's identity parameters, checked like their target counterparts. */
function sourceIdentity(raw: ParamSource, env: Env, targetRegion: string, profileRegion: ProfileRegion): Omit<PromoteSide, 'repo'> {
  const accountId = kindParam(raw, env, 'source-account-id', 'accountId', 'give the source registry\'s account id, or leave it empty for the source identity\'s own account');
  const profileName = kindParam(raw, env, 'source-profile-name', 'profileName', 'use the profile-name you gave assume-role-with-oidc for the source account');
  const region = sideRegion(raw, env, 'source-region', profileName, profileRegion, () => targetRegion);
  return { accountId, region, profileName };
}

/**
 * Reads the parameters; every refusal names the parameter, the value and the fix. An empty region is the
 * profile's region (profile-name), else AWS_REGION, else AWS_DEFAULT_REGION; an empty source-region the
 * source profile's region, else the target's.
 */
export function parseParams(raw: ParamSource, env: Env, profileRegion: ProfileRegion = () => undefined): PromoteImageParams {
  const sourceRepo = repoParam(raw, env, 'source-repo');
  const tag = stringParam(raw, env, 'source-tag');
  const digest = stringParam(raw, env, 'source-digest');
  if (tag && digest) {
    throw new ParamError('source-digest', digest, 'is given together with source-tag, which names the image another way', 'give source-digest (the exact image) or source-tag, not both');
  }
  if (!tag && !digest) throw new ParamError('source-tag', '', 'is required when source-digest is empty', 'name the image to promote, e.g. source-tag: ${CIRCLE_SHA1} or source-digest: ${AWS_ECR_IMAGE_DIGEST}');
  if (tag && !isKind('tag', tag)) throw new ParamError('source-tag', tag, `is not ${KINDS.tag.what}`, 'use a tag such as v1.2.3 or ${CIRCLE_SHA1}');
  if (digest && !isKind('digest', digest)) throw new ParamError('source-digest', digest, `is not ${KINDS.digest.what}`, 'give the digest build-and-push exported, e.g. ${AWS_ECR_IMAGE_DIGEST}');
  const tagText = rawParam(raw, 'tag');
  const tags = tagText.split(/[\s,]+/).filter(Boolean).map((t) => expandVars('tag', t, env));
  if (tags.length === 0) throw new ParamError('tag', tagText, 'names no tag', 'give the target tag(s), e.g. production or ${CIRCLE_SHA1}');
  for (const t of tags) {
    if (!isKind('tag', t)) throw new ParamError('tag', t, `is not ${KINDS.tag.what}`, 'use tags such as production, v1.2.3 or ${CIRCLE_SHA1}');
  }
  if (new Set(tags).size !== tags.length) throw new ParamError('tag', tagText, 'names a tag twice', 'list each tag once');
  const profileName = profileNameParam(raw, env);
  const region = sideRegion(raw, env, 'region', profileName, profileRegion, () => regionParam(raw, env));
  return {
    source: { repo: sourceRepo, tag, digest, ...sourceIdentity(raw, env, region, profileRegion) },
    target: { repo: repoParam(raw, env, 'repo', sourceRepo), tags, accountId: registryAccountParam(raw, env), region, profileName },
    retry: retryParams(raw, env),
  };
}
