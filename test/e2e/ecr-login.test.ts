// ecr-login with the real docker engine and registry: OIDC session keys only, a push and a pull back,
// two registries with two identities in one job, plain logins kept or redone, and the refusals.
// The registries hold only repositories the local ECR has, so the ones pushed to are made first.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { consumerConfig, pushScratchImageStep, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { loginProblems } from '../harness/registry.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT, PROD_ACCOUNT]);
beforeAll(() => {
  const repos: [string, string][] = [
    [ACCOUNT, 'webapp'], [ACCOUNT, 'api'], [PROD_ACCOUNT, 'api'], [ACCOUNT, 'plain'],
    [ACCOUNT, 'long-job'], [ACCOUNT, 'long-job-later'], [ACCOUNT, 'cross'],
  ];
  for (const [account, name] of repos) rig.aws.ensureRepository({ account, region: REGION, name });
});

const assume = (role: string, profile?: string): ConsumerStep => ({ orb: 'assume-role-with-oidc', params: { 'role-arn': role, region: REGION, ...(profile ? { 'profile-name': profile } : {}) } });
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const PROD = `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy`;

const buildAndPush = pushScratchImageStep;

const pullBack = (registryVar: string, repo: string): ConsumerStep => ({
  name: 'Pull back',
  run: `set -eu; img="$${registryVar}/${repo}:$CIRCLE_SHA1"; docker rmi "$img" >/dev/null; docker pull -q "$img" >/dev/null; echo "image-id $(docker image inspect --format "{{.Id}}" "$img")"`,
});

const stepOut = (r: { steps: { name: string; output: string }[] }, name: string) => r.steps.find((s) => s.name === name)?.output ?? '';
const imageId = (text: string) => /image-id (sha256:[0-9a-f]{64})/.exec(text)?.[1];

