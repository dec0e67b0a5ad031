// The generator: provider, principal, aud and sub conditions, per partition, branch and issuer.
import { describe, expect, it } from 'vitest';
import { subPattern, trustPolicy, type TrustPolicyInput } from '../../../../src/commands/trust-policy/generate.ts';

const ORG = 'b9c3e0a2-4f1d-4c4e-9a57-0c3f5e2d1a10';
const PROJ = '5d2a7c1e-8b3f-4e6a-9c0d-7f1e2b3a4c5d';
const HOST = `oidc.circleci.com/org/${ORG}`;
const BASE: TrustPolicyInput = { orgId: ORG, projectId: PROJ, partition: 'aws', issuerUrl: `https://${HOST}`, accountId: '123456789012' };
const ANY_USER = `org/${ORG}/project/${PROJ}/user/*`;

describe('trustPolicy', () => {
  const rows: [string, Partial<TrustPolicyInput>, string, string, string][] = [
    ['any branch', {}, `arn:aws:iam::123456789012:oidc-provider/${HOST}`, HOST, ANY_USER],
    ['main only', { ref: 'refs/heads/main' }, `arn:aws:iam::123456789012:oidc-provider/${HOST}`, HOST, `${ANY_USER}/vcs-origin/*/vcs-ref/refs/heads/main`],
    ['a tag ref', { ref: 'refs/tags/v1.2' }, `arn:aws:iam::123456789012:oidc-provider/${HOST}`, HOST, `${ANY_USER}/vcs-origin/*/vcs-ref/refs/tags/v1.2`],
    ['aws-cn', { partition: 'aws-cn' }, `arn:aws-cn:iam::123456789012:oidc-provider/${HOST}`, HOST, ANY_USER],
    ['aws-us-gov', { partition: 'aws-us-gov', accountId: '210987654321' }, `arn:aws-us-gov:iam::210987654321:oidc-provider/${HOST}`, HOST, ANY_USER],
    ['a local issuer', { issuerUrl: `http://127.0.0.1:4567/org/${ORG}` }, `arn:aws:iam::123456789012:oidc-provider/127.0.0.1:4567/org/${ORG}`, `127.0.0.1:4567/org/${ORG}`, ANY_USER],
  ];
  it.each(rows)('%s', (_name, patch, federated, host, sub) => {
    const { provider, policy } = trustPolicy({ ...BASE, ...patch });
    expect(provider).toEqual({ url: patch.issuerUrl ?? `https://${HOST}`, hostPath: host, clientIds: [ORG], arn: federated });
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Federated: federated },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${host}:aud`]: ORG }, StringLike: { [`${host}:sub`]: sub } },
      }],
    });
  });

  it('without an account the provider has no ARN and the principal says where the account goes', () => {
    const { accountId: _drop, ...noAccount } = BASE;
    const { provider, policy } = trustPolicy(noAccount);
    expect(provider.arn).toBeUndefined();
    expect(policy.Statement[0].Principal.Federated).toBe(`arn:aws:iam::ACCOUNT_ID:oidc-provider/${HOST}`);
  });

  it('the sub pattern has no wildcard where the project or the ref go', () => {
    expect(subPattern(ORG, PROJ, 'refs/heads/main').split('/').filter((p) => p === '*')).toHaveLength(2);
    expect(subPattern(ORG, PROJ)).toBe(ANY_USER);
  });
});
