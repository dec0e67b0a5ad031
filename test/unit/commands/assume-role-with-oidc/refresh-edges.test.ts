import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialProcess, credentialProcessLine, refreshPaths, saveRefreshState, type RefreshDeps } from '../../../../src/commands/assume-role-with-oidc/refresh.ts';
import type { AssumeRoleParams } from '../../../../src/commands/assume-role-with-oidc/params.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import type { SessionCredentials, StsPort } from '../../../../src/lib/aws/sts.ts';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const MINUTE = 60_000;
const creds = (name: string, expiresInMs: number): SessionCredentials => ({ accessKeyId: `AKIA${name}`, secretAccessKey: `secret-${name}`, sessionToken: `token-${name}`, expiration: new Date(NOW + expiresInMs) });
const params = { tokenSource: 'v2', audience: '', roleArn: 'arn:aws:iam::123456789012:role/deploy', profileName: 'deploy' } as unknown as AssumeRoleParams;

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'refresh-edges-')); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** Deps whose job token is valid for an hour; counts the STS exchanges. */
function deps(jobHome: string) {
  const seen = { assumed: 0 };
  const token = `h.${Buffer.from(JSON.stringify({ exp: (NOW + 3600_000) / 1000 })).toString('base64url')}.s`;
  const d: RefreshDeps = {
    env: { HOME: jobHome, CIRCLE_OIDC_TOKEN_V2: token }, now: () => NOW, note: () => {}, deadline: () => {},
    runProgram: async () => 'minted\n', sts: () => ({}) as StsPort,
    assume: async () => { seen.assumed++; return creds('FRESH', 3600_000); },
  };
  return { d, seen };
}

const keyId = (text: string) => (JSON.parse(text) as { AccessKeyId: string }).AccessKeyId;

describe('self-refresh at its edges', () => {
  it('keeps a profile\'s config and cache in ~/.aws-oidc/profiles, as line-terminated JSON', () => {
    const paths = refreshPaths({ HOME: home }, 'deploy');
    expect(paths).toEqual({ config: join(home, '.aws-oidc', 'profiles', 'deploy.json'), cache: join(home, '.aws-oidc', 'profiles', 'deploy.cache.json') });
    saveRefreshState({}, paths, params, creds('FIRST', 3600_000));
    expect(readFileSync(paths.config, 'utf8')).toBe(`${JSON.stringify({ params }, null, 2)}\n`);
    expect(readFileSync(paths.cache, 'utf8')).toBe(`${JSON.stringify(creds('FIRST', 3600_000))}\n`);
  });

  it('refreshes cached credentials that expire in five minutes, and caches the new ones', async () => {
    const paths = refreshPaths({ HOME: home }, 'deploy');
    saveRefreshState({}, paths, params, creds('CACHED', 5 * MINUTE));
    const { d, seen } = deps(home);
    expect(keyId(await credentialProcess(paths.config, d))).toBe('AKIAFRESH');
    expect(seen.assumed).toBe(1);
    expect(readFileSync(paths.cache, 'utf8')).toBe(`${JSON.stringify(creds('FRESH', 3600_000))}\n`);
  });

  it('exchanges a token when the cache file is missing', async () => {
    const paths = refreshPaths({ HOME: home }, 'deploy');
    saveRefreshState({}, paths, params, creds('CACHED', 3600_000));
    rmSync(paths.cache);
    const { d, seen } = deps(home);
    expect(keyId(await credentialProcess(paths.config, d))).toBe('AKIAFRESH');
    expect(seen.assumed).toBe(1);
  });

  it('finds the cache beside the config when the home directory\'s name holds .json', async () => {
    const jobHome = join(home, 'ci.json-home');
    mkdirSync(jobHome);
    const paths = refreshPaths({ HOME: jobHome }, 'deploy');
    saveRefreshState({}, paths, params, creds('CACHED', 3600_000));
    const { d, seen } = deps(jobHome);
    expect(keyId(await credentialProcess(paths.config, d))).toBe('AKIACACHED');
    expect(seen.assumed).toBe(0);
  });

  it('tells how to fix a missing refresh config and a home with spaces', async () => {
    const { d } = deps(home);
    await expect(credentialProcess(join(home, 'none.json'), d)).rejects.toMatchObject({ hint: 'run assume-role-with-oidc with self-refresh: true earlier in this job' });
    const launch = { node: '/usr/bin/node', runtime: '/opt/orb/runtime.js', loader: 'x' };
    let err: unknown;
    try { credentialProcessLine(launch, '/home/my user/.aws-oidc/profiles/deploy.json'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OrbError);
    expect((err as OrbError).hint).toBe('use a HOME without spaces');
  });
});
