// AccessDenied from AssumeRoleWithWebIdentity, put into words: what this job's token presents, the three causes
// AWS answers alike, the trust condition that admits this job's project (never pinned to this user or this
// feature branch), and the commands that tell the causes apart. Pure.
import { OrbError } from '../../lib/errors.ts';
import type { TokenClaims } from '../../lib/oidc-token.ts';
import { subPattern } from '../trust-policy/generate.ts';
import type { AssumeRoleParams } from './params.ts';

/** What a CircleCI sub (org/<org>/project/<project>/user/<user>[/vcs-origin/<origin>/vcs-ref/<ref>]) says; undefined for another issuer's. */
function circleSub(sub: string): { org: string; project: string; ref?: string } | undefined {
  const m = /^org\/([^/]+)\/project\/([^/]+)\/user\/[^/]+(?:\/vcs-origin\/.+\/vcs-ref\/(.+))?$/.exec(sub);
  return m ? { org: m[1] as string, project: m[2] as string, ...(m[3] ? { ref: m[3] } : {}) } : undefined;
}

/** The command that prints the token the step used, for `aws-oidc doctor --token-file -`. */
function tokenCommand(p: AssumeRoleParams): string {
  if (p.tokenSource === 'mint') return `circleci run oidc get${p.audience ? ` --claims '${JSON.stringify({ aud: p.audience })}'` : ''}`;
  return `printenv ${p.tokenSource === 'v1' ? 'CIRCLE_OIDC_TOKEN' : 'CIRCLE_OIDC_TOKEN_V2'}`;
}

/**
 * The error for AccessDenied on AssumeRoleWithWebIdentity of `p.roleArn` with a token of `claims`. AWS gives the
 * same AccessDenied when the trust policy does not admit the token, when the role does not exist, and when the
 * account has no IAM OIDC provider for the issuer (or the token's aud is not one of its client IDs)
 * (docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html), and the step may not read the
 * policy (that needs iam:GetRole). So the message shows what this job presents (its claims, and for a CircleCI
 * token its org, project and ref), names the three causes with the account and role of the ARN, and the fix
 * proposes the project's condition (every branch) or a branch pattern, plus the commands that tell the causes apart.
 */
export function explainAccessDenied(head: string, claimText: string, p: AssumeRoleParams, claims: TokenClaims, cause: unknown): OrbError {
  const [, partition = 'aws', account = '?', name = '?'] = /^arn:([^:]+):iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(p.roleArn) ?? [];
  const provider = (claims.iss ?? '?').replace(/^https?:\/\//, '');
  const aud = String(claims.aud ?? '?');
  const sub = claims.sub ?? '?';
  const job = circleSub(sub);
  const presents = job
    ? `\n  this job presents: org ${job.org}, project ${job.project}, ${job.ref ? `ref ${job.ref}` : 'no ref (a V1 token: a role pinned to a branch needs token-source: v2)'}`
    : '';
  const message = `${head}\n  ${claimText}${presents}\n  AWS answers AccessDenied alike for three causes:` +
    `\n    1. the trust policy of ${p.roleArn} does not admit these claims` +
    `\n    2. the role ${name} does not exist in account ${account}` +
    `\n    3. account ${account} has no IAM OIDC provider for ${provider}, or ${aud} is not among its audiences (client IDs)`;
  const pattern = job ? subPattern(job.org, job.project) : `a pattern that covers ${sub}`;
  const branches = job
    ? `; for some branches only, end the sub pattern in /vcs-origin/*/vcs-ref/refs/heads/<branch> or a pattern such as refs/heads/release/*${job.ref ? ` (this job presents ${job.ref})` : ''}` +
      `; \`aws-oidc trust-policy --org-id ${job.org} --project-id ${job.project} --account-id ${account}` +
      // The CLI's issuer is CircleCI's for the org; another one (a server installation, a test issuer) is named.
      `${claims.iss && claims.iss !== `https://oidc.circleci.com/org/${job.org}` ? ` --issuer-url ${claims.iss}` : ''} [--branch <branch>]\` prints the policy and the provider`
    : '';
  const fix = `the role's trust policy must allow this token: Principal {"Federated": "arn:${partition}:iam::${account}:oidc-provider/${provider}"}, ` +
    `Condition {"StringEquals": {"${provider}:aud": "${aud}"}, "StringLike": {"${provider}:sub": "${pattern}"}}${job ? ' admits every branch of this project' : ''}${branches}.` +
    `\n  To tell the causes apart, as an identity of account ${account} that may read IAM: \`aws iam get-role --role-name ${name} > role.json\` (fails for cause 2), ` +
    `then \`${tokenCommand(p)} | aws-oidc doctor --token-file - --policy-file role.json\` (checks cause 1, condition by condition), and \`aws iam list-open-id-connect-providers\` (cause 3)`;
  return new OrbError(message, fix, { cause });
}
