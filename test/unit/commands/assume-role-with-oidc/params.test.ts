import { describe, expect, it } from 'vitest';
import { defaultSessionName, parseParams as parseSource } from '../../../../src/commands/assume-role-with-oidc/params.ts';
import { stepParams, type Env } from '../../../../src/lib/params.ts';

/** The parser, fed a step's ORB_PARAM_* variables. */
const parseParams = (raw: Env, ...rest: Parameters<typeof parseSource> extends [unknown, ...infer R] ? R : never) => parseSource(stepParams(raw), ...rest);

const ARN = 'arn:aws:iam::123456789012:role/deploy';
const base = { ORB_PARAM_ROLE_ARN: ARN, ORB_PARAM_REGION: 'us-east-1' };

describe('assume-role-with-oidc params', () => {
  it('applies the defaults', () => {
    const p = parseParams(base, { CIRCLE_PROJECT_REPONAME: 'web app', CIRCLE_BUILD_NUM: '42' });
    expect(p).toEqual({ roleArn: ARN, sessionName: 'circleci-web-app-42', durationSeconds: 3600, region: 'us-east-1', tokenSource: 'v2', audience: '', chain: [], profileName: '', exportTo: 'env', retry: { maxAttempts: 5, totalSeconds: 60 }, controls: { policyArns: [], allowedAccountIds: [], transitiveTagKeys: [],
      tags: [{ key: 'circleci:project', value: 'web app' }, { key: 'circleci:build-num', value: '42' }] }, selfRefresh: false, stsEndpoint: '' });
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
    ['a profile name with a space', { ORB_PARAM_PROFILE_NAME: 'my profile' }, /parameter profile-name: is not a profile name \(1-64 letters, digits and \+=,\.@_-\) \(got "my profile"\)/],
    ['a session policy that is not JSON', { ORB_PARAM_SESSION_POLICY: '{Statement:' }, /parameter session-policy: is not an IAM policy document in JSON/],
    ['a bad managed policy ARN', { ORB_PARAM_MANAGED_SESSION_POLICIES: 'arn:aws:iam::aws:role/x' }, /parameter managed-session-policies: is not an IAM managed policy ARN/],
    ['a short account id', { ORB_PARAM_ALLOWED_ACCOUNT_IDS: '123456789012, 1234' }, /parameter allowed-account-ids: is not a 12-digit AWS account id \(got "1234"\)/],
    ['self-refresh without a profile', { ORB_PARAM_SELF_REFRESH: 'true' }, /parameter self-refresh: needs export-to: profile \(now env\)/],
    ['a session tag without =', { ORB_PARAM_SESSION_TAGS: 'team' }, /parameter session-tags: is not a valid Key=Value session tag/],
    ['an aws: tag key', { ORB_PARAM_SESSION_TAGS: 'aws:x=1' }, /session-tags/],
    ['a transitive key that is no tag', { ORB_PARAM_TRANSITIVE_TAG_KEYS: 'team' }, /parameter transitive-tag-keys: is not the key of a session tag/],
    ['a source identity with a space', { ORB_PARAM_SOURCE_IDENTITY: 'a b' }, /parameter source-identity: must be 2 to 64/],
    ['an http STS endpoint elsewhere', { ORB_PARAM_STS_ENDPOINT: 'http://sts.example.com' }, /parameter sts-endpoint: must be an https URL/],
    ['an STS endpoint with credentials', { ORB_PARAM_STS_ENDPOINT: 'https://u:p@sts.example.com' }, /sts-endpoint/],
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
    expect(defaultSessionName({ CIRCLE_BUILD_NUM: '42' })).toBe('circleci-42');
  });

  it('keeps the build number of the default session name when the repository name is long: the repository part is cut', () => {
    const repo = 'a-very-long-repository-name-for-the-payments-platform-frontend-service';
    const [first, second] = ['18231', '18232'].map((n) => defaultSessionName({ CIRCLE_PROJECT_REPONAME: repo, CIRCLE_BUILD_NUM: n }));
    expect(first).toHaveLength(64);
    expect(first).toBe(`circleci-${repo}`.slice(0, 58) + '-18231');
    expect(second).toMatch(/-18232$/);
    expect(first).not.toBe(second);
    // Short names stay whole.
    expect(defaultSessionName({ CIRCLE_PROJECT_REPONAME: 'web-app', CIRCLE_BUILD_NUM: '42' })).toBe('circleci-web-app-42');
  });

  it('adds the CircleCI tags, sanitised, lets session-tags override them, and can turn them off', () => {
    const env = { CIRCLE_PROJECT_REPONAME: 'app', CIRCLE_BRANCH: 'feat/#12', CIRCLE_JOB: 'deploy', CIRCLE_BUILD_NUM: '7', CIRCLE_PIPELINE_ID: 'p-1' };
    const p = parseParams({ ...base, ORB_PARAM_SESSION_TAGS: 'team=web\ncircleci:job=custom', ORB_PARAM_TRANSITIVE_TAG_KEYS: 'team' }, env);
    expect(p.controls.tags).toEqual([
      { key: 'circleci:project', value: 'app' }, { key: 'circleci:branch', value: 'feat/_12' }, { key: 'circleci:build-num', value: '7' },
      { key: 'circleci:pipeline-id', value: 'p-1' }, { key: 'team', value: 'web' }, { key: 'circleci:job', value: 'custom' },
    ]);
    expect(p.controls.transitiveTagKeys).toEqual(['team']);
    expect(parseParams({ ...base, ORB_PARAM_CIRCLECI_SESSION_TAGS: 'false' }, env).controls.tags).toEqual([]);
  });

  it('numbers role-chain lines as written: a leading blank line counts (the text is not trimmed first)', () => {
    expect(() => parseParams({ ...base, ORB_PARAM_ROLE_CHAIN: '\narn:aws:iam::123456789012:role/next externalid=x' }, {}))
      .toThrow(/parameter role-chain \(line 2\): has an unknown option externalid/);
  });
});
