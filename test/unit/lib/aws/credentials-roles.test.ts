// Profiles that assume a role: the role is assumed through the project's STS (createSts), in the job's
// region, with the profile's external_id and duration_seconds; and how such a profile is told apart from
// one that runs a credential_process. The STS here is a recording stand-in (no network).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileKeys } from '../../../../src/lib/aws/credentials.ts';
import { createSts, type StsPort } from '../../../../src/lib/aws/sts.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';

const calls: { region: string; call: string; input: object }[] = [];
let refuse: Error | undefined;

vi.mock('../../../../src/lib/aws/sts.ts', async (importOriginal) => ({
  ...await importOriginal<typeof import('../../../../src/lib/aws/sts.ts')>(),
  createSts: vi.fn((region: string): StsPort => {
    const answer = async (call: string, input: object) => {
      calls.push({ region, call, input });
      if (refuse) throw refuse;
      return { accessKeyId: 'ASIAROLEROLEROLE0001', secretAccessKey: 'role-secret', sessionToken: 'role-token', expiration: new Date('2031-01-01T00:00:00Z') };
    };
    return {
      assumeRole: (_keys, input) => answer('AssumeRole', input),
      assumeRoleWithWebIdentity: (input) => answer('AssumeRoleWithWebIdentity', input),
      getCallerIdentity: () => Promise.reject(new Error('not used')),
    };
  }),
}));

beforeAll(() => {
  // Should anything bypass createSts, it finds a closed port on this machine, not AWS.
  vi.stubEnv('AWS_ENDPOINT_URL_STS', 'http://127.0.0.1:9');
});
afterAll(() => vi.unstubAllEnvs());
beforeEach(() => {
  calls.length = 0;
  refuse = undefined;
});

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const BASE = '[profile base]\naws_access_key_id = AKIABASEBASEBASE0001\naws_secret_access_key = base-secret\n';

/** The two AWS files (config as given, no credentials file) in a temp HOME, plus `extra` variables. */
function awsEnv(config: string, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'creds-roles-'));
  writeFileSync(join(dir, 'config'), config);
  return { HOME: dir, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), ...extra };
}

describe('a profile with role_arn and source_profile', () => {
  it('is assumed through the project\'s STS with the source keys, its session name, external_id and duration_seconds', async () => {
    const env = awsEnv(`${BASE}[profile deploy]\nrole_arn = ${ROLE}\nsource_profile = base\nrole_session_name = ci\nexternal_id = ext-42\nduration_seconds = 900\n`);
    const keys = await profileKeys('deploy', env, 'eu-west-2');
    expect(keys).toMatchObject({ accessKeyId: 'ASIAROLEROLEROLE0001', source: 'profile deploy' });
    expect(calls).toEqual([{ region: 'eu-west-2', call: 'AssumeRole', input: { roleArn: ROLE, sessionName: 'ci', externalId: 'ext-42', durationSeconds: 900 } }]);
    expect(vi.mocked(createSts)).toHaveBeenCalledWith('eu-west-2', '', env);
  });

  it('asks for an hour and no external id when the profile names neither', async () => {
    await profileKeys('deploy', awsEnv(`${BASE}[profile deploy]\nrole_arn = ${ROLE}\nsource_profile = base\n`), 'us-east-1');
    expect(calls[0]?.input).not.toHaveProperty('externalId');
    expect(calls[0]?.input).toHaveProperty('durationSeconds', 3600);
  });

  it.each([
    [{ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'ap-south-1' }, 'eu-west-1'],
    [{ AWS_DEFAULT_REGION: 'ap-south-1' }, 'ap-south-1'],
    [{}, 'us-east-1'],
  ])('is assumed in AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1 when no region is given (%j)', async (vars, region) => {
    await profileKeys('deploy', awsEnv(`${BASE}[profile deploy]\nrole_arn = ${ROLE}\nsource_profile = base\n`, vars));
    expect(calls.map((c) => c.region)).toEqual([region]);
  });

  it('passes the STS refusal on as it is when it is already the orb\'s own error', async () => {
    refuse = new OrbError('the AWS endpoint http://sts.example is not https: credentials and tokens would travel in clear text', 'use https');
    const err = await rejection(profileKeys('deploy', awsEnv(`${BASE}[profile deploy]\nrole_arn = ${ROLE}\nsource_profile = base\n`), 'us-east-1'), OrbError);
    expect(err).toBe(refuse);
  });

  it.each(['', 'aws_access_key_id = AKIAHALFHALFHALF0001\n'])('is no credential_process profile, and no keyless one, whatever else it holds (%j)', async (keyId) => {
    const env = awsEnv(`${BASE}[profile deploy]\n${keyId}role_arn = ${ROLE}\nsource_profile = base\ncredential_process = /bin/false\n`);
    expect((await profileKeys('deploy', env, 'us-east-1')).source).toBe('profile deploy');
    expect(calls).toHaveLength(1);
  });
});

describe('a profile with role_arn and web_identity_token_file', () => {
  it('is assumed with AssumeRoleWithWebIdentity for an hour, through the project\'s STS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'creds-roles-'));
    writeFileSync(join(dir, 'token'), 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln');
    await profileKeys('wi', awsEnv(`[profile wi]\nrole_arn = ${ROLE}\nweb_identity_token_file = ${join(dir, 'token')}\nrole_session_name = wi\n`), 'us-west-2');
    expect(calls).toEqual([{ region: 'us-west-2', call: 'AssumeRoleWithWebIdentity', input: { roleArn: ROLE, sessionName: 'wi', token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', durationSeconds: 3600 } }]);
  });
});
