// The seed 001 flow and its refusals, run whole: packed orb -> CircleCI-faithful runner -> local STS -> Debian's AWS CLI.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, ORG_ID as ORG_AUDIENCE, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { loadConfig, expandJob } from '../harness/runner/index.ts';

const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const PROD = `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy`;
const WHO_AM_I: ConsumerStep = { name: 'Who am I', run: 'aws sts get-caller-identity --query Arn --output text' };
const HAS_CLI = existsSync('/usr/bin/aws');

const rig = useRig();

function assume(params: Record<string, string | number>): ConsumerStep {
  return { orb: 'assume-role-with-oidc', params };
}

describe('assume-role-with-oidc in a job (seed 001)', () => {
  it.runIf(HAS_CLI)('a later plain step with the AWS CLI acts as the assumed role', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'role-arn': DEPLOY, region: REGION, 'session-duration': 900 }), WHO_AM_I]));
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    const who = r.steps.find((s) => s.name === 'Who am I');
    expect(who?.output.trim()).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/circleci-`));
    const step = r.steps.find((s) => s.name === 'Assume AWS role with CircleCI OIDC');
    expect(step?.output).toMatch(/Assumed arn:aws:sts::111111111111:assumed-role\/deploy\/\S+ \(key \*\*\*\*[A-Z2-7]{4}\), valid until /);
    expect(statSync(r.bashEnvPath).mode & 0o077).toBe(0);
    const result = JSON.parse(readFileSync(`${r.home}/.aws-oidc/results/assume-role-with-oidc.json`, 'utf8')) as { assumedRoleArn: string };
    expect(result.assumedRoleArn).toBe(who?.output.trim());
  });

  it.runIf(HAS_CLI)('the role wins over static keys a context put in the job environment', async () => {
    const user = rig.aws.addUser({ account: ACCOUNT, name: 'legacy-ci' });
    const env = { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey, AWS_DEFAULT_REGION: REGION };
    const before: ConsumerStep = { name: 'Before', run: 'aws sts get-caller-identity --query Arn --output text' };
    const r = await rig.run(consumerConfig(rig.orbText, [before, assume({ 'role-arn': '${DEPLOY_ROLE}', region: REGION }), WHO_AM_I]), 'deploy', { env: { ...env, DEPLOY_ROLE: DEPLOY } });
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    expect(r.steps.find((s) => s.name === 'Before')?.output.trim()).toBe(`arn:aws:iam::${ACCOUNT}:user/legacy-ci`);
    expect(r.steps.find((s) => s.name === 'Who am I')?.output.trim()).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`));
  });

  it.each([['v1', {}], ['mint', {}], ['mint', { audience: ORG_AUDIENCE }]] as const)('token-source %s %o works too', async (source, extra) => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'role-arn': DEPLOY, region: REGION, 'token-source': source, ...extra })]));
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    expect(r.steps.at(-1)?.output).toMatch(/Assumed arn:aws:sts::111111111111:assumed-role\/deploy\//);
  });

  it('sts-endpoint reaches STS without AWS_ENDPOINT_URL_STS', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'role-arn': DEPLOY, region: REGION, 'sts-endpoint': rig.aws.url })]), 'deploy', { noEndpointEnv: true });
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    expect(r.env.AWS_ENDPOINT_URL_STS).toBeUndefined();
  });

  it('main may assume the production role', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'role-arn': PROD, region: REGION })]), 'deploy', { branch: 'main' });
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
  });
});

