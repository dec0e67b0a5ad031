import { describe, expect, it } from 'vitest';
import { explainRefusal } from '../../../../src/commands/assume-role-with-oidc/explain.ts';
import { parseParams } from '../../../../src/commands/assume-role-with-oidc/params.ts';
import type { TokenClaims } from '../../../../src/lib/oidc-token.ts';
import { orbParams } from '../../../support/params.ts';

const ORG = '0f3e1c2a-1111-4222-8333-944455556666';
const PROJECT = '7a6b5c4d-1111-4222-8333-944455556666';
const USER = 'c0ffee00-1111-4222-8333-944455556666';
const ROLE = 'arn:aws:iam::222222222222:role/deploy';
const denied = { code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' } as Parameters<typeof explainRefusal>[0];
const params = (more: Record<string, string> = {}) => parseParams(orbParams({ 'role-arn': ROLE, region: 'eu-west-1', ...more }), {});
const explain = (claims: TokenClaims, more: Record<string, string> = {}) => explainRefusal(denied, params(more), claims, undefined);

describe('AccessDenied explanations at their edges', () => {
  it.each([
    ['a sub that only contains a CircleCI one', `system:serviceaccount:org/${ORG}/project/${PROJECT}/user/${USER}`],
    ['a CircleCI-like sub with more after the user', `org/${ORG}/project/${PROJECT}/user/${USER}/other`],
  ])('does not read a job\'s org and project from %s', (_name, sub) => {
    const err = explain({ iss: 'https://issuer.example', aud: 'sts.amazonaws.com', sub });
    expect(err.message).not.toContain('this job presents');
    expect(err.hint).toContain(`"issuer.example:sub": "a pattern that covers ${sub}"}}.`);
  });

  it('says only the claims and the three causes for another issuer\'s token', () => {
    const err = explain({ iss: 'https://token.actions.githubusercontent.com', aud: 'sts.amazonaws.com', sub: 'repo:acme/webapp:ref:refs/heads/main' });
    expect(err.message.split('\n').slice(1, 3)).toEqual([
      '  token claims: iss=https://token.actions.githubusercontent.com aud=sts.amazonaws.com sub=repo:acme/webapp:ref:refs/heads/main',
      '  AWS answers AccessDenied alike for three causes:',
    ]);
  });

  it('names the provider without its scheme for an http issuer too', () => {
    const err = explain({ iss: 'http://127.0.0.1:8080/oidc', aud: 'sts.amazonaws.com', sub: 'x' });
    expect(err.message).toContain('3. account 222222222222 has no IAM OIDC provider for 127.0.0.1:8080/oidc, or sts.amazonaws.com is not among its audiences');
    expect(err.hint).toContain('Principal {"Federated": "arn:aws:iam::222222222222:oidc-provider/127.0.0.1:8080/oidc"}');
  });

  it('shows ? for claims the token lacks', () => {
    const err = explain({});
    expect(err.message).toContain('3. account 222222222222 has no IAM OIDC provider for ?, or ? is not among its audiences');
    expect(err.hint).toContain('"StringLike": {"?:sub": "a pattern that covers ?"}}.');
  });

  it('for a V1 token, offers a branch pattern and the trust-policy command without naming a ref', () => {
    const hint = explain({ iss: `https://oidc.circleci.com/org/${ORG}`, aud: ORG, sub: `org/${ORG}/project/${PROJECT}/user/${USER}` }).hint ?? '';
    expect(hint).toContain(`or a pattern such as refs/heads/release/*; \`aws-oidc trust-policy --org-id ${ORG} --project-id ${PROJECT} --account-id 222222222222 [--branch <branch>]\``);
  });

  it('with token-source mint and no audience, prints the token with a plain circleci run oidc get', () => {
    const hint = explain({ iss: 'https://issuer.example', aud: 'x', sub: 'y' }, { 'token-source': 'mint' }).hint ?? '';
    expect(hint).toContain('then `circleci run oidc get | aws-oidc doctor --token-file - --policy-file role.json`');
  });
});