describe('ecr-login', () => {
  it('logs in with OIDC session keys through the credential helper: push, then pull the same image back', async () => {
    const before = registries.get(ACCOUNT)!.requests.length;
    const r = await rig.run(consumerConfig(rig.orbText, [
      assume(DEPLOY),
      { orb: 'ecr-login' },
      { name: 'No static key', run: 'env | grep -c "^AWS_ACCESS_KEY_ID=ASIA" ; env | grep -c "AKIA" || true' },
      buildAndPush('Push', 'AWS_ECR_REGISTRY', 'webapp'),
      pullBack('AWS_ECR_REGISTRY', 'webapp'),
    ]));
    const all = r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
    expect(r.success, all).toBe(true);
    expect(stepOut(r, 'No static key').trim().split('\n')).toEqual(['1', '0']);
    const pushed = imageId(stepOut(r, 'Push'));
    expect(pushed).toMatch(/^sha256:/);
    expect(imageId(stepOut(r, 'Pull back'))).toBe(pushed);
    const reg = registries.get(ACCOUNT)!;
    // The registry saw the push as the assumed role's session; docker's only refusals were its credential-less
    // first requests, and every credential it presented was this account's ECR password for that session.
    const deploySession = new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`);
    const pushes = reg.requests.filter((q) => q.method === 'PUT' && q.path.includes('/manifests/'));
    expect(pushes.at(-1)?.identityArn).toMatch(deploySession);
    const seen = reg.requests.slice(before);
    expect(seen.filter((q) => q.credential.kind !== 'none').length).toBeGreaterThan(0);
    expect(loginProblems(seen, ACCOUNT, deploySession)).toEqual([]);
    // Nothing secret in docker's config: the hosts point at the helper.
    const cfg = JSON.parse(readFileSync(`${r.home}/.docker/config.json`, 'utf8')) as { auths?: object; credHelpers?: Record<string, string> };
    expect(cfg.credHelpers).toEqual({ [reg.host]: 'aws-oidc' });
    expect(Object.keys(cfg.auths ?? {})).toEqual([]);
    const result = JSON.parse(readFileSync(`${r.home}/.aws-oidc/results/ecr-login.json`, 'utf8')) as { registries: { host: string; registryId: string }[] };
    expect(result.registries).toEqual([{ registryId: ACCOUNT, host: reg.host, how: 'credential-helper', expiresAt: null }]);
  });

  it('logs in to two registries with two identities in one job, and swapped identities fail clearly', async () => {
    const logins = (swap: boolean): ConsumerStep[] => [
      assume(DEPLOY, 'staging'),
      assume(PROD, 'production'),
      { orb: 'ecr-login', params: { 'profile-name': 'staging', 'account-id': swap ? PROD_ACCOUNT : ACCOUNT } },
    ];
    const ok = await rig.run(consumerConfig(rig.orbText, [
      ...logins(false),
      { orb: 'ecr-login', params: { 'profile-name': 'production', 'account-id': PROD_ACCOUNT } },
      buildAndPush('Push staging', `AWS_ECR_REGISTRY_${ACCOUNT}`, 'api'),
      buildAndPush('Push production', `AWS_ECR_REGISTRY_${PROD_ACCOUNT}`, 'api'),
    ]));
    expect(ok.success, ok.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n')).toBe(true);
    const lastPush = (account: string) => registries.get(account)!.requests.filter((q) => q.method === 'PUT' && q.path.startsWith('/v2/api/manifests/')).at(-1)?.identityArn;
    expect(lastPush(ACCOUNT)).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`));
    expect(lastPush(PROD_ACCOUNT)).toMatch(new RegExp(`^arn:aws:sts::${PROD_ACCOUNT}:assumed-role/production-deploy/`));

    // Swapped: staging's identity for production's registry, and the other way round.
    const a = await rig.run(consumerConfig(rig.orbText, logins(true)));
    const b = await rig.run(consumerConfig(rig.orbText, [
      assume(PROD, 'production'),
      { orb: 'ecr-login', params: { 'profile-name': 'production', 'account-id': ACCOUNT } },
    ]));
    for (const [r, who, registry] of [[a, 'deploy', PROD_ACCOUNT], [b, 'production-deploy', ACCOUNT]] as const) {
      expect(r.success).toBe(false);
      const out = r.steps.at(-1)!.output;
      expect(out).toMatch(new RegExp(`aws-oidc/ecr-login: arn:aws:sts::\\d{12}:assumed-role/${who}/\\S+ may not get a login for ECR registry ${registry} in ${REGION}`));
      expect(out).toMatch(/fix: allow ecr:GetAuthorizationToken/);
    }
  });

  it('with credential-helper false: docker login with the password on stdin, kept when valid, redone when near expiry', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [
      assume(DEPLOY),
      { orb: 'ecr-login', params: { 'credential-helper': false } },
      { orb: 'ecr-login', params: { 'credential-helper': false } },
      { name: 'Near expiry', run: `node -e 'const f=process.argv[1];const j=JSON.parse(require("fs").readFileSync(f));for(const k in j)j[k].expiresAt=new Date(Date.now()+1800e3).toISOString();require("fs").writeFileSync(f,JSON.stringify(j))' "$HOME/.aws-oidc/ecr/logins.json"` },
      { orb: 'ecr-login', params: { 'credential-helper': false } },
      buildAndPush('Push', 'AWS_ECR_REGISTRY', 'plain'),
    ]));
    const all = r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
    expect(r.success, all).toBe(true);
    const host = registries.get(ACCOUNT)!.host;
    const logins = r.steps.filter((s) => s.name === 'Log in to Amazon ECR').map((s) => s.output);
    expect(logins[0]).toContain(`${host}: logged in; valid until`);
    expect(logins[1]).toContain(`${host}: the login from an earlier step is valid until`);
    expect(logins[2]).toContain(`${host}: logged in; valid until`);
    const cfg = JSON.parse(readFileSync(`${r.home}/.docker/config.json`, 'utf8')) as { auths: Record<string, unknown>; credHelpers?: object };
    expect(Object.keys(cfg.auths)).toEqual([host]);
    expect(Object.keys(cfg.credHelpers ?? {})).toEqual([]);
  });

  it('refuses an unknown registry account, a bad region and keys without their session token, each naming the cause', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'account-id': '999999999999' }, /may not get a login for ECR registry 999999999999 in ap-northeast-1/],
      [{ 'account-id': '12345' }, /parameter account-id: is not a 12-digit AWS account id \(got "12345"\)/],
      [{ region: 'moon-1' }, /parameter region: is not an AWS region name \(got "moon-1"\)/],
    ];
    for (const [params, message] of cases) {
      const r = await rig.run(consumerConfig(rig.orbText, [assume(DEPLOY), { orb: 'ecr-login', params }]));
      expect(r.success).toBe(false);
      expect(r.steps.at(-1)!.output).toMatch(message);
    }
    const noToken = await rig.run(consumerConfig(rig.orbText, [assume(DEPLOY), { name: 'Drop token', run: 'echo "unset AWS_SESSION_TOKEN" >> "$BASH_ENV"' }, { orb: 'ecr-login' }]));
    expect(noToken.success).toBe(false);
    expect(noToken.steps.at(-1)!.output).toMatch(/does not accept the keys from the environment \(InvalidClientTokenId.*\n.*fix: a session key needs its AWS_SESSION_TOKEN/);
    // A real expiry: a 15-minute session, then the job's clock moves 1000 s on.
    const expired = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, 'session-duration': 900 } },
      { name: 'Later', run: 'rig-advance-clock 1000' },
      { orb: 'ecr-login' },
    ]), 'deploy', { fakeClock: true });
    expect(expired.success).toBe(false);
    // Keys in a profile carry no expiry, so AWS itself refuses them, and the step explains it.
    const expiredProfile = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, 'session-duration': 900, 'profile-name': 'short' } },
      { name: 'Later', run: 'rig-advance-clock 1000' },
      { orb: 'ecr-login', params: { 'profile-name': 'short' } },
    ]), 'deploy', { fakeClock: true });
    expect(expiredProfile.success).toBe(false);
    expect(expiredProfile.steps.at(-1)!.output).toMatch(/the AWS credentials from profile short expired \(AWS said ExpiredToken\)\n.*fix: run assume-role-with-oidc again/);
    expect(expired.steps.at(-1)!.output).toMatch(/the AWS credentials from the environment expired at \d{4}-\d\d-\d\dT[\d:.]+Z\n.*fix: run assume-role-with-oidc again/);
  });
});

