import { describe, expect, it } from 'vitest';
import { defaultSessionName, parseParams } from '../../../../src/commands/assume-role-with-oidc/params.ts';

const ARN = 'arn:aws:iam::123456789012:role/deploy';
const base = { ORB_PARAM_ROLE_ARN: ARN, ORB_PARAM_REGION: 'us-east-1' };

describe('assume-role-with-oidc params', () => {
  it('applies the defaults', () => {
    const p = parseParams(base, { CIRCLE_PROJECT_REPONAME: 'web app', CIRCLE_BUILD_NUM: '42' });
    expect(p).toEqual({ roleArn: ARN, sessionName: 'circleci-web-app-42', durationSeconds: 3600, region: 'us-east-1', tokenSource: 'v2', audience: '', chain: [], profileName: '', exportTo: 'env', retry: { maxAttempts: 5, totalSeconds: 60 }, controls: { policyArns: [], allowedAccountIds: [] }, selfRefresh: false });
  });

  it('expands role-arn from the environment', () => {
    expect(parseParams({ ...base, ORB_PARAM_ROLE_ARN: '${ROLE}' }, { ROLE: ARN }).roleArn).toBe(ARN);
  });

  it('accepts the other partitions', () => {
    for (const arn of ['arn:aws-cn:iam::123456789012:role/a', 'arn:aws-us-gov:iam::123456789012:role/path/b']) {
      expect(parseParams({ ...base, ORB_PARAM_ROLE_ARN: arn }, {}).roleArn).toBe(arn);
    }
  });

  it.each([
    ['missing role-arn', { ORB_PARAM_ROLE_ARN: '' }, /parameter role-arn: is required/],
    ['malformed role-arn', { ORB_PARAM_ROLE_ARN: 'arn:aws:iam::123:role/x' }, /parameter role-arn: is not an IAM role ARN/],
    ['user instead of role', { ORB_PARAM_ROLE_ARN: 'arn:aws:iam::123456789012:user/x' }, /role-arn/],
    ['short duration', { ORB_PARAM_SESSION_DURATION: '100' }, /parameter session-duration: must be a whole number from 900 to 43200 \(got "100"\)/],
    ['long duration', { ORB_PARAM_SESSION_DURATION: '43201' }, /session-duration/],
    ['session name with a space', { ORB_PARAM_ROLE_SESSION_NAME: 'my session' }, /parameter role-session-name: .* \(got "my session"\)/],
    ['one-letter session name', { ORB_PARAM_ROLE_SESSION_NAME: 'a' }, /role-session-name/],
    ['export-to profile without a profile name', { ORB_PARAM_EXPORT_TO: 'profile' }, /parameter export-to: needs a profile-name \(got "profile"\)/],
    ['a profile name with export-to env', { ORB_PARAM_PROFILE_NAME: 'x', ORB_PARAM_EXPORT_TO: 'env' }, /parameter profile-name: is set but export-to is env/],
    ['a profile name with a space', { ORB_PARAM_PROFILE_NAME: 'my profile' }, /parameter profile-name: must be 1 to 64/],
    ['a session policy that is not JSON', { ORB_PARAM_SESSION_POLICY: '{Statement:' }, /parameter session-policy: is not an IAM policy document in JSON/],
    ['a bad managed policy ARN', { ORB_PARAM_MANAGED_SESSION_POLICIES: 'arn:aws:iam::aws:role/x' }, /parameter managed-session-policies: is not an IAM managed policy ARN/],
    ['a short account id', { ORB_PARAM_ALLOWED_ACCOUNT_IDS: '123456789012, 1234' }, /parameter allowed-account-ids: is not a 12-digit AWS account id \(got "1234"\)/],
    ['self-refresh without a profile', { ORB_PARAM_SELF_REFRESH: 'true' }, /parameter self-refresh: needs export-to: profile \(now env\)/],
    ['unknown token source', { ORB_PARAM_TOKEN_SOURCE: 'v3' }, /parameter token-source: must be one of v2, v1, mint/],
  ])('refuses %s', (_name, patch, message) => {
    expect(() => parseParams({ ...base, ...patch }, {})).toThrow(message);
  });

  it('refuses a missing region', () => {
    expect(() => parseParams({ ORB_PARAM_ROLE_ARN: ARN }, {})).toThrow(/parameter region: no AWS region is set/);
  });

  it('sanitises and cuts the default session name to STS rules', () => {
    const name = defaultSessionName({ CIRCLE_PROJECT_REPONAME: 'ü/x'.repeat(40), CIRCLE_BUILD_NUM: '7' });
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(defaultSessionName({})).toBe('circleci');
  });
});
