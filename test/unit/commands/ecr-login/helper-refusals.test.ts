// What docker reads on the helper's stdout when the orb itself refuses (its own words, once prefixed), how
// a host docker sends that is no URL is taken, and what the orb's state files say when they are broken.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helperAnswer, normaliseHost, type HelperDeps } from '../../../../src/commands/ecr-login/helper.ts';
import { ecrStateDir, readRegistryMap, roleOf, type RegistryEntry } from '../../../../src/commands/ecr-login/docker-config.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { Log, Secrets } from '../../../../src/lib/log.ts';
import { thrown } from '../../../support/rejection.ts';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const ENTRY: RegistryEntry = { host: HOST, registryId: '123456789012', region: 'eu-west-1', profile: 'p', identityArn: 'arn:aws:sts::123456789012:assumed-role/deploy/s1', public: false };

function deps(over: Partial<HelperDeps>): HelperDeps {
  return {
    env: {},
    log: new Log(() => {}, { secrets: new Secrets() }),
    registries: () => ({ [HOST]: ENTRY }),
    resolveKeys: async () => ({ accessKeyId: 'ASIAKEY', secretAccessKey: 'secret', sessionToken: 'token', source: 'profile p' }),
    callerIdentity: async () => ({ arn: `${ENTRY.identityArn}`, account: '123456789012' }),
    getTokens: async () => [],
    getPublicToken: async () => { throw new Error('not used'); },
    ...over,
  };
}

describe('helperAnswer', () => {
  it('prints the orb\'s own refusal once prefixed with aws-oidc, as docker shows it', async () => {
    expect(await helperAnswer('get', () => `${HOST}\n`, deps({}))).toEqual({ code: 1, stdout: `aws-oidc: ECR returned no login for ${HOST}\n` });
  });
});

describe('normaliseHost', () => {
  it('keeps text that looks like a URL but is none as it came (trimmed), so the map lookup fails plainly', () => {
    expect(normaliseHost(' https://[::1 ')).toBe('https://[::1');
  });
});

describe('the orb\'s ECR state', () => {
  it('names a registry map that is not a JSON object and says what to do', () => {
    const env = { HOME: mkdtempSync(join(tmpdir(), 'helper-refusals-')) };
    mkdirSync(ecrStateDir(env), { recursive: true });
    writeFileSync(join(ecrStateDir(env), 'registries.json'), '[1, 2]');
    const err = thrown(() => readRegistryMap(env), OrbError);
    expect(err.message).toBe(`the registry map ${join(ecrStateDir(env), 'registries.json')} is not a JSON object`);
    expect(err.hint).toBe('fix or remove the file, then run the step again');
  });

  it('takes only an assumed-role ARN apart: any other text is its own identity', () => {
    expect(roleOf('arn:aws:sts::123456789012:assumed-role/deploy/s1')).toBe('arn:aws:sts::123456789012:assumed-role/deploy');
    expect(roleOf('xarn:aws:sts::123456789012:assumed-role/deploy/s1')).toBe('xarn:aws:sts::123456789012:assumed-role/deploy/s1');
  });
});
