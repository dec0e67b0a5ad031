// Self-refreshing profiles: the profile's credential_process runs the runtime this step left in the
// job's home, which mints a fresh OIDC token when needed and assumes the role (and chain) again.
import { join } from 'node:path';
import { OrbError } from '../../lib/errors.ts';
import { launchWords, type Launch } from '../../lib/launch.ts';
import { readIfExists, writeFileAtomic } from '../../lib/files.ts';
import { recordWritten } from '../../lib/job-manifest.ts';
import { getUsableToken, type RunProgram } from '../../lib/oidc-token.ts';
import type { Env } from '../../lib/params.ts';
import type { SessionCredentials, StsPort } from '../../lib/aws/sts.ts';
import type { AssumeRoleParams } from './params.ts';

/** Cached credentials are reused until this close to their expiry. */
export const REFRESH_MARGIN_MS = 10 * 60_000;

/** Where a profile's refresh config and credential cache live (0600 files in a 0700 directory). */
export function refreshPaths(env: Env, profile: string): { config: string; cache: string } {
  const dir = join(env.HOME || '.', '.aws-oidc', 'profiles');
  return { config: join(dir, `${profile}.json`), cache: join(dir, `${profile}.cache.json`) };
}

/**
 * The credential_process line for the AWS config file: the runtime through its loader (src/lib/launch.ts), which
 * refuses a runtime file whose SHA-256 is not the bundle's. The node is the one that ran the step (an absolute
 * path), so the profile works where install-node put Node in the job's home, off PATH. The AWS CLI splits the
 * line as sh words; other SDKs run it with sh -c; so paths with blanks or quotes are refused.
 */
export function credentialProcessLine(launch: Launch, configPath: string): string {
  if (/["'\s\\]/.test(launch.node + launch.runtime + configPath)) {
    throw new OrbError(`cannot write a credential_process for ${configPath}: the path has spaces or quotes`, 'use a HOME without spaces');
  }
  return `${launchWords(launch, (path) => path)} --credential-process ${configPath}`;
}

/** Saves what a later refresh needs (no secrets) and the first credentials as the cache; both go in the job's manifest (for clean-up). */
export function saveRefreshState(env: Env, paths: { config: string; cache: string }, p: AssumeRoleParams, creds: SessionCredentials): void {
  recordWritten(env, [['file', paths.config], ['file', paths.cache]]);
  writeFileAtomic(paths.config, JSON.stringify({ params: p }, null, 2) + '\n');
  writeFileAtomic(paths.cache, JSON.stringify(creds) + '\n');
}

/**
 * The whole-run deadline of one refresh, in ms, and the one line that says it ran out. The AWS CLI and SDKs wait
 * for a credential_process without a limit of their own. Each STS call gives up after the HTTP deadline `callMs`
 * (AWS_OIDC_HTTP_TIMEOUT_MS) and each call's retries after retry-max-seconds, but each hop of a chain has its
 * own retry time and `circleci run oidc get` has no limit: the refresh as a whole gets retry-max-seconds, plus one
 * HTTP deadline for the call that starts just before that time is up and one for minting a token.
 */
export function refreshDeadline(p: AssumeRoleParams, callMs: number): { ms: number; line: string } {
  const ms = p.retry.totalSeconds * 1000 + 2 * callMs;
  return { ms, line: `no credentials for profile ${p.profileName} within ${ms / 1000}s (retry-max-seconds ${p.retry.totalSeconds} plus twice the HTTP deadline of ${callMs / 1000}s, AWS_OIDC_HTTP_TIMEOUT_MS): STS or the OIDC token service did not answer; check the network path to them` };
}

/** Everything a refresh touches outside itself; `deadline` is armed (refreshDeadline) before a refresh calls anything. */
export interface RefreshDeps { env: Env; now(): number; runProgram: RunProgram; note(line: string): void; sts(p: AssumeRoleParams): StsPort;
  assume(p: AssumeRoleParams, token: string, sts: StsPort): Promise<SessionCredentials>; deadline(p: AssumeRoleParams): void }

/** credential_process: prints the AWS process-credentials JSON, from the cache or from a new exchange. */
export async function credentialProcess(configPath: string, deps: RefreshDeps): Promise<string> {
  const text = readIfExists(configPath);
  if (!text) throw new OrbError(`no refresh config at ${configPath}`, 'run assume-role-with-oidc with self-refresh: true earlier in this job');
  const { params } = JSON.parse(text) as { params: AssumeRoleParams };
  const cachePath = configPath.replace(/\.json$/, '.cache.json');
  const cachedText = readIfExists(cachePath);
  let creds: SessionCredentials | undefined;
  if (cachedText) {
    const c = JSON.parse(cachedText) as Omit<SessionCredentials, 'expiration'> & { expiration: string };
    if (Date.parse(c.expiration) - deps.now() > REFRESH_MARGIN_MS) creds = { ...c, expiration: new Date(c.expiration) };
  }
  if (!creds) {
    deps.deadline(params);
    // The job's token may be long gone by now: refresh with a fresh one unless it still has time.
    const token = await getUsableToken(params.tokenSource, params.audience, deps.env, deps.runProgram, deps.now(), deps.note);
    creds = await deps.assume(params, token, deps.sts(params));
    writeFileAtomic(cachePath, JSON.stringify(creds) + '\n');
  }
  return JSON.stringify({ Version: 1, AccessKeyId: creds.accessKeyId, SecretAccessKey: creds.secretAccessKey, SessionToken: creds.sessionToken, Expiration: creds.expiration.toISOString() });
}