describe('ecr-login credential helper over time and identities', () => {
  it('keeps pushing past the ECR token\'s 12 hours and the session\'s expiry with a self-refreshing profile', async () => {
    const webIdentityBefore = rig.aws.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity' && q.status === 200).length;
    const r = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, 'profile-name': 'long', 'self-refresh': true, 'session-duration': 900 } },
      { orb: 'ecr-login', params: { 'profile-name': 'long' } },
      buildAndPush('Push at start', 'AWS_ECR_REGISTRY', 'long-job'),
      { name: 'Thirteen hours later', run: 'rig-advance-clock 46800' },
      buildAndPush('Push 13 h later', 'AWS_ECR_REGISTRY', 'long-job-later'),
    ]), 'deploy', { fakeClock: true });
    expect(r.success, r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n')).toBe(true);
    const reg = registries.get(ACCOUNT)!;
    const put = reg.requests.filter((q) => q.method === 'PUT' && q.path === `/v2/long-job-later/manifests/${r.env.CIRCLE_SHA1}`);
    expect(put.at(-1)).toMatchObject({ status: 201 });
    // The later push used a password issued after the jump (it expires 12 h after the shifted now),
    // by a session that credential_process made after the jump with a freshly minted token.
    const late = rig.aws.ecrPasswords.filter((p) => p.expiresAt > Date.now() + 20 * 3600_000);
    expect(late.length).toBeGreaterThan(0);
    expect(rig.aws.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity' && q.status === 200).length - webIdentityBefore).toBe(2);
  });

  it('refuses to push as another role when later steps changed the environment\'s keys', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [
      assume(DEPLOY),
      { orb: 'ecr-login' },
      assume(PROD),
      buildAndPush('Push as the wrong role', `AWS_ECR_REGISTRY_${ACCOUNT}`, 'cross'),
    ]));
    expect(r.success).toBe(false);
    expect(r.steps.at(-1)!.output).toMatch(new RegExp(`aws-oidc: 127\\.0\\.0\\.1:\\d+ was set up by ecr-login for arn:aws:sts::${ACCOUNT}:assumed-role/deploy, but this step's AWS keys are arn:aws:sts::${PROD_ACCOUNT}:assumed-role/production-deploy`));
  });
});
