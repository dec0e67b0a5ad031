// AccessDenied on AssumeRoleWithWebIdentity, as the step explains it: this job's org, project and ref; the three
// causes AWS answers alike, with the account and role of the ARN; a condition for the project or a branch pattern,
// never this user or this feature branch; and the commands (trust-policy, get-role, doctor) that tell them apart.
import { describe, expect, it } from 'vitest';
import { explainRefusal } from '../../../../src/commands/assume-role-with-oidc/explain.ts';
import { parseParams } from '../../../../src/commands/assume-role-with-oidc/params.ts';
import type { TokenClaims } from '../../../../src/lib/oidc-token.ts';
import { orbParams } from '../../../support/params.ts';

const ORG = '0f3e1c2a-1111-4222-8333-944455556666';
const PROJECT = '7a6b5c4d-1111-4222-8333-944455556666';
const USER = 'c0ffee00-1111-4222-8333-944455556666';
const ISS = `https://oidc.circleci.com/org/${ORG}`;
const HOST = `oidc.circleci.com/org/${ORG}`;
const ROLE = 'arn:aws:iam::222222222222:role/deploy/production-deploy';
const denied = { code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' } as Parameters<typeof explainRefusal>[0];
const params = (more: Record<string, string> = {}) => parseParams(orbParams({ 'role-arn': ROLE, region: 'eu-west-1', ...more }), {});
const claims = (sub: string): TokenClaims => ({ iss: ISS, aud: ORG, sub });
const V2 = `org/${ORG}/project/${PROJECT}/user/${USER}/vcs-origin/github.com/acme/webapp/vcs-ref/refs/heads/feature/login`;

describe('AccessDenied on AssumeRoleWithWebIdentity', () => {
  it('shows what this job presents and the three causes, with the account and role of the ARN', () => {
    const err = explainRefusal(denied, params(), claims(V2), undefined);
    expect(err.message.split('\n').slice(1)).toEqual([
      `  token claims: iss=${ISS} aud=${ORG} sub=${V2}`,
      `  this job presents: org ${ORG}, project ${PROJECT}, ref refs/heads/feature/login`,
      '  AWS answers AccessDenied alike for three causes:',
      `    1. the trust policy of ${ROLE} does not admit these claims`,
      '    2. the role production-deploy does not exist in account 222222222222',
      `    3. account 222222222222 has no IAM OIDC provider for ${HOST}, or ${ORG} is not among its audiences (client IDs)`,
    ]);
  });

  it('proposes the project\'s condition with the real account, or a branch pattern, never this user or this branch', () => {
    const hint = explainRefusal(denied, params(), claims(V2), undefined).hint ?? '';
    expect(hint).toContain(`Principal {"Federated": "arn:aws:iam::222222222222:oidc-provider/${HOST}"}`);
    expect(hint).toContain(`"StringLike": {"${HOST}:sub": "org/${ORG}/project/${PROJECT}/user/*"}} admits every branch of this project`);
    expect(hint).toContain('end the sub pattern in /vcs-origin/*/vcs-ref/refs/heads/<branch> or a pattern such as refs/heads/release/* (this job presents refs/heads/feature/login)');
    expect(hint).not.toContain('<account>');
    expect(hint).not.toContain(USER);
    expect(hint).not.toMatch(/"[^"]*vcs-ref\/refs\/heads\/feature\/login"/);
    expect(hint).toContain(`\`aws-oidc trust-policy --org-id ${ORG} --project-id ${PROJECT} --account-id 222222222222 [--branch <branch>]\``);
  });

  it('gives the commands that tell the causes apart, with the token the step used', () => {
    const hint = explainRefusal(denied, params(), claims(V2), undefined).hint ?? '';
    expect(hint.split('\n')[1]).toBe('  To tell the causes apart, as an identity of account 222222222222 that may read IAM: '
      + '`aws iam get-role --role-name production-deploy > role.json` (fails for cause 2), '
      + 'then `printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc doctor --token-file - --policy-file role.json` (checks cause 1, condition by condition), '
      + 'and `aws iam list-open-id-connect-providers` (cause 3)');
    expect(explainRefusal(denied, params({ 'token-source': 'v1' }), claims(V2), undefined).hint).toContain('`printenv CIRCLE_OIDC_TOKEN | aws-oidc doctor');
    expect(explainRefusal(denied, params({ 'token-source': 'mint', audience: 'sts.amazonaws.com' }), claims(V2), undefined).hint)
      .toContain('`circleci run oidc get --claims \'{"aud":"sts.amazonaws.com"}\' | aws-oidc doctor --token-file - --policy-file role.json`');
  });

  it('a V1 token has no ref: it says a branch pin needs V2; another issuer\'s sub gets no CircleCI pattern; other partitions keep theirs', () => {
    const v1 = explainRefusal(denied, params(), claims(`org/${ORG}/project/${PROJECT}/user/${USER}`), undefined);
    expect(v1.message).toContain(`this job presents: org ${ORG}, project ${PROJECT}, no ref (a V1 token: a role pinned to a branch needs token-source: v2)`);
    expect(v1.hint).not.toContain('this job presents refs/');
    const other = explainRefusal(denied, params(), { iss: 'https://token.actions.githubusercontent.com', aud: 'sts.amazonaws.com', sub: 'repo:acme/webapp:ref:refs/heads/main' }, undefined);
    expect(other.message).not.toContain('this job presents');
    expect(other.hint).toContain('"token.actions.githubusercontent.com:sub": "a pattern that covers repo:acme/webapp:ref:refs/heads/main"}}.');
    expect(other.hint).not.toContain('aws-oidc trust-policy');
    const cn = explainRefusal(denied, parseParams(orbParams({ 'role-arn': 'arn:aws-cn:iam::333333333333:role/deploy', region: 'cn-north-1' }), {}), claims(V2), undefined);
    expect(cn.hint).toContain(`"arn:aws-cn:iam::333333333333:oidc-provider/${HOST}"`);
    // An issuer other than CircleCI's for the org is passed to trust-policy, which would assume CircleCI's.
    const server = explainRefusal(denied, params(), { ...claims(V2), iss: 'https://circleci.example.com/org/x' }, undefined);
    expect(server.hint).toContain('--account-id 222222222222 --issuer-url https://circleci.example.com/org/x [--branch <branch>]`');
  });
});
