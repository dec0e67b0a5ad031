// What profileKeys says when a profile gives no keys, and what it keeps of the failure underneath (the
// cause, for ORB_DEBUG): empty settings, a blank credential_process, a failing one, a file changed between reads.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileKeys } from '../../../../src/lib/aws/credentials.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';

function awsEnv(config: string, credentials = '') {
  const dir = mkdtempSync(join(tmpdir(), 'creds-refusals-'));
  writeFileSync(join(dir, 'config'), config);
  writeFileSync(join(dir, 'credentials'), credentials);
  return { HOME: dir, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
}

/** A credential_process program running `body` in sh. */
function program(body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'creds-refusals-')), 'helper');
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const orbRejection = (p: Promise<unknown>) => rejection(p, OrbError);

describe('profileKeys refuses a profile without credentials', () => {
  it('counts a setting with an empty value as absent, and says how to get keys', async () => {
    const err = await orbRejection(profileKeys('dev', awsEnv('[profile dev]\naws_access_key_id =\naws_secret_access_key =\nregion = us-east-1\n')));
    expect(err.message).toBe('profile dev has no keys and no credential_process');
    expect(err.hint).toBe('run assume-role-with-oidc with profile-name: dev earlier in the job');
  });

  it.each(['""', '" "', "' '"])('refuses credential_process = %s as empty, without running anything', async (value) => {
    const err = await orbRejection(profileKeys('ci', awsEnv(`[profile ci]\ncredential_process = ${value}\n`)));
    expect(err.message).toBe('profile ci has an empty credential_process');
    expect(err.hint).toBe('fix the profile in the AWS config file');
  });

  it.each(['web_identity_token_file = /nonexistent/token', 'sso_session = corp', 'sso_start_url = https://127.0.0.1:9/start', 'credential_source = Environment', 'login_session = corp'])(
    'leaves a profile with %s to the SDK, whose refusal it passes on', async (setting) => {
      const err = await orbRejection(profileKeys('p', awsEnv(`[profile p]\n${setting}\n`), 'us-east-1'));
      expect(err.message).toMatch(/^profile p gave no credentials: /);
    });

  it('uses the keys, not the credential_process, of a profile that has both', async () => {
    const env = awsEnv(`[profile p]\ncredential_process = ${program('exit 1')}\n`, '[p]\naws_access_key_id = AKIAKEYSKEYSKEYS0001\naws_secret_access_key = s\n');
    expect(await profileKeys('p', env)).toMatchObject({ accessKeyId: 'AKIAKEYSKEYSKEYS0001', source: 'profile p' });
  });
});

describe('profileKeys keeps the failure underneath as the cause', () => {
  it('of a credential_process that failed, its stderr lines trimmed', async () => {
    const err = await orbRejection(profileKeys('ci', awsEnv(`[profile ci]\ncredential_process = ${program("printf '  token expired  \\n\\tsee the log\\n' >&2; exit 1")}\n`)));
    expect(err.message).toBe('the credential_process of profile ci failed: token expired / see the log');
    expect(String((err.cause as Error).message)).toMatch(/^Command failed:/);
  });

  it('of a credential_process that printed no JSON', async () => {
    const err = await orbRejection(profileKeys('ci', awsEnv(`[profile ci]\ncredential_process = ${program('echo hello')}\n`)));
    expect(err.message).toMatch(/^the credential_process of profile ci printed no usable credentials: /);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('of a profile the SDK could not resolve', async () => {
    const env = awsEnv('[profile a]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/y\nsource_profile = a\n');
    const err = await orbRejection(profileKeys('a', env, 'us-east-1'));
    expect(err.message).toMatch(/^profile a gave no credentials: /);
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe('profileKeys reads the files afresh on each call', () => {
  it('sees keys an earlier step of the same process wrote after a first read', async () => {
    const env = awsEnv('[profile p]\naws_access_key_id = AKIAFIRSTFIRSTFIR01\naws_secret_access_key = s1\n');
    expect((await profileKeys('p', env)).accessKeyId).toBe('AKIAFIRSTFIRSTFIR01');
    writeFileSync(env.AWS_CONFIG_FILE, '[profile p]\naws_access_key_id = AKIASECONDSECONDS02\naws_secret_access_key = s2\n');
    expect((await profileKeys('p', env)).accessKeyId).toBe('AKIASECONDSECONDS02');
  });
});
