import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOT_FOUND, helperDir, helperGet, helperList, installHelperProgram, normaliseHost, type HelperDeps } from '../../../../src/commands/ecr-login/helper.ts';
import type { RegistryEntry } from '../../../../src/commands/ecr-login/docker-config.ts';
import type { ResolvedKeys } from '../../../../src/lib/aws/credentials.ts';
import type { RegistryLogin } from '../../../../src/lib/aws/ecr.ts';
import { OrbError } from '../../../../src/lib/errors.ts';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const ROLE = 'arn:aws:sts::123456789012:assumed-role/deploy';
const KEYS: ResolvedKeys = { accessKeyId: 'ASIAKEY', secretAccessKey: 'secret', sessionToken: 'token', source: 'the environment' };

function login(over: Partial<RegistryLogin> = {}): RegistryLogin {
  return { registryId: '123456789012', host: HOST, proxyEndpoint: `https://${HOST}`, username: 'AWS', password: 'ecr-password', expiresAt: new Date('2030-01-01T00:00:00Z'), ...over };
}

function entry(over: Partial<RegistryEntry> = {}): RegistryEntry {
  return { host: HOST, registryId: '123456789012', region: 'eu-west-1', profile: '', identityArn: `${ROLE}/s1`, public: false, ...over };
}

