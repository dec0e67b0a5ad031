// What promote-image decides before it writes anything (which target tags to put, which are no-ops, which an
// IMMUTABLE repository refuses), and how it reports the refusals of ECR and of the registry API.
import { OrbError } from '../../lib/errors.ts';
import { RegistryError } from '../../lib/registry/client.ts';

/** The target tags split by what promote-image does with each: put it, leave it (already at the digest), or refuse (IMMUTABLE, elsewhere). */
export interface TagPlan { put: string[]; noop: string[]; conflicts: { tag: string; digest: string }[] }

/** True for ECR's immutable settings (IMMUTABLE, and IMMUTABLE_WITH_EXCLUSION, whose exclusions this does not read). */
export function isImmutable(mutability: string): boolean {
  return mutability.startsWith('IMMUTABLE');
}

/**
 * Splits `tags` by `have` (tag -> digest in the target): a tag at `digest` is a no-op; a tag elsewhere is a
 * conflict when the repository is immutable, else it is moved; a missing tag is put.
 */
export function planTags(tags: readonly string[], have: ReadonlyMap<string, string>, digest: string, immutable: boolean): TagPlan {
  const plan: TagPlan = { put: [], noop: [], conflicts: [] };
  for (const tag of tags) {
    const current = have.get(tag);
    if (current === digest) plan.noop.push(tag);
    else if (current !== undefined && immutable) plan.conflicts.push({ tag, digest: current });
    else plan.put.push(tag);
  }
  return plan;
}

/** The refusal of an IMMUTABLE repository whose tag points at another digest, with both digests and the fixes. */
export function immutableTagError(step: 'promote-image' | 'build-and-push' | 'push-image', repo: string, conflicts: readonly { tag: string; digest: string }[], digest: string | undefined): OrbError {
  const which = conflicts.map((c) => `${c.tag} (at ${c.digest})`).join(', ');
  const fix = step === 'build-and-push'
    ? 'use a new tag (e.g. ${CIRCLE_SHA1}), or set skip-when-tags-exist: true to reuse the image those tags name'
    : 'use a new tag (e.g. ${CIRCLE_SHA1}), or promote the image those tags already name';
  return new OrbError(`the repository ${repo} is IMMUTABLE and already has tag(s) ${which}${digest ? `, not ${digest}` : ''}: ECR refuses to move a tag there`, fix);
}

/**
 * A registry API failure as promote-image reports it: a refused login names the side and its identity,
 * TAG_INVALID (ECR's refusal to move a tag in an IMMUTABLE repository) names the fix; others keep the
 * registry's code and text. Anything that is not a RegistryError passes through.
 */
export function explainRegistryError(err: unknown, side: { what: string; identity: string }): unknown {
  if (!(err instanceof RegistryError)) return err;
  if (err.status === 401 || err.code === 'UNAUTHORIZED' || err.code === 'DENIED' || err.status === 403) {
    return new OrbError(`the registry refused ${side.identity} for the ${side.what}: ${err.message}`,
      `let that identity pull (source) or push (target) in the repository's policy, or give the ${side.what}'s profile-name the identity that owns it`);
  }
  if (err.code === 'TAG_INVALID') {
    return new OrbError(`${err.message}`, 'the target repository is IMMUTABLE: use a new tag, or promote the image the tag already names');
  }
  if (err.code === 'NAME_UNKNOWN') {
    return new OrbError(`the ${side.what} repository does not exist: ${err.message}`, 'create it first (build-and-push with create-repo: true, or your infrastructure code)');
  }
  return new OrbError(`copying through the registry API failed: ${err.message}`, err.status >= 500 ? 're-run the job; the registry failed after the retries' : 'run the step again with ORB_DEBUG=1 for details');
}
