// CircleCI's OIDC claim shapes, V1 ($CIRCLE_OIDC_TOKEN) and V2 ($CIRCLE_OIDC_TOKEN_V2).
// https://circleci.com/docs/guides/permissions-authentication/openid-connect-tokens/

/** Who runs the job and where: what CircleCI knows when it mints a job's token. */
export interface JobIdentity {
  orgId: string;
  projectId: string;
  userId: string;
  vcsOrigin: string; // e.g. 'github.com/acme/webapp'
  vcsRef: string; // e.g. 'refs/heads/main'
  contextIds?: string[];
}

/** The JWT payload CircleCI signs (minus the registered timing claims, added by the issuer). */
export type CircleClaims = Record<string, string | string[] | boolean | number>;

/** The `sub` claim: V1 names org/project/user; V2 appends the VCS origin and ref. */
export function subject(job: JobIdentity, version: 1 | 2): string {
  const base = `org/${job.orgId}/project/${job.projectId}/user/${job.userId}`;
  return version === 1 ? base : `${base}/vcs-origin/${job.vcsOrigin}/vcs-ref/${job.vcsRef}`;
}

/**
 * The claims of a job's token. CircleCI documents the same additional claims for both token variables
 * (only `sub` differs); `org-id` is undocumented but present in tokens CircleCI issues today.
 */
export function circleClaims(job: JobIdentity, version: 1 | 2, audience: string): CircleClaims {
  return {
    sub: subject(job, version),
    aud: audience,
    'oidc.circleci.com/org-id': job.orgId,
    'oidc.circleci.com/project-id': job.projectId,
    'oidc.circleci.com/context-ids': [...(job.contextIds ?? [])],
    'oidc.circleci.com/vcs-origin': job.vcsOrigin,
    'oidc.circleci.com/vcs-ref': job.vcsRef,
    'oidc.circleci.com/ssh-rerun': false,
  };
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Checks untrusted input (the mint endpoint's JSON) is a JobIdentity; returns an error text or undefined. */
export function jobIdentityProblem(job: unknown): string | undefined {
  if (typeof job !== 'object' || job === null) return 'job must be an object';
  const j = job as Record<string, unknown>;
  for (const k of ['orgId', 'projectId', 'userId', 'vcsOrigin', 'vcsRef']) {
    if (!nonEmpty(j[k])) return `job.${k} must be a non-empty string`;
  }
  if (j.contextIds !== undefined && !(Array.isArray(j.contextIds) && j.contextIds.every(nonEmpty))) {
    return 'job.contextIds must be an array of non-empty strings';
  }
  return undefined;
}