/** Fake deps recording every call; each port can be overridden. */
function fakeDeps(map: Record<string, RegistryEntry>, over: Partial<HelperDeps> = {}) {
  const calls: string[] = [];
  const deps: HelperDeps = {
    env: {},
    registries: () => map,
    resolveKeys: async (profile) => { calls.push(`resolveKeys(${profile})`); return KEYS; },
    callerIdentity: async (_k, region) => { calls.push(`callerIdentity(${region})`); return { arn: `${ROLE}/s2`, account: '123456789012' }; },
    getTokens: async (_k, region, ids) => { calls.push(`getTokens(${region},${ids.join(',')})`); return [login()]; },
    getPublicToken: async () => { calls.push('getPublicToken'); return login({ registryId: 'public', host: 'public.ecr.aws', password: 'public-password' }); },
    ...over,
  };
  return { deps, calls };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => new Error('resolved'), (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

describe('normaliseHost', () => {
  it.each([
    [HOST, HOST],
    [`  ${HOST}\n`, HOST],
    [`https://${HOST}`, HOST],
    [`https://${HOST}/v2/`, HOST],
    [`${HOST}/some/path`, HOST],
    ['localhost:5000', 'localhost:5000'],
    ['http://localhost:5000/v2', 'localhost:5000'],
    ['public.ecr.aws', 'public.ecr.aws'],
  ])('%j -> %s', (input, host) => {
    expect(normaliseHost(input)).toBe(host);
  });
});

describe('helperGet', () => {
  it('answers NOT_FOUND for a host the map does not know, calling nothing', async () => {
    const f = fakeDeps({ [HOST]: entry() });
    const err = await rejection(helperGet('ghcr.io', f.deps));
    expect(err).toBeInstanceOf(OrbError);
    expect(err.message).toBe(NOT_FOUND);
    expect(f.calls).toEqual([]);
  });

  it('with a profile entry, skips the identity check and answers docker\'s JSON', async () => {
    const f = fakeDeps({ [HOST]: entry({ profile: 'dev' }) });
    const out = await helperGet(`https://${HOST}`, f.deps);
    expect(JSON.parse(out)).toEqual({ ServerURL: HOST, Username: 'AWS', Secret: 'ecr-password' });
    expect(f.calls).toEqual(['resolveKeys(dev)', 'getTokens(eu-west-1,123456789012)']);
  });

  it('with an env entry and the same role in another session, answers the login', async () => {
    const f = fakeDeps({ [HOST]: entry() });
    const out = JSON.parse(await helperGet(HOST, f.deps)) as { Secret: string };
    expect(out.Secret).toBe('ecr-password');
    expect(f.calls).toContain('callerIdentity(eu-west-1)');
    expect(f.calls).toContain('resolveKeys()');
  });

  it('with an env entry and another role, refuses naming both roles, even when getTokens also fails', async () => {
    const f = fakeDeps({ [HOST]: entry() }, {
      callerIdentity: async () => ({ arn: 'arn:aws:sts::123456789012:assumed-role/intruder/s9', account: '123456789012' }),
      getTokens: async () => { throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' }); },
    });
    const err = await rejection(helperGet(HOST, f.deps));
    expect(err).toBeInstanceOf(OrbError);
    expect(err.message).toContain(`${HOST} was set up by ecr-login for ${ROLE}`);
    expect(err.message).toContain('arn:aws:sts::123456789012:assumed-role/intruder');
    expect(err.message).toContain('profile-name');
  });

  it('passes on the getTokens failure when the identity matches', async () => {
    const denied = new Error('denied');
    const f = fakeDeps({ [HOST]: entry() }, { getTokens: async () => { throw denied; } });
    expect(await rejection(helperGet(HOST, f.deps))).toBe(denied);
  });

  it('passes on the getTokens failure when the identity check itself fails', async () => {
    const denied = new Error('tokens failed');
    const f = fakeDeps({ [HOST]: entry() }, {
      callerIdentity: async () => { throw new Error('sts down'); },
      getTokens: async () => { throw denied; },
    });
    expect(await rejection(helperGet(HOST, f.deps))).toBe(denied);
  });

  it('uses getPublicToken for a public entry, never the private calls', async () => {
    const f = fakeDeps({ 'public.ecr.aws': entry({ host: 'public.ecr.aws', registryId: 'public', region: 'us-east-1', public: true }) });
    const out = JSON.parse(await helperGet('https://public.ecr.aws', f.deps)) as Record<string, string>;
    expect(out).toEqual({ ServerURL: 'public.ecr.aws', Username: 'AWS', Secret: 'public-password' });
    expect(f.calls).toEqual(['resolveKeys()', 'getPublicToken']);
  });

  it('picks the login for the asked host, else the first', async () => {
    const other = '210987654321.dkr.ecr.eu-west-1.amazonaws.com';
    const f = fakeDeps({ [HOST]: entry({ profile: 'p' }) }, {
      getTokens: async () => [login({ host: other, password: 'wrong' }), login({ password: 'right' })],
    });
    expect((JSON.parse(await helperGet(HOST, f.deps)) as { Secret: string }).Secret).toBe('right');
    const g = fakeDeps({ [HOST]: entry({ profile: 'p' }) }, { getTokens: async () => [login({ host: 'elsewhere', password: 'first' })] });
    expect((JSON.parse(await helperGet(HOST, g.deps)) as { Secret: string }).Secret).toBe('first');
  });

  it('says ECR returned no login when the list is empty', async () => {
    const f = fakeDeps({ [HOST]: entry({ profile: 'p' }) }, { getTokens: async () => [] });
    expect((await rejection(helperGet(HOST, f.deps))).message).toBe(`aws-oidc: ECR returned no login for ${HOST}`);
  });
});

describe('helperList', () => {
  it('lists every host of the map with AWS as user', () => {
    const map = { [HOST]: entry(), 'public.ecr.aws': entry({ host: 'public.ecr.aws', public: true }) };
    expect(JSON.parse(helperList({ registries: () => map }))).toEqual({ [HOST]: 'AWS', 'public.ecr.aws': 'AWS' });
    expect(helperList({ registries: () => ({}) })).toBe('{}');
  });
});

describe('installHelperProgram', () => {
  it('writes docker-credential-aws-oidc, mode 0700, running the runtime with --credential-helper', () => {
    const home = mkdtempSync(join(tmpdir(), 'helper-'));
    const dir = installHelperProgram({ HOME: home }, '/usr/bin/node', '/opt/orb/runtime.cjs');
    expect(dir).toBe(join(home, '.aws-oidc', 'bin'));
    expect(dir).toBe(helperDir({ HOME: home }));
    const file = join(dir, 'docker-credential-aws-oidc');
    expect(statSync(file).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toBe(`#!/bin/sh\nexec '/usr/bin/node' '/opt/orb/runtime.cjs' --credential-helper "$@"\n`);
  });

  it('quotes paths with spaces and quotes so the script runs them as one word each', () => {
    const home = mkdtempSync(join(tmpdir(), 'helper space-'));
    // A fake "node" that prints its arguments one per line.
    const fakeNode = join(home, "my node's bin");
    writeFileSync(fakeNode, '#!/bin/sh\nfor a in "$@"; do echo "[$a]"; done\n', { mode: 0o755 });
    const runtime = join(home, 'orb runtime', 'runtime.cjs');
    const dir = installHelperProgram({ HOME: home }, fakeNode, runtime);
    const out = execFileSync(join(dir, 'docker-credential-aws-oidc'), ['get'], { encoding: 'utf8' });
    expect(out).toBe(`[${runtime}]\n[--credential-helper]\n[get]\n`);
  });

  it('replaces an older helper program', () => {
    const home = mkdtempSync(join(tmpdir(), 'helper-'));
    installHelperProgram({ HOME: home }, '/old/node', '/old/runtime.cjs');
    const dir = installHelperProgram({ HOME: home }, '/new/node', '/new/runtime.cjs');
    const text = readFileSync(join(dir, 'docker-credential-aws-oidc'), 'utf8');
    expect(text).toContain("'/new/node'");
    expect(text).not.toContain('/old/');
  });
});
