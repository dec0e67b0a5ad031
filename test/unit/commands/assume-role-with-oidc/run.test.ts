import { describe, expect, it, beforeEach } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type Deps } from '../../../../src/commands/assume-role-with-oidc/run.ts';
import { createSts } from '../../../../src/lib/sts.ts';
import { Log } from '../../../../src/lib/log.ts';
import { writeExports } from '../../../../src/lib/bash-env.ts';
import { writeProfile } from '../../../../src/lib/aws-files.ts';
import { resultWriter } from '../../../../src/lib/main.ts';

const sts = mockClient(STSClient);
const claims = { iss: 'https://oidc.circleci.com/org/o1', aud: 'o1', sub: 'org/o1/project/p1/user/u1/vcs-origin/github.com/a/b/vcs-ref/refs/heads/main' };
const token = `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const creds = { AccessKeyId: 'ASIAEXAMPLEKEY12ABCD', SecretAccessKey: 'S'.repeat(40), SessionToken: 'T'.repeat(300), Expiration: new Date('2030-01-01T00:00:00Z') };
const params = { roleArn: 'arn:aws:iam::123456789012:role/deploy', sessionName: 'circleci-x-1', durationSeconds: 900, region: 'us-east-1', tokenSource: 'v2' as const, audience: '', chain: [], profileName: '', exportTo: 'env' as const, retry: { maxAttempts: 1, totalSeconds: 1 }, controls: { policyArns: [] as string[], allowedAccountIds: [] as string[], tags: [], transitiveTagKeys: [] as string[] }, selfRefresh: false, stsEndpoint: '' };

function setup(env: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'run-'));
  const bashEnv = join(home, 'bash_env');
  let out = '';
  const fullEnv = { HOME: home, BASH_ENV: bashEnv, CIRCLE_OIDC_TOKEN_V2: token, ...env };
  const deps: Deps = {
    env: fullEnv, sts: createSts('us-east-1'), log: new Log((t) => { out += t; }), now: () => Date.now(),
    runProgram: async () => { throw new Error('not used'); },
    writeExports: (e) => writeExports(bashEnv, e), writeResult: resultWriter(fullEnv),
    writeProfile: (p, c) => writeProfile(fullEnv, p.profileName, c, p.region),
  };
  return { deps, home, bashEnv, output: () => out };
}

describe('assume-role-with-oidc run', () => {
  beforeEach(() => sts.reset());

  it('exports the role credentials, writes a result without secrets, prints no secret', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand, { RoleArn: params.roleArn, RoleSessionName: 'circleci-x-1', WebIdentityToken: token, DurationSeconds: 900 }).resolves({ Credentials: creds });
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::123456789012:assumed-role/deploy/circleci-x-1', Account: '123456789012', UserId: 'AROA:x' });
    const s = setup({ AWS_PROFILE: 'static' });
    const result = await run(params, s.deps);
    expect(result.assumedRoleArn).toBe('arn:aws:sts::123456789012:assumed-role/deploy/circleci-x-1');
    const env = readFileSync(s.bashEnv, 'utf8');
    expect(env).toContain(`export AWS_ACCESS_KEY_ID='${creds.AccessKeyId}'`);
    expect(env).toContain(`export AWS_SESSION_TOKEN='${creds.SessionToken}'`);
    expect(env).toContain("export AWS_CREDENTIAL_EXPIRATION='2030-01-01T00:00:00.000Z'");
    expect(env).toContain('unset AWS_PROFILE');
    const resultText = readFileSync(join(s.home, '.aws-oidc/results/assume-role-with-oidc.json'), 'utf8');
    for (const secret of [creds.AccessKeyId, creds.SecretAccessKey, creds.SessionToken, token]) {
      expect(resultText).not.toContain(secret);
      expect(s.output()).not.toContain(secret);
    }
    expect(s.output()).toContain('****ABCD');
  });

  it('explains AccessDenied with the claims and the condition, and writes nothing', async () => {
    const denied = Object.assign(new Error('Not authorized to perform sts:AssumeRoleWithWebIdentity'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    sts.on(AssumeRoleWithWebIdentityCommand).rejects(denied);
    const s = setup();
    const err = (await run(params, s.deps).then(() => new Error('resolved'), (e: unknown) => e)) as Error & { hint?: string };
    expect(err.message).toMatch(/AccessDenied/);
    expect(err.message).toContain(`sub=${claims.sub}`);
    expect(err.message).not.toContain(token);
    expect(err.hint).toContain('oidc.circleci.com/org/o1:sub');
    expect(existsSync(s.bashEnv)).toBe(false);
  });

  it('says how to get a token when the job has none', async () => {
    const s = setup();
    delete (s.deps.env as Record<string, string>).CIRCLE_OIDC_TOKEN_V2;
    await expect(run(params, s.deps)).rejects.toThrow(/CIRCLE_OIDC_TOKEN_V2 is not set/);
  });

  it('sends the session policies with the exported hop, and refuses an account outside allowed-account-ids', async () => {
    const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
    sts.on(AssumeRoleWithWebIdentityCommand, { Policy: policy, PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] }).resolves({ Credentials: creds });
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::123456789012:assumed-role/deploy/x', Account: '123456789012', UserId: 'AROA:x' });
    const s = setup();
    const controls = { policy, policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], allowedAccountIds: ['999999999999'], tags: [], transitiveTagKeys: [] };
    await expect(run({ ...params, controls }, s.deps)).rejects.toThrow(/account 123456789012 .* not in allowed-account-ids \(999999999999\); nothing was exported/);
    expect(existsSync(s.bashEnv)).toBe(false);
    const ok = await run({ ...params, controls: { ...controls, allowedAccountIds: ['999999999999', '123456789012'] } }, s.deps);
    expect(ok.account).toBe('123456789012');
  });
});
