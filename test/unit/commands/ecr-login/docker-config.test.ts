import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HELPER_NAME, dockerConfigPath, ecrStateDir, mergeAuths, readDockerConfig, readLoginRecords, readRegistryMap, registerHelper, roleOf,
  saveLoginRecords, saveRegistryEntries, type RegistryEntry,
} from '../../../../src/commands/ecr-login/docker-config.ts';
import { OrbError } from '../../../../src/lib/errors.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'dockercfg-'));
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const OTHER = '210987654321.dkr.ecr.eu-west-1.amazonaws.com';
const ROLE = 'arn:aws:sts::123456789012:assumed-role/deploy';

function writeConfig(dir: string, cfg: unknown): void {
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
}
const readConfig = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, Record<string, unknown>>;

function entry(over: Partial<RegistryEntry> = {}): RegistryEntry {
  return { host: HOST, registryId: '123456789012', region: 'eu-west-1', profile: '', identityArn: `${ROLE}/session-1`, public: false, ...over };
}

describe('registerHelper', () => {
  it('points the hosts at the helper, keeps other keys and hosts, drops stale auths for the hosts', () => {
    const dir = tmp();
    writeConfig(dir, {
      auths: { [HOST]: { auth: 'c3RhbGU=' }, [`https://${HOST}`]: { auth: 'b2xk' }, 'ghcr.io': { auth: 'Z2g=' } },
      credHelpers: { 'gcr.io': 'gcloud' },
      credsStore: 'desktop',
      proxies: { default: { httpProxy: 'http://p:3128' } },
    });
    registerHelper({}, dir, [HOST, OTHER]);
    const cfg = readConfig(dir);
    expect(cfg.credHelpers).toEqual({ 'gcr.io': 'gcloud', [HOST]: HELPER_NAME, [OTHER]: HELPER_NAME });
    expect(cfg.auths).toEqual({ 'ghcr.io': { auth: 'Z2g=' } });
    expect(cfg.credsStore).toBe('desktop');
    expect(cfg.proxies).toEqual({ default: { httpProxy: 'http://p:3128' } });
  });

  it('creates config.json (and its directory) with mode 0600 when there is none', () => {
    const dir = join(tmp(), 'nested', '.docker');
    registerHelper({}, dir, [HOST]);
    expect(statSync(dockerConfigPath(dir)).mode & 0o777).toBe(0o600);
    expect(readConfig(dir).credHelpers).toEqual({ [HOST]: 'aws-oidc' });
  });

  it('treats an empty config.json as an empty object', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'config.json'), '  \n');
    registerHelper({}, dir, [HOST]);
    expect(readConfig(dir)).toEqual({ auths: {}, credHelpers: { [HOST]: 'aws-oidc' } });
  });

  it('leaves a wider mode on an existing file no more: the rewrite is 0600', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'config.json'), '{}', { mode: 0o644 });
    registerHelper({}, dir, [HOST]);
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
  });

  it.each([['not JSON', '{"auths": '], ['a JSON array', '[]'], ['a JSON string', '"x"']])('refuses a config.json that is %s, naming the file', (_what, text) => {
    const dir = tmp();
    writeFileSync(join(dir, 'config.json'), text);
    let err: unknown;
    try {
      registerHelper({}, dir, [HOST]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OrbError);
    expect((err as OrbError).message).toBe(`the docker config ${join(dir, 'config.json')} is not a JSON object`);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(text);
  });

  it('refuses a config.json that is a symbolic link and leaves the target alone', () => {
    const dir = tmp();
    const target = join(tmp(), 'elsewhere.json');
    writeFileSync(target, '{}');
    symlinkSync(target, join(dir, 'config.json'));
    expect(() => registerHelper({}, dir, [HOST])).toThrow(/symbolic link/);
    expect(() => readDockerConfig(dir)).toThrow(OrbError);
    expect(readFileSync(target, 'utf8')).toBe('{}');
  });
});

describe('mergeAuths', () => {
  it('adds the logins and takes those hosts off any credential helper, keeping the rest', () => {
    const dir = tmp();
    writeConfig(dir, { auths: { 'ghcr.io': { auth: 'Z2g=' } }, credHelpers: { [HOST]: 'aws-oidc', [OTHER]: 'ecr-login' }, experimental: 'enabled' });
    mergeAuths({}, dir, { [HOST]: { auth: 'bmV3' } });
    const cfg = readConfig(dir);
    expect(cfg.auths).toEqual({ 'ghcr.io': { auth: 'Z2g=' }, [HOST]: { auth: 'bmV3' } });
    expect(cfg.credHelpers).toEqual({ [OTHER]: 'ecr-login' });
    expect(cfg.experimental).toBe('enabled');
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
  });

  it('replaces an older login for the same host', () => {
    const dir = tmp();
    writeConfig(dir, { auths: { [HOST]: { auth: 'b2xk' } } });
    mergeAuths({}, dir, { [HOST]: { auth: 'bmV3' } });
    expect(readConfig(dir).auths).toEqual({ [HOST]: { auth: 'bmV3' } });
  });
});

