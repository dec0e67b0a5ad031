// The IAM OIDC provider and the least-privilege role trust policy for CircleCI jobs of one project. Pure.
// https://circleci.com/docs/openid-connect-tokens/#setting-up-aws
import type { Partition, TrustPolicyParams } from './params.ts';

/** The IAM OIDC identity provider to create (one per account and CircleCI organization). */
export interface OidcProviderSpec {
  /** The issuer URL, as in the token's iss. */
  url: string;
  /** IAM's name for it and the prefix of its condition keys: the URL without the scheme. */
  hostPath: string;
  /** Audiences (IAM "client IDs"): CircleCI's aud is the organization id. */
  clientIds: string[];
  /** The provider ARN, when the account is known. */
  arn?: string;
}

/** An IAM trust policy document with one statement. */
export interface TrustPolicyDocument {
  Version: '2012-10-17';
  Statement: [{
    Effect: 'Allow';
    Principal: { Federated: string };
    Action: 'sts:AssumeRoleWithWebIdentity';
    Condition: { StringEquals: Record<string, string>; StringLike: Record<string, string> };
  }];
}

/** What the generator needs: the params without the output choices. */
export type TrustPolicyInput = Pick<TrustPolicyParams, 'orgId' | 'projectId' | 'partition' | 'issuerUrl'> & { ref?: string; accountId?: string };

/** The account id placeholder in the provider ARN when no account is given; renderers replace the ARN by a reference. */
export const ACCOUNT_PLACEHOLDER = 'ACCOUNT_ID';

/** The provider ARN in `partition` and `account`. */
export function providerArn(partition: Partition, account: string, hostPath: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${hostPath}`;
}

/**
 * The sub pattern: any user of the project, or with a ref, the V2 token's form that pins it.
 * `user/*` and `vcs-origin/*` stay wildcards: the user varies per job, and the ref is what we restrict.
 */
export function subPattern(orgId: string, projectId: string, ref?: string): string {
  const base = `org/${orgId}/project/${projectId}/user/*`;
  return ref === undefined ? base : `${base}/vcs-origin/*/vcs-ref/${ref}`;
}

/** Generates the provider and the trust policy; pure and deterministic. */
export function trustPolicy(params: TrustPolicyInput): { provider: OidcProviderSpec; policy: TrustPolicyDocument } {
  const hostPath = params.issuerUrl.replace(/^https?:\/\//, '');
  const provider: OidcProviderSpec = { url: params.issuerUrl, hostPath, clientIds: [params.orgId] };
  if (params.accountId !== undefined) provider.arn = providerArn(params.partition, params.accountId, hostPath);
  const policy: TrustPolicyDocument = {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Federated: provider.arn ?? providerArn(params.partition, ACCOUNT_PLACEHOLDER, hostPath) },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        // aud pinned to the org, sub to the project (and ref): without both, any CircleCI org's token could assume it.
        StringEquals: { [`${hostPath}:aud`]: params.orgId },
        StringLike: { [`${hostPath}:sub`]: subPattern(params.orgId, params.projectId, params.ref) },
      },
    }],
  };
  return { provider, policy };
}