describe('refusals fail the step, name the cause and the fix, and leave $BASH_ENV unchanged', () => {
  const cases: [string, Record<string, string | number>, { branch?: string; env?: Record<string, string> }, RegExp][] = [
    ['a sub the trust policy does not match (feature branch, production role)', { 'role-arn': PROD, region: REGION }, { branch: 'feature/x' },
      /AccessDenied[\s\S]*sub=org\/.*vcs-ref\/refs\/heads\/feature\/x[\s\S]*fix: the role's trust policy must allow this token/],
    ['a V1 token (no vcs-ref in sub) for the branch-pinned role', { 'role-arn': PROD, region: REGION, 'token-source': 'v1' }, { branch: 'main' },
      /AccessDenied[\s\S]*sub=org\/[^/\s]+\/project\/[^/\s]+\/user\/[^/\s]+\s/],
    ['a token with the wrong audience', { 'role-arn': DEPLOY, region: REGION, 'token-source': 'mint', audience: 'sts.amazonaws.com' }, {},
      /InvalidIdentityToken: [\s\S]*aud=sts\.amazonaws\.com[\s\S]*fix: the token's aud must be an audience of the IAM OIDC provider/],
    ['an empty role-arn', { 'role-arn': '', region: REGION }, {}, /parameter role-arn: is required[\s\S]*fix: set role-arn/],
    ['role-arn naming an unset variable', { 'role-arn': '${NOT_SET}', region: REGION }, {}, /parameter role-arn: refers to \$NOT_SET[\s\S]*fix: /],
    ['session-duration: 100', { 'role-arn': DEPLOY, region: REGION, 'session-duration': 100 }, {}, /parameter session-duration: must be a whole number from 900 to 43200 \(got "100"\)\n {2}fix: /],
    ['a malformed ARN', { 'role-arn': 'arn:aws:iam::12345:role/deploy', region: REGION }, {}, /parameter role-arn: is not an IAM role ARN[\s\S]*fix: use the form/],
    ['a session name with a space', { 'role-arn': DEPLOY, region: REGION, 'role-session-name': 'my session' }, {}, /parameter role-session-name: [\s\S]*"my session"[\s\S]*fix: /],
    ['no region', { 'role-arn': DEPLOY }, {}, /parameter region: no AWS region is set[\s\S]*fix: set region/],
    ['a session longer than the role allows', { 'role-arn': PROD, region: REGION, 'session-duration': 7200 }, {}, /ValidationError[\s\S]*MaxSessionDuration[\s\S]*fix: lower session-duration/],
  ];
  it.each(cases)('%s', async (_name, params, opts, message) => {
    const marker: ConsumerStep = { name: 'Mark', run: 'echo "export MARK=1" >> "$BASH_ENV"' };
    const r = await rig.run(consumerConfig(rig.orbText, [marker, assume(params)]), 'deploy', opts);
    expect(r.success).toBe(false);
    const step = r.steps.find((s) => s.name === 'Assume AWS role with CircleCI OIDC');
    expect(step?.exitCode).toBe(1);
    expect(step?.output).toMatch(message);
    expect(readFileSync(r.bashEnvPath, 'utf8')).toBe('export MARK=1\n');
  });

  it('an expired token that cannot be replaced is refused with the reason and a way out', async () => {
    const expired = await rig.issuer.mint(rig.identity(), { iat: Math.floor(Date.now() / 1000) - 7200 });
    // No way to mint a fresh one: the shim's issuer address is wrong, as when OIDC is unavailable.
    const env = { CIRCLE_OIDC_TOKEN_V2: expired, CIRCLE_RIG_OIDC_MINT_URL: 'http://127.0.0.1:9/_rig/mint' };
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'role-arn': DEPLOY, region: REGION })]), 'deploy', { env });
    expect(r.success).toBe(false);
    expect(r.steps.at(-1)?.output).toMatch(/minting a fresh one failed[\s\S]*ExpiredTokenException[\s\S]*fix: the OIDC token expired/);
    expect(readFileSync(r.bashEnvPath, 'utf8')).toBe('');
  });

  it('a token about to expire is replaced by a freshly minted one', async () => {
    const old = await rig.issuer.mint(rig.identity(), { iat: Math.floor(Date.now() / 1000) - 3500 });
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'role-arn': DEPLOY, region: REGION })]), 'deploy', { env: { CIRCLE_OIDC_TOKEN_V2: old } });
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    expect(r.steps.at(-1)?.output).toMatch(/a fresh one was minted with "circleci run oidc get"/);
  });

  it('a missing role-arn is refused by the config compiler, as CircleCI does', () => {
    const text = consumerConfig(rig.orbText, [assume({ region: REGION })]);
    expect(() => expandJob(loadConfig(text, { orbs: { 'aws-oidc/aws-oidc@0.1.0': rig.orbText } }), 'deploy')).toThrow(/role-arn/);
  });
});