describe('registry map and login records', () => {
  it('keeps them under HOME/.aws-oidc/ecr', () => {
    expect(ecrStateDir({ HOME: '/home/ci' })).toBe('/home/ci/.aws-oidc/ecr');
  });

  it('saveRegistryEntries adds entries and reports no change for new hosts', () => {
    const env = { HOME: tmp() };
    expect(readRegistryMap(env)).toEqual({});
    expect(saveRegistryEntries(env, [entry(), entry({ host: OTHER, registryId: '210987654321' })])).toEqual([]);
    expect(Object.keys(readRegistryMap(env)).sort()).toEqual([HOST, OTHER].sort());
    expect(statSync(join(ecrStateDir(env), 'registries.json')).mode & 0o777).toBe(0o600);
  });

  it('saveRegistryEntries returns the hosts whose role or profile changed, and stores the new entries', () => {
    const env = { HOME: tmp() };
    saveRegistryEntries(env, [entry(), entry({ host: OTHER })]);
    const changed = saveRegistryEntries(env, [
      entry({ identityArn: 'arn:aws:sts::123456789012:assumed-role/other/session-1' }),
      entry({ host: OTHER, profile: 'dev' }),
    ]);
    expect(changed).toEqual([HOST, OTHER]);
    expect(readRegistryMap(env)[HOST]?.identityArn).toBe('arn:aws:sts::123456789012:assumed-role/other/session-1');
    expect(readRegistryMap(env)[OTHER]?.profile).toBe('dev');
  });

  it('saveRegistryEntries reports no change for a new session of the same role', () => {
    const env = { HOME: tmp() };
    saveRegistryEntries(env, [entry()]);
    expect(saveRegistryEntries(env, [entry({ identityArn: `${ROLE}/session-2` })])).toEqual([]);
    expect(readRegistryMap(env)[HOST]?.identityArn).toBe(`${ROLE}/session-2`);
  });

  it('refuses a registry map that is not JSON, naming the file', () => {
    const env = { HOME: tmp() };
    mkdirSync(ecrStateDir(env), { recursive: true });
    writeFileSync(join(ecrStateDir(env), 'registries.json'), 'nope');
    expect(() => readRegistryMap(env)).toThrow(`the registry map ${join(ecrStateDir(env), 'registries.json')} is not a JSON object`);
  });

  it('saveLoginRecords merges with the records already saved', () => {
    const env = { HOME: tmp() };
    saveLoginRecords(env, { [HOST]: { expiresAt: '2030-01-01T00:00:00.000Z', identityArn: ROLE, registryId: '123456789012' } });
    saveLoginRecords(env, { [OTHER]: { expiresAt: '2030-01-02T00:00:00.000Z', identityArn: ROLE, registryId: '210987654321' } });
    expect(Object.keys(readLoginRecords(env)).sort()).toEqual([HOST, OTHER].sort());
    expect(existsSync(join(ecrStateDir(env), 'logins.json'))).toBe(true);
  });
});

describe('roleOf', () => {
  it('drops the session name of an assumed-role ARN', () => {
    expect(roleOf('arn:aws:sts::123456789012:assumed-role/deploy/circleci-1')).toBe('arn:aws:sts::123456789012:assumed-role/deploy');
    expect(roleOf('arn:aws-cn:sts::123456789012:assumed-role/r/s')).toBe('arn:aws-cn:sts::123456789012:assumed-role/r');
  });

  it('keeps other ARNs as they are', () => {
    expect(roleOf('arn:aws:iam::123456789012:user/alice')).toBe('arn:aws:iam::123456789012:user/alice');
    expect(roleOf('arn:aws:sts::123456789012:assumed-role/deploy')).toBe('arn:aws:sts::123456789012:assumed-role/deploy');
  });

  it('tells two roles apart', () => {
    expect(roleOf('arn:aws:sts::123456789012:assumed-role/a/s')).not.toBe(roleOf('arn:aws:sts::123456789012:assumed-role/b/s'));
  });
});
