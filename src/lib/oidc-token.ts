// Where the CircleCI OIDC token comes from: the job's V2 or V1 variable, or minted by `circleci run oidc get`.
import { execFile } from 'node:child_process';
import { OrbError } from './errors.ts';
import type { Env } from './params.ts';

export type TokenSourceKind = 'v2' | 'v1' | 'mint';

/** The non-secret claims we may print (never the token itself). */
export interface TokenClaims {
  iss?: string; aud?: string | string[]; sub?: string; exp?: number; iat?: number;
  [key: string]: unknown;
}

/** Decodes a JWT's payload without verifying it: only for messages, AWS does the verifying. */
export function decodeClaims(token: string): TokenClaims {
  const part = token.split('.')[1];
  if (!part) throw new OrbError('the OIDC token is not a JWT', 'check that the token variable holds a CircleCI OIDC token');
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as TokenClaims;
  } catch (err) {
    throw new OrbError('the OIDC token is not a JWT', 'check that the token variable holds a CircleCI OIDC token', { cause: err });
  }
}

/** Runs a program and returns its stdout; stdin is closed, nothing goes through a shell. */
export type RunProgram = (file: string, args: readonly string[]) => Promise<string>;

/** The real RunProgram, on node:child_process. */
export const runProgram: RunProgram = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr: String(stderr) }));
      else resolve(String(stdout));
    });
  });

/** Reads or mints the token, with errors that say how to get one. */
export async function getOidcToken(kind: TokenSourceKind, audience: string, env: Env, run: RunProgram): Promise<string> {
  if (kind !== 'mint') {
    const name = kind === 'v2' ? 'CIRCLE_OIDC_TOKEN_V2' : 'CIRCLE_OIDC_TOKEN';
    const token = env[name];
    if (!token) {
      throw new OrbError(`${name} is not set in this job, so there is no OIDC token to exchange`,
        'CircleCI sets it in jobs of pipelines it runs (not in SSH re-runs of forked PRs); run inside a CircleCI job, or use token-source: mint');
    }
    return token.trim();
  }
  const args = ['run', 'oidc', 'get'];
  if (audience) args.push('--claims', JSON.stringify({ aud: audience }));
  try {
    const token = (await run('circleci', args)).trim();
    if (!token) throw new Error('empty output');
    return token;
  } catch (err) {
    const detail = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').slice(-2).join(' ');
    throw new OrbError(`could not mint an OIDC token with "circleci run oidc get": ${detail}`,
      'the circleci CLI must be on PATH (it is in CircleCI jobs); leave audience empty to use the CIRCLE_OIDC_TOKEN_V2 of the job', { cause: err });
  }
}

/** A job's token is minted again when it has less than this left. */
export const TOKEN_MARGIN_MS = 5 * 60_000;

/**
 * The token to use now: the job's own while it has five minutes left, else a fresh one from
 * `circleci run oidc get` (the job's tokens expire an hour after it starts). When minting fails,
 * the job's token is used anyway and STS says what is wrong with it.
 */
export async function getUsableToken(kind: TokenSourceKind, audience: string, env: Env, run: RunProgram, now: number, note: (line: string) => void): Promise<string> {
  if (kind === 'mint') return getOidcToken('mint', audience, env, run);
  let current: string;
  try {
    current = await getOidcToken(kind, audience, env, run);
  } catch (missing) {
    // No token in the environment (a later step unset it, or a credential_process run elsewhere): mint one,
    // and if that fails too, report the missing variable, which is the first thing to fix.
    return getOidcToken('mint', audience, env, run).catch(() => { throw missing; });
  }
  const exp = decodeClaims(current).exp;
  if (exp === undefined || exp * 1000 - now > TOKEN_MARGIN_MS) return current;
  const when = expiryPhrase(exp * 1000, now);
  try {
    const fresh = await getOidcToken('mint', audience, env, run);
    note(`note: the job's OIDC token ${when}, so a fresh one was minted with "circleci run oidc get"`);
    return fresh;
  } catch (err) {
    note(`note: the job's OIDC token ${when} and minting a fresh one failed (${(err as Error).message.split('\n')[0]}); using it anyway`);
    return current;
  }
}

/**
 * How a token's expiry (`expMs`, epoch ms) reads at `now` (epoch ms): "expires within 3 minutes" (rounded up) while
 * it is valid, else "expired less than a minute ago", "expired 12 minutes ago" or, from two hours, "expired 5 hours ago"
 * (rounded down).
 */
export function expiryPhrase(expMs: number, now: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (expMs > now) return `expires within ${plural(Math.ceil((expMs - now) / 60_000), 'minute')}`;
  const minutes = Math.floor((now - expMs) / 60_000);
  if (minutes < 1) return 'expired less than a minute ago';
  return `expired ${minutes < 120 ? plural(minutes, 'minute') : plural(Math.floor(minutes / 60), 'hour')} ago`;
}
