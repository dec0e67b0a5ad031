import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type Deps } from '../../../../src/commands/assume-role-with-oidc/run.ts';
import { createSts } from '../../../../src/lib/aws/sts.ts';
import { Log } from '../../../../src/lib/log.ts';
import { writeExports } from '../../../../src/lib/bash-env.ts';
import { writeProfile } from '../../../../src/lib/aws/files.ts';
import { resultWriter } from '../../../../src/lib/main.ts';
import { ACCOUNT, job, startStack, type Stack } from '../../../harness/aws/fixture.ts';
import { parseParams } from '../../../../src/commands/assume-role-with-oidc/params.ts';
import { orbParams } from '../../../support/params.ts';

// The real STS client against the rig's strict local AWS (trust policies, JWTs and SigV4 checked).
let s: Stack;
beforeAll(async () => { s = await startStack(); });
afterAll(() => s.close());

/** The step's parameters as its parser gives them (every default included). */
const params = (more: Record<string, string> = {}) => parseParams(orbParams({ 'role-arn': s.deployRole, 'role-session-name': 'circleci-x-1', 'session-duration': '900', region: 'us-east-1', 'retry-max-attempts': '1', 'retry-max-seconds': '1', 'circleci-session-tags': 'false', ...more }), {});

/** The value of one `export NAME='value'` line. */
const exported = (text: string, name: string) => new RegExp(`export ${name}='([^']*)'`).exec(text)?.[1] ?? '';

async function setup(env: Record<string, string> = {}, branch = 'main') {
  const home = mkdtempSync(join(tmpdir(), 'run-'));
  const bashEnv = join(home, 'bash_env');
  let out = '';
  const token = await s.issuer.mint(job(branch));
  const fullEnv = { HOME: home, BASH_ENV: bashEnv, CIRCLE_OIDC_TOKEN_V2: token, AWS_ENDPOINT_URL_STS: s.aws.url, ...env };
  const deps: Deps = {
    env: fullEnv, sts: createSts('us-east-1', s.aws.url, fullEnv, () => s.aws.time()), log: new Log((t) => { out += t; }), now: () => s.aws.time(),
    runProgram: async () => { throw new Error('not used'); },
    writeExports: (e) => writeExports(bashEnv, e), writeResult: resultWriter(fullEnv),
    writeProfile: (p, c) => writeProfile(fullEnv, p.profileName, c, p.region),
  };
  return { deps, home, bashEnv, token, output: () => out };
}

