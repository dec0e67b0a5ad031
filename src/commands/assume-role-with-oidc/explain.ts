// Turns STS refusals of AssumeRoleWithWebIdentity into messages that say what to change.
import { OrbError } from '../../lib/errors.ts';
import type { AwsErrorInfo } from '../../lib/aws/errors.ts';
import type { TokenClaims } from '../../lib/oidc-token.ts';
import type { AssumeRoleParams } from './params.ts';
import { explainAccessDenied } from './access-denied.ts';

/** The claims worth showing (never the token): they are what the trust policy is matched against. */
export function describeClaims(c: TokenClaims): string {
  const aud = Array.isArray(c.aud) ? c.aud.join(',') : c.aud;
  return `token claims: iss=${c.iss ?? '?'} aud=${aud ?? '?'} sub=${c.sub ?? '?'}`;
}

/** The wrapped error for an STS refusal, with a hint for the common causes. */
export function explainRefusal(e: AwsErrorInfo, p: AssumeRoleParams, claims: TokenClaims, cause: unknown): OrbError {
  const head = `AssumeRoleWithWebIdentity for ${p.roleArn} failed: ${e.code}: ${e.message}`;
  const provider = (claims.iss ?? '').replace(/^https?:\/\//, '');
  const claimText = describeClaims(claims);
  switch (e.code) {
    case 'AccessDenied':
      return explainAccessDenied(head, claimText, p, claims, cause);
    case 'ExpiredTokenException':
      return new OrbError(`${head}\n  ${claimText} exp=${claims.exp ?? '?'}`,
        'the OIDC token expired (CircleCI tokens last one hour from the job start); use token-source: mint to get a fresh one', { cause });
    case 'InvalidIdentityToken':
      return new OrbError(`${head}\n  ${claimText}`, /audience/i.test(e.message)
        ? `the token's aud must be an audience of the IAM OIDC provider ${provider}: add it to the provider, or leave audience empty (CircleCI's default is the org id)`
        : `register the IAM OIDC provider https://${provider} in the role's account, with your CircleCI org id as its audience`, { cause });
    case 'IDPCommunicationError':
      return new OrbError(head, `AWS could not fetch the signing keys of ${claims.iss ?? 'the issuer'}; this is usually passing: re-run the job`, { cause });
    case 'ValidationError':
      return new OrbError(head,
        /DurationSeconds/i.test(e.message)
          ? `lower session-duration (now ${p.durationSeconds}) or raise the role's MaxSessionDuration`
          : 'check role-arn, role-session-name and session-duration', { cause });
    default:
      return new OrbError(head, 'see the AWS error above; set ORB_DEBUG=1 for details', { cause });
  }
}

/** The wrapped error for a refused role-chain hop. */
export function explainChainRefusal(e: AwsErrorInfo, from: string, to: string, sent: { externalId: boolean; tags: boolean; sourceIdentity: boolean }, cause: unknown): OrbError {
  const head = `AssumeRole from ${from} to ${to} (role-chain) failed: ${e.code}: ${e.message}`;
  if (e.code === 'AccessDenied') {
    const actions = ['sts:AssumeRole', ...(sent.tags ? ['sts:TagSession'] : []), ...(sent.sourceIdentity ? ['sts:SetSourceIdentity'] : [])];
    return new OrbError(head,
      `the trust policy of ${to} must allow Principal {"AWS": "${from}"} the actions ${actions.join(', ')}` +
      (sent.externalId ? ' with a Condition {"StringEquals": {"sts:ExternalId": ...}} equal to the external-id given' : '') +
      (sent.tags ? ' (or set circleci-session-tags: false and no session-tags)' : '') +
      `, and ${from} needs permission for sts:AssumeRole on ${to}`, { cause });
  }
  return new OrbError(head, 'check the role-chain line for this role; set ORB_DEBUG=1 for details', { cause });
}
