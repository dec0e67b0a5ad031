import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StsPort } from '../../../src/lib/aws/sts.ts';
import { claims, cli, fakeToken } from './helpers.ts';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const base = ['assume-role', '--role-arn', ROLE, '--region', 'eu-west-1'];

/** STS that answers AssumeRoleWithWebIdentity with AccessDenied, or (refuse false) with keys. */
const sts = (refuse: boolean): StsPort => ({
  assumeRoleWithWebIdentity: () => (refuse ? Promise.reject(Object.assign(new Error('Not authorized'), { name: 'AccessDenied' }))
    : Promise.resolve({ accessKeyId: 'ASIAFAKEKEY0002', secretAccessKey: 's', sessionToken: 't', expiration: new Date(Date.UTC(2026, 0, 1, 13)) })),
  assumeRole: () => Promise.reject(new Error('not used')),
  getCallerIdentity: () => Promise.resolve({ arn: 'arn:aws:sts::123456789012:assumed-role/deploy/aws-oidc-cli', account: '123456789012', userId: 'AROA:x' }),
});

describe('aws-oidc assume-role: advice for a CLI user, not for a job', () => {
  it('AccessDenied: the doctor command reads the user\'s own --token-file, not a CircleCI variable', async () => {
    const r = await cli([...base, '--token-file', 'my token.jwt', '--print-exports'], { files: { 'my token.jwt': fakeToken(claims()) }, sts: sts(true) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('`aws-oidc doctor --token-file \'my token.jwt\' --policy-file role.json`');
    expect(r.stderr).not.toContain('CIRCLE_OIDC_TOKEN');
  });
  it('AccessDenied with the token on stdin: the same token piped in again', async () => {
    const r = await cli([...base, '--token-file', '-', '--print-exports'], { stdin: fakeToken(claims()), sts: sts(true) });
    expect(r.stderr).toContain('`<the same token> | aws-oidc doctor --token-file - --policy-file role.json`');
    expect(r.stderr).not.toContain('printenv');
  });
  it('a profile while static keys are in the environment: the step\'s warning, and no AWS_PROFILE suggestion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-advice-'));
    const env = { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config'), AWS_ACCESS_KEY_ID: 'AKIASTATICKEY0001' };
    const r = await cli([...base, '--token-file', 't', '--profile-name', 'ci'], { files: { t: fakeToken(claims()) }, sts: sts(false), env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('use it with --profile ci\n');
    expect(r.stderr).toContain('warning: AWS_ACCESS_KEY_ID is set');
    expect(r.stderr).not.toContain('AWS_PROFILE=ci or');
    expect(r.stderr).not.toMatch(/or AWS_PROFILE=ci/);
    const plain = await cli([...base, '--token-file', 't', '--profile-name', 'ci'], { files: { t: fakeToken(claims()) }, sts: sts(false), env: { ...env, AWS_ACCESS_KEY_ID: '' } });
    expect(plain.stderr).toContain('or AWS_PROFILE=ci');
  });
});
