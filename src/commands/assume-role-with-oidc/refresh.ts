// Self-refreshing profiles: the profile's credential_process runs the runtime this step left in the
// job's home, which mints a fresh OIDC token when needed and assumes the role (and chain) again.
import { join } from 'node:path';
import { OrbError } from '../../lib/errors.ts';
import { NODE_DEBUG_OFF } from '../../lib/log.ts';
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
 * The credential_process line for the AWS config file. `node` is the Node that ran the step (an absolute
 * path), so the profile works where install-node put Node in the job's home, off PATH.
 */
export function credentialProcessLine(runtime: string, configPath: string, node = 'node'): string {
  if (/["\s]/.test(node + runtime + configPath)) {
    throw new OrbError(`cannot write a credential_process for ${configPath}: the path has spaces or quotes`, 'use a HOME without spaces');
  }
  // env(1) clears Node's debug logging (NODE_DEBUG_OFF) whether a shell or the AWS CLI runs the line.
  return `env ${NODE_DEBUG_OFF} ${node} ${runtime} --credential-process ${configPath}`;
}

/** Saves what a later refresh needs (no secrets) and the first credentials as the cache; both go in the job's manifest (for clean-up). */
export function saveRefreshState(env: Env, paths: { config: string; cache: string }, p: AssumeRoleParams, creds: SessionCredentials): void {
  recordWritten(env, [['file', paths.config], ['file', paths.cache]]);
  writeFileAtomic(paths.config, JSON.stringify({ params: p }, null, 2) + '\n');
  writeFileAtomic(paths.cache, JSON.stringify(creds) + '\n');
}

/** Everything a refresh touches outside itself. */
export interface RefreshDeps { env: Env; now(): number; runProgram: RunProgram; note(line: string): void; sts(p: AssumeRoleParams): StsPort;
  assume(p: AssumeRoleParams, token: string, sts: StsPort): Promise<SessionCredentials> }

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
    // The job's token may be long gone by now: refresh with a fresh one unless it still has time.
    const token = await getUsableToken(params.tokenSource, params.audience, deps.env, deps.runProgram, deps.now(), deps.note);
    creds = await deps.assume(params, token, deps.sts(params));
    writeFileAtomic(cachePath, JSON.stringify(creds) + '\n');
  }
  return JSON.stringify({ Version: 1, AccessKeyId: creds.accessKeyId, SecretAccessKey: creds.secretAccessKey, SessionToken: creds.sessionToken, Expiration: creds.expiration.toISOString() });
}
