import { describe, expect, it } from 'vitest';
import { OrbError } from '../../../src/lib/errors.ts';
import { rejection } from '../../support/rejection.ts';
import { decodeClaims, expiryPhrase, getOidcToken, getUsableToken, runProgram, TOKEN_MARGIN_MS, type RunProgram } from '../../../src/lib/oidc-token.ts';

const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

describe('oidc token source', () => {
  it('reads V2 by default and V1 on request', async () => {
    const env = { CIRCLE_OIDC_TOKEN_V2: 'v2tok', CIRCLE_OIDC_TOKEN: 'v1tok' };
    const never: RunProgram = async () => { throw new Error('must not run'); };
    expect(await getOidcToken('v2', '', env, never)).toBe('v2tok');
    expect(await getOidcToken('v1', '', env, never)).toBe('v1tok');
    await expect(getOidcToken('v1', '', {}, never)).rejects.toThrow(/CIRCLE_OIDC_TOKEN is not set/);
  });

  it('mints with circleci run oidc get, the audience as JSON claims, nothing through a shell', async () => {
    const calls: [string, readonly string[]][] = [];
    const run: RunProgram = async (file, args) => { calls.push([file, args]); return 'minted\n'; };
    expect(await getOidcToken('mint', 'sts.amazonaws.com', {}, run)).toBe('minted');
    expect(calls).toEqual([['circleci', ['run', 'oidc', 'get', '--claims', '{"aud":"sts.amazonaws.com"}']]]);
  });

  it('explains a failed mint with the last lines of stderr', async () => {
    const run: RunProgram = async () => { throw Object.assign(new Error('exit 1'), { stderr: 'noise\nError: OIDC is not available' }); };
    await expect(getOidcToken('mint', '', {}, run)).rejects.toThrow(/could not mint an OIDC token .*OIDC is not available/);
  });

  it('decodes claims for messages and refuses a non-JWT', () => {
    expect(decodeClaims(jwt({ sub: 'org/x', aud: 'o' }))).toEqual({ sub: 'org/x', aud: 'o' });
    expect(() => decodeClaims('garbage')).toThrow(/not a JWT/);
  });

  it('keeps a token with time left, replaces one about to expire, and falls back when minting fails', async () => {
    const now = 1_000_000_000_000;
    const fresh = jwt({ exp: now / 1000 + 3600 });
    const dying = jwt({ exp: now / 1000 + 60 });
    const notes: string[] = [];
    const mint: RunProgram = async () => 'minted';
    expect(await getUsableToken('v2', '', { CIRCLE_OIDC_TOKEN_V2: fresh }, mint, now, (l) => notes.push(l))).toBe(fresh);
    expect(await getUsableToken('v2', '', { CIRCLE_OIDC_TOKEN_V2: dying }, mint, now, (l) => notes.push(l))).toBe('minted');
    const broken: RunProgram = async () => { throw new Error('no circleci'); };
    expect(await getUsableToken('v2', '', { CIRCLE_OIDC_TOKEN_V2: dying }, broken, now, (l) => notes.push(l))).toBe(dying);
    expect(await getUsableToken('v2', '', {}, mint, now, (l) => notes.push(l))).toBe('minted');
    await expect(getUsableToken('v2', '', {}, broken, now, (l) => notes.push(l))).rejects.toThrow(/CIRCLE_OIDC_TOKEN_V2 is not set/);
    expect(notes).toEqual([
      'note: the job\'s OIDC token expires within 1 minute, so a fresh one was minted with "circleci run oidc get"',
      expect.stringMatching(/minting a fresh one failed \(could not mint an OIDC token .*\); using it anyway$/),
    ]);
  });

  it('says how long ago a token expired, and "expires within" only while it has not', async () => {
    const now = 1_000_000_000_000;
    const notes: string[] = [];
    const stale = jwt({ exp: now / 1000 - 3 * 3600 - 60 });
    await getUsableToken('v2', '', { CIRCLE_OIDC_TOKEN_V2: stale }, async () => 'minted', now, (l) => notes.push(l));
    await getUsableToken('v2', '', { CIRCLE_OIDC_TOKEN_V2: stale }, async () => { throw new Error('no circleci'); }, now, (l) => notes.push(l));
    expect(notes[0]).toBe('note: the job\'s OIDC token expired 3 hours ago, so a fresh one was minted with "circleci run oidc get"');
    expect(notes[1]).toMatch(/^note: the job's OIDC token expired 3 hours ago and minting a fresh one failed/);
    expect(notes.join('\n')).not.toContain('expires within');
  });
});

describe('oidc token edges', () => {
  const now = 1_000_000_000_000;
  const mintCalls = () => {
    const calls: (readonly string[])[] = [];
    const run: RunProgram = async (_file, args) => { calls.push(args); return ' minted \n'; };
    return { calls, run };
  };

  it('trims the job\'s token, mints without --claims when no audience is set, and refuses an empty mint', async () => {
    const { calls, run } = mintCalls();
    expect(await getOidcToken('v2', '', { CIRCLE_OIDC_TOKEN_V2: ' tok\n' }, run)).toBe('tok');
    expect(await getOidcToken('mint', '', {}, run)).toBe('minted');
    expect(calls).toEqual([['run', 'oidc', 'get']]);
    const err = await getOidcToken('mint', '', {}, async () => '\n').catch((e: unknown) => e as Error & { hint?: string });
    expect(err).toMatchObject({ message: 'could not mint an OIDC token with "circleci run oidc get": empty output' });
    expect((err as { hint?: string }).hint).toContain('the circleci CLI must be on PATH');
  });

  it('token-source mint always mints; a token without exp is kept; the margin is five minutes, exclusive', async () => {
    expect(TOKEN_MARGIN_MS).toBe(300_000);
    const { calls, run } = mintCalls();
    const notes: string[] = [];
    const note = (l: string) => notes.push(l);
    expect(await getUsableToken('mint', 'aud-1', { CIRCLE_OIDC_TOKEN_V2: jwt({ exp: now / 1000 + 3600 }) }, run, now, note)).toBe('minted');
    expect(calls).toEqual([['run', 'oidc', 'get', '--claims', '{"aud":"aud-1"}']]);
    const noExp = jwt({ sub: 'x' });
    expect(await getUsableToken('v2', '', { CIRCLE_OIDC_TOKEN_V2: noExp }, run, now, note)).toBe(noExp);
    const atMargin = jwt({ exp: (now + TOKEN_MARGIN_MS) / 1000 });
    const pastMargin = jwt({ exp: (now + TOKEN_MARGIN_MS + 1000) / 1000 });
    expect(await getUsableToken('v2', '', { CIRCLE_OIDC_TOKEN_V2: pastMargin }, run, now, note)).toBe(pastMargin);
    expect(await getUsableToken('v2', '', { CIRCLE_OIDC_TOKEN_V2: atMargin }, run, now, note)).toBe('minted');
    expect(notes).toEqual(['note: the job\'s OIDC token expires within 5 minutes, so a fresh one was minted with "circleci run oidc get"']);
  });

  it('a payload that is not JSON is not a JWT, with the parse error as its cause', () => {
    const err = (() => { try { decodeClaims('h.bm90IGpzb24.s'); } catch (e) { return e as Error; } })();
    expect(err?.message).toBe('the OIDC token is not a JWT');
    expect(err?.cause).toBeInstanceOf(SyntaxError);
  });

  it('says how to get a token: a job without the variable, a token that is not a JWT', async () => {
    const never: RunProgram = async () => { throw new Error('must not run'); };
    const unset = await rejection(getOidcToken('v2', '', {}, never), OrbError);
    expect([unset.message, unset.hint]).toEqual([
      'CIRCLE_OIDC_TOKEN_V2 is not set in this job, so there is no OIDC token to exchange',
      'CircleCI sets it in jobs of pipelines it runs (not in SSH re-runs of forked PRs); run inside a CircleCI job, or use token-source: mint',
    ]);
    for (const token of ['garbage', 'h..s', 'h.bm90IGpzb24.s']) {
      const err = (() => { try { decodeClaims(token); } catch (e) { return e as Error & { hint?: string }; } })();
      expect([err?.message, err?.hint]).toEqual(['the OIDC token is not a JWT', 'check that the token variable holds a CircleCI OIDC token']);
    }
  });

  it('a failed mint quotes the last two lines of stderr, on one line, and keeps the failure as its cause', async () => {
    const failure = Object.assign(new Error('Command failed: circleci run oidc get'), { stderr: 'Using config\nwarning: old CLI\nError: OIDC is not available\n' });
    const err = await rejection(getOidcToken('mint', '', {}, async () => { throw failure; }));
    expect(err.message).toBe('could not mint an OIDC token with "circleci run oidc get": warning: old CLI Error: OIDC is not available');
    expect(err.cause).toBe(failure);
    // Without stderr (the program was not found) the error's own message is quoted.
    const missing = await rejection(getOidcToken('mint', '', {}, async () => { throw new Error('spawn circleci ENOENT'); }));
    expect(missing.message).toBe('could not mint an OIDC token with "circleci run oidc get": spawn circleci ENOENT');
  });

  it('runProgram runs the file with its arguments, no shell, and rejects with its stderr', async () => {
    expect(await runProgram('printf', ['%s|', 'a b', '$(id)'])).toBe('a b|$(id)|');
    const err = await runProgram('sh', ['-c', 'echo partial; echo oops >&2; exit 3']).catch((e: unknown) => e as Error & { stderr?: string; code?: number });
    expect(err).toMatchObject({ stderr: 'oops\n', code: 3 });
  });
});

describe('expiryPhrase', () => {
  const now = 1_700_000_000_000;
  it.each<[string, number, string]>([
    ['4m30s left', 270_000, 'expires within 5 minutes'],
    ['1s left', 1_000, 'expires within 1 minute'],
    ['just now', 0, 'expired less than a minute ago'],
    ['59s ago', -59_000, 'expired less than a minute ago'],
    ['one minute ago', -60_000, 'expired 1 minute ago'],
    ['90 minutes ago', -90 * 60_000, 'expired 90 minutes ago'],
    ['two hours ago', -120 * 60_000, 'expired 2 hours ago'],
    ['a day ago', -24 * 3600_000 - 5_000, 'expired 24 hours ago'],
  ])('%s', (_name, offsetMs, phrase) => {
    expect(expiryPhrase(now + offsetMs, now)).toBe(phrase);
  });
});