describe('assume-role-with-oidc run', () => {
  it('exports the role credentials, writes a result without secrets, prints no secret', async () => {
    const t = await setup({ AWS_PROFILE: 'static' });
    const result = await run(params(), t.deps);
    expect(result.assumedRoleArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/circleci-x-1`);
    const env = readFileSync(t.bashEnv, 'utf8');
    const keyId = exported(env, 'AWS_ACCESS_KEY_ID');
    const secrets = [keyId, exported(env, 'AWS_SECRET_ACCESS_KEY'), exported(env, 'AWS_SESSION_TOKEN')];
    expect(s.aws.issuedSecrets).toEqual(expect.arrayContaining(secrets));
    const expiry = Date.parse(exported(env, 'AWS_CREDENTIAL_EXPIRATION'));
    expect(expiry - s.aws.time()).toBeGreaterThan(890_000);
    expect(env).toContain('unset AWS_PROFILE');
    const resultText = readFileSync(join(t.home, '.aws-oidc/results/assume-role-with-oidc.json'), 'utf8');
    for (const secret of [...secrets, t.token]) {
      expect(resultText).not.toContain(secret);
      expect(t.output()).not.toContain(secret);
    }
    expect(t.output()).toContain(`****${keyId.slice(-4)}`);
  });

  it('explains AccessDenied with the claims and the condition, and writes nothing', async () => {
    const t = await setup({}, 'feature');
    const err = (await run(params(), t.deps).then(() => new Error('resolved'), (e: unknown) => e)) as Error & { hint?: string };
    expect(err.message).toMatch(/AccessDenied/);
    expect(err.message).toMatch(/sub=org\/\S+\/vcs-ref\/refs\/heads\/feature/);
    expect(err.message).not.toContain(t.token);
    expect(err.hint).toContain(`${s.issuer.hostPath}:sub`);
    expect(existsSync(t.bashEnv)).toBe(false);
  });

  it('says how to get a token when the job has none', async () => {
    const t = await setup();
    delete (t.deps.env as Record<string, string>).CIRCLE_OIDC_TOKEN_V2;
    await expect(run(params(), t.deps)).rejects.toThrow(/CIRCLE_OIDC_TOKEN_V2 is not set/);
  });

  it('sends the session policies with the exported hop, and refuses an account outside allowed-account-ids', async () => {
    const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
    const t = await setup();
    const controls = { policy, policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], allowedAccountIds: ['999999999999'], tags: [], transitiveTagKeys: [] };
    await expect(run({ ...params(), controls }, t.deps)).rejects.toThrow(/account 123456789012 .* not in allowed-account-ids \(999999999999\); nothing was exported/);
    expect(existsSync(t.bashEnv)).toBe(false);
    // The local STS checks the session policy: a broken one is refused, so the policy travels with the call.
    await expect(run({ ...params(), controls: { ...controls, policy: '{broken' } }, t.deps)).rejects.toThrow(/MalformedPolicyDocument/);
    const ok = await run({ ...params(), controls: { ...controls, allowedAccountIds: ['999999999999', ACCOUNT] } }, t.deps);
    expect(ok.account).toBe(ACCOUNT);
  });

  it('a proxy setting the step cannot use is reported as itself, not as a refusal by STS, and nothing is written', async () => {
    const t = await setup({ HTTPS_PROXY: 'socks5://user:pw@proxy.internal:1080' });
    const deps = { ...t.deps, sts: createSts('us-east-1', 'https://sts.example.test', t.deps.env) };
    const err = (await run(params(), deps).then(() => new Error('resolved'), (e: unknown) => e)) as Error & { hint?: string };
    expect(err.message).toBe('HTTPS_PROXY is "socks5://***@proxy.internal:1080": socks5: proxies are not supported, only http://');
    expect(err.message).not.toMatch(/AssumeRoleWithWebIdentity|pw/);
    expect(err.hint).toContain('set HTTPS_PROXY to http://host:port');
    expect(existsSync(t.bashEnv)).toBe(false);
  });

  it('takes a role-chain hop with its external id and session name, for at most an hour, and says so', async () => {
    const t = await setup();
    const chain = params({ 'session-duration': '7200', 'role-chain': `${s.chainedRole} external-id=ci-ext-42 session-name=hop-1` });
    const result = await run(chain, t.deps);
    const chainedName = s.chainedRole.split('/').at(-1);
    expect(result.assumedRoleArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/${chainedName}/hop-1`);
    expect(t.output()).toContain('note: AWS caps role-chained sessions at one hour, so the chained sessions last 3600s, not 7200s');
    expect(t.output()).toContain(`Chained from ${s.deployRole} to ${s.chainedRole}`);
    const env = readFileSync(t.bashEnv, 'utf8');
    const expiry = Date.parse(exported(env, 'AWS_CREDENTIAL_EXPIRATION')) - s.aws.time();
    expect(expiry).toBeGreaterThan(3_500_000);
    expect(expiry).toBeLessThanOrEqual(3_600_000);
    // The exported keys are the last hop's, and neither hop's secret shows in the output.
    expect(s.aws.issuedSecrets.at(-1)).toBe(exported(env, 'AWS_SESSION_TOKEN'));
    for (const secret of s.aws.issuedSecrets) expect(t.output()).not.toContain(secret);
    // Within the hour, no note.
    const short = await setup();
    await run(params({ 'session-duration': '3600', 'role-chain': `${s.chainedRole} external-id=ci-ext-42` }), short.deps);
    expect(short.output()).not.toContain('note: AWS caps');
  });

  it('a refused hop names both roles and what the trust policy must allow, and nothing is written', async () => {
    const t = await setup();
    const chain = params({ 'role-chain': `${s.chainedRole} external-id=wrong-ext-1` });
    const err = (await run(chain, t.deps).then(() => new Error('resolved'), (e: unknown) => e)) as Error & { hint?: string };
    expect(err.message).toContain(`AssumeRole from ${s.deployRole} to ${s.chainedRole} (role-chain) failed: AccessDenied`);
    expect(err.hint).toContain('{"StringEquals": {"sts:ExternalId": ...}}');
    expect(existsSync(t.bashEnv)).toBe(false);
  });

  it('with static keys in the environment and the credentials only in a profile, warns by variable name, never by value', async () => {
    const keys = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7STATIC1', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSTATICKEY' };
    const withProfile = (exportTo: string) => params({ 'profile-name': 'deploy', 'export-to': exportTo });
    const t = await setup(keys);
    await run(withProfile('profile'), t.deps);
    expect(t.output()).toContain('use it with --profile deploy\n');
    expect(t.output()).toContain('warning: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY are set in this job\'s environment');
    expect(t.output()).toMatch(/AWS_PROFILE=deploy would act as those keys, not as the role\. Use --profile deploy .*or set export-to: both/);
    for (const value of Object.values(keys)) expect(t.output()).not.toContain(value);
    // Without keys in the environment, or with export-to: both (the role's keys replace them), no warning.
    const clean = await setup();
    await run(withProfile('profile'), clean.deps);
    expect(clean.output()).toContain('use it with --profile deploy or AWS_PROFILE=deploy\n');
    expect(clean.output()).not.toContain('warning:');
    const both = await setup(keys);
    await run(withProfile('both'), both.deps);
    expect(both.output()).not.toContain('warning:');
  });
});
