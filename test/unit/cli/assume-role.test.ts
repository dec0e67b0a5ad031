import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StsPort, SessionCredentials } from '../../../src/lib/aws/sts.ts';
import { parseAssumeFlags, requireOutput } from '../../../src/commands/assume-from-file/run.ts';
import type { OrbError } from '../../../src/lib/errors.ts';
import { claims, cli, fakeToken } from './helpers.ts';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const CREDS: SessionCredentials = { accessKeyId: 'ASIAFAKEKEY0001', secretAccessKey: 'fake-secret-0001', sessionToken: 'fake-session-0001', expiration: new Date(Date.UTC(2026, 0, 1, 13)) };

/** A fake STS that records the calls. */
function fakeSts(opts: { refuse?: { name: string; message: string } } = {}): StsPort & { calls: object[] } {
  const calls: object[] = [];
  return {
    calls,
    assumeRoleWithWebIdentity(input) {
      calls.push({ action: 'AssumeRoleWithWebIdentity', ...input });
      if (opts.refuse) return Promise.reject(Object.assign(new Error(opts.refuse.message), { name: opts.refuse.name }));
      return Promise.resolve(CREDS);
    },
    assumeRole(_c, input) { calls.push({ action: 'AssumeRole', ...input }); return Promise.resolve(CREDS); },
    getCallerIdentity() { return Promise.resolve({ arn: 'arn:aws:sts::123456789012:assumed-role/deploy/aws-oidc-cli', account: '123456789012', userId: 'AROA:x' }); },
  };
}

describe('parseAssumeFlags: the orb\'s parameters and validation', () => {
  it('defaults: session name aws-oidc-cli, one hour, no CircleCI session tags', () => {
    const p = parseAssumeFlags({ 'role-arn': ROLE, region: 'eu-west-1' }, true, {});
    expect(p).toMatchObject({ roleArn: ROLE, sessionName: 'aws-oidc-cli', durationSeconds: 3600, region: 'eu-west-1', exportTo: 'env', profileName: '' });
    expect(p.controls.tags).toEqual([]);
  });
  it('an empty --role-session-name is the CLI\'s default, not one built from CircleCI\'s variables', () => {
    expect(parseAssumeFlags({ 'role-arn': ROLE, region: 'eu-west-1', 'role-session-name': '' }, true, { CIRCLE_PROJECT_REPONAME: 'app' }).sessionName).toBe('aws-oidc-cli');
  });
  it('a profile, or both', () => {
    expect(parseAssumeFlags({ 'role-arn': ROLE, region: 'eu-west-1', 'profile-name': 'ci' }, false, {}).exportTo).toBe('profile');
    expect(parseAssumeFlags({ 'role-arn': ROLE, region: 'eu-west-1', 'profile-name': 'ci' }, true, {}).exportTo).toBe('both');
  });
  it('region from AWS_REGION', () => {
    expect(parseAssumeFlags({ 'role-arn': ROLE }, true, { AWS_REGION: 'ap-northeast-1' }).region).toBe('ap-northeast-1');
  });
  it.each([
    [{ 'role-arn': 'deploy', region: 'eu-west-1' }, /^--role-arn: is not an IAM role ARN .*\(got "deploy"\)$/],
    [{ 'role-arn': ROLE, region: 'eu-west-1', 'session-duration': '60' }, /^--session-duration: must be a whole number from 900 to 43200 \(got "60"\)$/],
    [{ 'role-arn': ROLE }, /^--region: no AWS region is set$/],
    [{ 'role-arn': ROLE, region: 'eu-west-1', 'role-session-name': 'a b' }, /^--role-session-name: /],
    [{ 'role-arn': ROLE, region: 'eu-west-1', 'role-chain': 'x' }, /^--role-chain \(line 1\): is not an IAM role ARN/],
    [{ 'role-arn': ROLE, region: 'eu-west-1', 'allowed-account-ids': '12' }, /^--allowed-account-ids: is not a 12-digit AWS account id \(got "12"\)$/],
  ])('refuses %j naming the flag as it is typed, and the value', (flags, message) => {
    let caught: unknown;
    try { parseAssumeFlags(flags, true, {}); } catch (err) { caught = err; }
    expect((caught as Error).message).toMatch(message);
    // The fix speaks of flags too: never the orb's `name:` or "parameter name".
    expect(`${(caught as Error).message} ${(caught as OrbError).hint}`).not.toMatch(/parameter |(?<![-\w])[a-z]+(-[a-z]+)+: |in a context/);
  });
  it('the fix for a missing region names the flag and the variable, not a CircleCI context', () => {
    let caught: unknown;
    try { parseAssumeFlags({ 'role-arn': ROLE }, true, {}); } catch (err) { caught = err; }
    expect((caught as OrbError).hint).toBe('set --region (e.g. us-east-1), or AWS_REGION');
  });
  it('needs an output: a profile or --print-exports', () => {
    const p = parseAssumeFlags({ 'role-arn': ROLE, region: 'eu-west-1' }, false, {});
    expect(() => requireOutput(p, false)).toThrow(/say where the credentials go/);
    expect(() => requireOutput(p, true)).not.toThrow();
    expect(() => requireOutput(parseAssumeFlags({ 'role-arn': ROLE, region: 'eu-west-1', 'profile-name': 'ci' }, false, {}), false)).not.toThrow();
  });
});

