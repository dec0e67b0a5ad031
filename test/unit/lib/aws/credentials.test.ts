import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rejection } from '../../../support/rejection.ts';
import { ACCOUNT, job, startStack, type Stack } from '../../../harness/aws/fixture.ts';
import { createSts } from '../../../../src/lib/aws/sts.ts';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileKeys, resolveKeys } from '../../../../src/lib/aws/credentials.ts';
import { iniSection } from '../../../../src/lib/aws/files.ts';
import { OrbError } from '../../../../src/lib/errors.ts';

/** A temp HOME with the two AWS files named through the env, as the step sees them. */
function awsEnv(files: { config?: string; credentials?: string }, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'creds-'));
  const config = join(dir, 'config');
  const credentials = join(dir, 'credentials');
  if (files.config !== undefined) writeFileSync(config, files.config);
  if (files.credentials !== undefined) writeFileSync(credentials, files.credentials);
  return { env: { HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, ...extra }, config, credentials };
}

/**
 * A real credential_process: a small sh program in a temp dir (its path has a space) that records its
 * arguments, one per line, then runs `body`. Returns its quoted path for the profile and the record's path.
 */
function program(body: string): { command: string; argsFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cred process '));
  const file = join(dir, 'helper');
  const argsFile = join(dir, 'args');
  writeFileSync(file, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${argsFile}'\n${body}\n`);
  chmodSync(file, 0o755);
  return { command: `"${file}"`, argsFile };
}

/** The arguments the program saw, or undefined when it never ran. */
const argsSeen = (argsFile: string) => {
  try {
    return readFileSync(argsFile, 'utf8').split('\n').slice(0, -1);
  } catch {
    return undefined;
  }
};

const json = (o: object) => `echo '${JSON.stringify(o)}'`;

/** The OrbError `p` rejects with. */
const orbRejection = (p: Promise<unknown>) => rejection(p, OrbError);

describe('iniSection', () => {
  it('reads the pairs of one section, trimming spaces around keys, values and header names', () => {
    const text = '[default]\nregion=us-east-1\n\n[ profile dev ]\n  aws_access_key_id   =  AKIA1  \nregion = eu-west-1\n';
    expect(iniSection(text, 'profile dev')).toEqual({ aws_access_key_id: 'AKIA1', region: 'eu-west-1' });
    expect(iniSection(text, 'default')).toEqual({ region: 'us-east-1' });
  });

  it('skips # and ; comment lines, and handles CRLF line ends', () => {
    const text = '[a]\r\n# region = wrong\r\n; other = wrong\r\nkey = v\r\n';
    expect(iniSection(text, 'a')).toEqual({ key: 'v' });
  });

  it('keeps "=" inside a value and ignores lines without a key', () => {
    expect(iniSection('[a]\nx = b=c\n= nokey\njunk\n', 'a')).toEqual({ x: 'b=c' });
  });

  it('is undefined for a missing section, and {} for an empty one', () => {
    expect(iniSection('[a]\nk = v\n', 'b')).toBeUndefined();
    expect(iniSection('', 'a')).toBeUndefined();
    expect(iniSection('[a]\n[b]\nk = v\n', 'a')).toEqual({});
  });

  it('merges a repeated header, the later value winning, without taking keys of other sections', () => {
    const text = '[a]\nk = 1\nx = keep\n[b]\nk = other\n[a]\nk = 2\n';
    expect(iniSection(text, 'a')).toEqual({ k: '2', x: 'keep' });
    expect(iniSection(text, 'b')).toEqual({ k: 'other' });
  });

  it('does not match a header that only starts with the name', () => {
    expect(iniSection('[profile devops]\nk = v\n', 'profile dev')).toBeUndefined();
  });
});

describe('profileKeys', () => {
  it('prefers keys in the credentials file over keys in the config file', async () => {
    const { env } = awsEnv({
      credentials: '[dev]\naws_access_key_id = AKIACREDS\naws_secret_access_key = secretcreds\n',
      config: '[profile dev]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = secretconfig\naws_session_token = tok\n',
    });
    const keys = await profileKeys('dev', env);
    expect(keys).toMatchObject({ accessKeyId: 'AKIACREDS', secretAccessKey: 'secretcreds', source: 'profile dev' });
    // a key the credentials file lacks comes from the config file
    expect(keys.sessionToken).toBe('tok');
    expect(keys.expiration).toBeUndefined();
  });

  it('reads keys from the config file under [profile name], and [default] for default', async () => {
    const { env } = awsEnv({ config: '[profile dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = s1\n[default]\naws_access_key_id = AKIADEF\naws_secret_access_key = s2\n' });
    expect(await profileKeys('dev', env)).toMatchObject({ accessKeyId: 'AKIADEV', secretAccessKey: 's1', sessionToken: undefined });
    expect(await profileKeys('default', env)).toMatchObject({ accessKeyId: 'AKIADEF', secretAccessKey: 's2' });
  });

  it('does not read [dev] in the config file as profile dev', async () => {
    const { env } = awsEnv({ config: '[dev]\naws_access_key_id = AKIA\naws_secret_access_key = s\n' });
    const err = await orbRejection(profileKeys('dev', env));
    expect(err.message).toContain('there is no profile named dev');
  });

  it('runs a credential_process with its quoted arguments whole, and reads Version 1 JSON with Expiration', async () => {
    const p = program(json({ Version: 1, AccessKeyId: 'ASIAPROC', SecretAccessKey: 'procsecret', SessionToken: 'proctoken', Expiration: '2031-02-03T04:05:06Z' }));
    const { env } = awsEnv({
      credentials: '[dev]\n',
      config: `[profile dev]\nregion = us-east-1\ncredential_process = ${p.command} --name "a b" --refresh 'dev profile'\n`,
    });
    const keys = await profileKeys('dev', env);
    expect(argsSeen(p.argsFile)).toEqual(['--name', 'a b', '--refresh', 'dev profile']);
    expect(keys).toMatchObject({ accessKeyId: 'ASIAPROC', secretAccessKey: 'procsecret', sessionToken: 'proctoken', source: 'profile dev (credential_process)' });
    expect(keys.expiration?.toISOString()).toBe('2031-02-03T04:05:06.000Z');
  });

  it('leaves expiration undefined when the process gives none', async () => {
    const p = program(json({ Version: 1, AccessKeyId: 'A', SecretAccessKey: 'S' }));
    const { env } = awsEnv({ config: `[profile p]\ncredential_process = ${p.command}\n` });
    const keys = await profileKeys('p', env);
    expect(argsSeen(p.argsFile)).toEqual([]);
    expect(keys.expiration).toBeUndefined();
    expect(keys.sessionToken).toBeUndefined();
  });

  it('does not run the credential_process when there are keys', async () => {
    const p = program('echo {}');
    const { env } = awsEnv({ credentials: '[p]\naws_access_key_id = A\naws_secret_access_key = S\n', config: `[profile p]\ncredential_process = ${p.command}\n` });
    expect((await profileKeys('p', env)).accessKeyId).toBe('A');
    expect(argsSeen(p.argsFile)).toBeUndefined();
  });

  it('names the profile, the last stderr lines and the command to debug when the process fails', async () => {
    const p = program("printf 'one\\ntwo\\nthree\\nfour\\n' >&2; exit 1");
    const { env } = awsEnv({ config: `[profile ci]\ncredential_process = ${p.command} get\n` });
    const err = await orbRejection(profileKeys('ci', env));
    expect(err.message).toBe('the credential_process of profile ci failed: two / three / four');
    expect(err.hint).toContain('aws sts get-caller-identity --profile ci');
  });

  it('says failed without a colon when the process printed nothing on stderr', async () => {
    const p = program('exit 3');
    const { env } = awsEnv({ config: `[profile ci]\ncredential_process = ${p.command}\n` });
    const err = await orbRejection(profileKeys('ci', env));
    expect(err.message).toBe('the credential_process of profile ci failed');
  });

  it('refuses output that is not JSON, naming the profile and the format', async () => {
    const p = program('echo Error: not logged in');
    const { env } = awsEnv({ config: `[profile ci]\ncredential_process = ${p.command}\n` });
    const err = await orbRejection(profileKeys('ci', env));
    expect(err.message).toBe('the credential_process of profile ci printed no usable credentials: Profile ci credential_process returned invalid JSON.');
    expect(err.hint).toContain('"Version": 1');
  });

  it.each([
    ['no Version', { AccessKeyId: 'A', SecretAccessKey: 'S' }, 'did not return Version 1'],
    ['Version 2', { Version: 2, AccessKeyId: 'A', SecretAccessKey: 'S' }, 'did not return Version 1'],
    ['no AccessKeyId', { Version: 1, SecretAccessKey: 'S' }, 'returned invalid credentials'],
    ['no SecretAccessKey', { Version: 1, AccessKeyId: 'A' }, 'returned invalid credentials'],
    ['an Expiration in the past', { Version: 1, AccessKeyId: 'A', SecretAccessKey: 'S', Expiration: '2001-01-01T00:00:00Z' }, 'returned expired credentials'],
  ])('refuses JSON with %s', async (_what, body, sdkSays) => {
    const p = program(json(body));
    const { env } = awsEnv({ config: `[profile ci]\ncredential_process = ${p.command}\n` });
    const err = await orbRejection(profileKeys('ci', env));
    expect(err.message).toBe(`the credential_process of profile ci printed no usable credentials: Profile ci credential_process ${sdkSays}.`);
    expect(err.hint).toContain('AccessKeyId');
  });

  it('refuses an empty credential_process', async () => {
    const { env } = awsEnv({ config: '[profile ci]\ncredential_process = ""\n' });
    const err = await orbRejection(profileKeys('ci', env));
    expect(err.message).toContain('profile ci has an empty credential_process');
  });

  it('names an unknown profile, both files and the fix', async () => {
    const { env, config, credentials } = awsEnv({ config: '[profile other]\nregion = us-east-1\n' });
    const err = await orbRejection(profileKeys('prod', env));
    expect(err.message).toBe(`there is no profile named prod in ${config} or ${credentials}`);
    expect(err.hint).toContain('profile-name: prod');
  });

  it('says a known profile has no keys when it has only a region or half a key pair', async () => {
    const { env } = awsEnv({ config: '[profile dev]\nregion = us-east-1\n', credentials: '[half]\naws_access_key_id = A\n' });
    expect((await orbRejection(profileKeys('dev', env))).message).toBe('profile dev has no keys and no credential_process');
    expect((await orbRejection(profileKeys('half', env))).message).toBe('profile half has no keys and no credential_process');
  });

  it('uses ~/.aws under HOME when the env names no files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'home-'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, '.aws'));
    writeFileSync(join(dir, '.aws', 'credentials'), '[h]\naws_access_key_id = AKIAHOME\naws_secret_access_key = s\n');
    expect((await profileKeys('h', { HOME: dir })).accessKeyId).toBe('AKIAHOME');
  });
});

