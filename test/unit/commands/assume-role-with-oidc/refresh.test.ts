// credentialProcess: the cache is reused with more than ten minutes left, else refreshed (and rewritten);
// the job's token is used while it has time, and a fresh one is minted when it is about to expire.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REFRESH_MARGIN_MS, credentialProcess, refreshDeadline, refreshPaths, saveRefreshState, type RefreshDeps } from '../../../../src/commands/assume-role-with-oidc/refresh.ts';
import type { AssumeRoleParams } from '../../../../src/commands/assume-role-with-oidc/params.ts';
import type { SessionCredentials, StsPort } from '../../../../src/lib/aws/sts.ts';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const jwt = (expSeconds: number) => `h.${Buffer.from(JSON.stringify({ exp: expSeconds })).toString('base64url')}.s`;
const creds = (name: string, expiresInMs: number): SessionCredentials => ({ accessKeyId: `AKIA${name}`, secretAccessKey: `secret-${name}`, sessionToken: `token-${name}`, expiration: new Date(NOW + expiresInMs) });
const params = { tokenSource: 'v2', audience: '', roleArn: 'arn:aws:iam::123456789012:role/deploy' } as unknown as AssumeRoleParams;

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'refresh-')); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** Deps over a job whose CIRCLE_OIDC_TOKEN_V2 expires at `tokenExp`; records the tokens assumed with and the programs run. */
function deps(tokenExp: number) {
  const seen = { assumedWith: [] as string[], ran: [] as string[][], deadlines: 0 };
  const d: RefreshDeps = {
    env: { HOME: home, CIRCLE_OIDC_TOKEN_V2: jwt(tokenExp / 1000) },
    now: () => NOW,
    runProgram: async (file, args) => { seen.ran.push([file, ...args]); return 'minted-token\n'; },
    note: () => {},
    sts: () => ({}) as StsPort,
    assume: async (_p, token) => { seen.assumedWith.push(token); return creds('FRESH', 3600_000); },
    deadline: () => { seen.deadlines++; },
  };
  return { d, seen };
}

const output = (text: string) => JSON.parse(text) as { Version: number; AccessKeyId: string; Expiration: string };

describe('credentialProcess', () => {
  it('reuses cached credentials with more than ten minutes left, without a token or an STS call', async () => {
    const paths = refreshPaths({ HOME: home }, 'deploy');
    saveRefreshState({}, paths, params, creds('CACHED', REFRESH_MARGIN_MS + 60_000));
    const { d, seen } = deps(NOW + 3600_000);
    expect(output(await credentialProcess(paths.config, d))).toMatchObject({ Version: 1, AccessKeyId: 'AKIACACHED' });
    expect(seen).toEqual({ assumedWith: [], ran: [], deadlines: 0 });
  });

  it('refreshes credentials with ten minutes or less left with the job\'s token, and caches the new ones', async () => {
    const paths = refreshPaths({ HOME: home }, 'deploy');
    saveRefreshState({}, paths, params, creds('CACHED', REFRESH_MARGIN_MS));
    const { d, seen } = deps(NOW + 3600_000);
    expect(output(await credentialProcess(paths.config, d)).AccessKeyId).toBe('AKIAFRESH');
    expect(seen.assumedWith).toEqual([jwt((NOW + 3600_000) / 1000)]);
    expect(seen.ran).toEqual([]);
    expect(seen.deadlines).toBe(1); // armed before the exchange
    expect(JSON.parse(readFileSync(paths.cache, 'utf8'))).toMatchObject({ accessKeyId: 'AKIAFRESH' });
  });

  it('mints a fresh token when the job\'s expires within five minutes', async () => {
    const paths = refreshPaths({ HOME: home }, 'deploy');
    saveRefreshState({}, paths, params, creds('CACHED', -60_000));
    const { d, seen } = deps(NOW + 60_000);
    await credentialProcess(paths.config, d);
    expect(seen.assumedWith).toEqual(['minted-token']);
    expect(seen.ran.map((argv) => argv.slice(0, 4))).toEqual([['circleci', 'run', 'oidc', 'get']]);
  });

  it('refuses a missing refresh config, naming the file and the fix', async () => {
    const { d } = deps(NOW);
    await expect(credentialProcess(join(home, 'none.json'), d)).rejects.toThrow(/no refresh config at .*none\.json/);
  });
});

describe('refreshDeadline: the whole run of one refresh', () => {
  it('is retry-max-seconds plus two HTTP deadlines (a call started at the end of the retry time, a token mint), named in one line', () => {
    const p = { ...params, profileName: 'deploy', retry: { maxAttempts: 5, totalSeconds: 60 } };
    expect(refreshDeadline(p, 15_000)).toEqual({ ms: 90_000,
      line: 'no credentials for profile deploy within 90s (retry-max-seconds 60 plus twice the HTTP deadline of 15s, AWS_OIDC_HTTP_TIMEOUT_MS): STS or the OIDC token service did not answer; check the network path to them' });
    expect(refreshDeadline({ ...p, retry: { maxAttempts: 2, totalSeconds: 2 } }, 1500).ms).toBe(5000);
  });
});