describe('aws-oidc assume-role with a fake STS', () => {
  const token = fakeToken(claims());
  const base = ['assume-role', '--token-file', 'token', '--role-arn', ROLE, '--region', 'eu-west-1'];

  it('--print-exports: export lines on stdout, nothing secret on stderr', async () => {
    const sts = fakeSts();
    const r = await cli([...base, '--print-exports', '--session-duration', '900'], { files: { token }, sts });
    expect(r.code, r.stderr).toBe(0);
    expect(sts.calls[0]).toEqual({ action: 'AssumeRoleWithWebIdentity', roleArn: ROLE, sessionName: 'aws-oidc-cli', token, durationSeconds: 900 });
    expect(r.stdout).toBe([
      "export AWS_ACCESS_KEY_ID='ASIAFAKEKEY0001'", "export AWS_SECRET_ACCESS_KEY='fake-secret-0001'", "export AWS_SESSION_TOKEN='fake-session-0001'",
      "export AWS_REGION='eu-west-1'", "export AWS_DEFAULT_REGION='eu-west-1'", "export AWS_CREDENTIAL_EXPIRATION='2026-01-01T13:00:00.000Z'", '',
    ].join('\n'));
    expect(r.stderr).toContain('Assumed arn:aws:sts::123456789012:assumed-role/deploy/aws-oidc-cli (key ****0001), valid until 2026-01-01T13:00:00.000Z');
    for (const secret of [token, CREDS.secretAccessKey, CREDS.sessionToken, CREDS.accessKeyId]) expect(r.stderr).not.toContain(secret);
  });

  it('--profile-name: writes the profile 0600 and prints no secret anywhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-profile-'));
    const env = { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') };
    const r = await cli([...base, '--profile-name', 'ci'], { files: { token }, sts: fakeSts(), env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(env.AWS_SHARED_CREDENTIALS_FILE, 'utf8')).toBe('[ci]\naws_access_key_id = ASIAFAKEKEY0001\naws_secret_access_key = fake-secret-0001\naws_session_token = fake-session-0001\n');
    expect(readFileSync(env.AWS_CONFIG_FILE, 'utf8')).toBe('[profile ci]\nregion = eu-west-1\n');
    expect(statSync(env.AWS_SHARED_CREDENTIALS_FILE).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain('Wrote profile ci');
    expect(r.stderr).not.toContain('fake-secret-0001');
  });

  it('a refusal is explained as the orb explains it, with the claims and no token', async () => {
    const r = await cli([...base, '--print-exports'], { files: { token }, sts: fakeSts({ refuse: { name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' } }) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`aws-oidc assume-role: AssumeRoleWithWebIdentity for ${ROLE} failed: AccessDenied`);
    expect(r.stderr).toContain('token claims: iss=');
    expect(r.stderr).toContain('fix: the role\'s trust policy must allow this token');
    expect(r.stderr).not.toContain(token);
  });

  it('no output chosen: nothing is assumed', async () => {
    const sts = fakeSts();
    const r = await cli(base, { files: { token }, sts });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('fix: add --profile-name <name>');
    expect(sts.calls).toEqual([]);
  });

  it.each([
    ['a bad flag', ['--session-duration', '60'], { token }, '--session-duration: must be a whole number'],
    ['no region', ['--region', ''], { token }, '--region: no AWS region is set'],
    ['an unreadable token file', [], {}, '--token-file token: cannot read it'],
    ['a file without a token', [], { token: 'not a token' }, '--token-file token: does not hold a JWT'],
  ])('no output chosen and %s: the bad input is reported, not the missing output', async (_what, extra, files, message) => {
    const sts = fakeSts();
    const r = await cli([...base.filter((a, i) => !(extra[0] === '--region' && (a === '--region' || base[i - 1] === '--region'))), ...extra], { files, sts });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`aws-oidc assume-role: ${message}`);
    expect(r.stderr).not.toContain('say where the credentials go');
    expect(sts.calls).toEqual([]);
  });

  it('--allowed-account-ids refuses another account', async () => {
    const r = await cli([...base, '--print-exports', '--allowed-account-ids', '222222222222'], { files: { token }, sts: fakeSts() });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('not in --allowed-account-ids (222222222222)');
  });
});