describe('resolveKeys', () => {
  const files = {
    credentials: '[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = sdef\n[named]\naws_access_key_id = AKIANAMED\naws_secret_access_key = snamed\n',
  };

  it('uses the environment keys with token and AWS_CREDENTIAL_EXPIRATION', async () => {
    const { env } = awsEnv(files, { AWS_ACCESS_KEY_ID: 'ASIAENV', AWS_SECRET_ACCESS_KEY: 'senv', AWS_SESSION_TOKEN: 'tenv', AWS_CREDENTIAL_EXPIRATION: '2030-05-06T07:08:09Z', AWS_PROFILE: 'named' });
    const keys = await resolveKeys('', env);
    expect(keys).toMatchObject({ accessKeyId: 'ASIAENV', secretAccessKey: 'senv', sessionToken: 'tenv', source: 'the environment' });
    expect(keys.expiration?.toISOString()).toBe('2030-05-06T07:08:09.000Z');
  });

  it('has no session token or expiration for bare environment keys', async () => {
    const { env } = awsEnv({}, { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'senv', AWS_SESSION_TOKEN: '' });
    const keys = await resolveKeys('', env);
    expect(keys.sessionToken).toBeUndefined();
    expect(keys.expiration).toBeUndefined();
  });

  it('prefers the profile argument over environment keys', async () => {
    const { env } = awsEnv(files, { AWS_ACCESS_KEY_ID: 'ASIAENV', AWS_SECRET_ACCESS_KEY: 'senv' });
    expect((await resolveKeys('named', env)).accessKeyId).toBe('AKIANAMED');
  });

  it('falls back to AWS_PROFILE, then AWS_DEFAULT_PROFILE, when the environment has no full key pair', async () => {
    const a = awsEnv(files, { AWS_ACCESS_KEY_ID: 'ASIAENV', AWS_PROFILE: 'named' });
    expect(await resolveKeys('', a.env)).toMatchObject({ accessKeyId: 'AKIANAMED', source: 'profile named' });
    const b = awsEnv(files, { AWS_DEFAULT_PROFILE: 'named' });
    expect((await resolveKeys('', b.env)).accessKeyId).toBe('AKIANAMED');
  });

  it('does not hide an unknown AWS_PROFILE behind the default profile', async () => {
    const { env } = awsEnv(files, { AWS_PROFILE: 'gone' });
    expect((await orbRejection(resolveKeys('', env))).message).toContain('there is no profile named gone');
  });

  it('uses the default profile last', async () => {
    const { env } = awsEnv(files);
    expect(await resolveKeys('', env)).toMatchObject({ accessKeyId: 'AKIADEFAULT', source: 'profile default' });
  });

  it('says there are no AWS credentials when nothing is set and there is no default profile', async () => {
    const { env } = awsEnv({ config: '[profile other]\nregion = us-east-1\n' });
    const err = await orbRejection(resolveKeys('', env));
    expect(err.message).toContain('no AWS credentials');
    expect(err.message).toContain('AWS_ACCESS_KEY_ID');
    expect(err.hint).toContain('assume-role-with-oidc');
  });
});

describe('resolveKeys with a default profile that runs a credential_process', () => {
  it('passes on the failure of the process rather than saying there is no default profile', async () => {
    const p = program('echo token expired >&2; exit 1');
    const { env } = awsEnv({ config: `[default]\ncredential_process = ${p.command}\n` });
    const err = await orbRejection(resolveKeys('', env));
    expect(err.message).toBe('the credential_process of profile default failed: token expired');
  });
});

describe('profiles that assume a role, resolved by the SDK through the orb\'s STS (against the strict local AWS)', () => {
  let st: Stack;
  beforeAll(async () => {
    st = await startStack();
    vi.stubEnv('AWS_ENDPOINT_URL_STS', st.aws.url);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await st.close();
  });
  const whoIs = async (keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined }) =>
    (await createSts('us-east-1', '', {}).getCallerIdentity(keys)).arn;

  it('follows source_profile to static keys and assumes role_arn with them (external_id and session name kept)', async () => {
    const { env } = awsEnv({
      credentials: `[base]\naws_access_key_id = ${st.alice.accessKeyId}\naws_secret_access_key = ${st.alice.secretAccessKey}\n`,
      config: `[profile base]\nregion = us-east-1\n[profile deploy]\nrole_arn = ${st.userRole}\nsource_profile = base\nrole_session_name = from-profile\n`,
    });
    const keys = await profileKeys('deploy', env, 'us-east-1');
    expect(keys.source).toBe('profile deploy');
    expect(keys.sessionToken).toBeTruthy();
    expect(keys.expiration).toBeInstanceOf(Date);
    expect(await whoIs(keys)).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/${st.userRole.split('/').at(-1)}/from-profile`);
  });

  it('exchanges a web_identity_token_file for role_arn with AssumeRoleWithWebIdentity', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wi-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, await st.issuer.mint(job()));
    const { env } = awsEnv({ config: `[profile wi]\nrole_arn = ${st.deployRole}\nweb_identity_token_file = ${tokenFile}\nrole_session_name = wi-session\n` });
    const keys = await profileKeys('wi', env, 'us-east-1');
    expect(await whoIs(keys)).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/wi-session`);
  });

  it('a source_profile loop and a refused role are refusals that name the profile, not unexpected errors', async () => {
    const loop = awsEnv({ config: '[profile a]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/y\nsource_profile = a\n' });
    const looped = await rejection(profileKeys('a', loop.env, 'us-east-1'));
    expect(looped.message).toMatch(/^profile a gave no credentials: Detected a cycle/);
    expect((looped as OrbError).hint).toContain(`external_id and web_identity_token_file of profile a in ${loop.config}`);
    const refused = awsEnv({
      credentials: `[base]\naws_access_key_id = ${st.alice.accessKeyId}\naws_secret_access_key = ${st.alice.secretAccessKey}\n`,
      config: `[profile other]\nrole_arn = ${st.deployRole}\nsource_profile = base\n`,
    });
    expect((await rejection(profileKeys('other', refused.env, 'us-east-1'))).message).toMatch(/^profile other gave no credentials: AccessDenied: /);
  });
});
