// The docker credential helper inside the orb's runtime: docker runs `docker-credential-aws-oidc get`
// with a registry host on stdin; this answers with a fresh ECR login for the identity the registry
// map names for that host. Nothing secret is stored; the password goes to docker on stdout only.
// `store` and `erase` check their input as docker-credential-helpers does (./helper-input.ts) and keep nothing.
// Protocol: https://github.com/docker/docker-credential-helpers (get/store/erase/list).
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OrbError } from '../../lib/errors.ts';
import { failureLine } from '../../lib/report.ts';
import type { Log } from '../../lib/log.ts';
import { writeFileAtomic } from '../../lib/files.ts';
import { recordWritten } from '../../lib/job-manifest.ts';
import { shellQuote } from '../../lib/bash-env.ts';
import { launchWords, type Launch } from '../../lib/launch.ts';
import type { Env } from '../../lib/params.ts';
import type { ResolvedKeys } from '../../lib/aws/credentials.ts';
import type { RegistryLogin } from '../../lib/aws/ecr.ts';
import type { AwsKeys } from '../../lib/aws/clients.ts';
import { HELPER_NAME, roleOf, type RegistryEntry } from './docker-config.ts';
import { decodeCredentials, HelperInputError, serverUrlOf } from './helper-input.ts';

/** docker's own words for "no credentials for this host", which it treats as "anonymous". */
export const NOT_FOUND = 'credentials not found in native keychain';

/** The directory put on PATH for later steps, holding docker-credential-aws-oidc. */
export const helperDir = (env: Env) => join(env.HOME || '.', '.aws-oidc', 'bin');

/**
 * Writes docker-credential-aws-oidc: a two-line script that runs this runtime through its loader (src/lib/launch.ts),
 * with the node that ran the step; the loader refuses a runtime file whose SHA-256 is not the bundle's. Recorded in
 * the job's manifest.
 */
export function installHelperProgram(env: Env, launch: Launch): string {
  const dir = helperDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `docker-credential-${HELPER_NAME}`);
  recordWritten(env, [['file', file]]);
  writeFileAtomic(file, `#!/bin/sh\nexec ${launchWords(launch, shellQuote)} --credential-helper "$@"\n`);
  chmodSync(file, 0o700);
  return dir;
}

/** What the helper needs from outside; `log` is the process's one Log, which learns the keys and passwords. */
export interface HelperDeps {
  env: Env;
  log: Log;
  registries(): Record<string, RegistryEntry>;
  resolveKeys(profile: string): Promise<ResolvedKeys>;
  callerIdentity(keys: AwsKeys, region: string): Promise<{ arn: string; account: string }>;
  getTokens(keys: AwsKeys, region: string, registryIds: readonly string[]): Promise<RegistryLogin[]>;
  getPublicToken(keys: AwsKeys): Promise<RegistryLogin>;
}

/** docker passes a host, sometimes as a URL; the map is keyed by host[:port]. */
export function normaliseHost(input: string): string {
  const t = input.trim();
  try {
    return t.includes('://') ? new URL(t).host : t.replace(/\/.*$/, '');
  } catch {
    return t;
  }
}

/** Answers `get` for one host: the JSON docker reads, or an OrbError docker shows. */
export async function helperGet(input: string, deps: HelperDeps): Promise<string> {
  const host = normaliseHost(input);
  const e = deps.registries()[host];
  if (!e) throw new OrbError(NOT_FOUND);
  const keys = await deps.resolveKeys(e.profile);
  deps.log.secret(keys.accessKeyId, keys.secretAccessKey, keys.sessionToken);
  if (e.public) {
    const l = await deps.getPublicToken(keys);
    return JSON.stringify({ ServerURL: host, Username: l.username, Secret: l.password });
  }
  // With the environment's keys, a later step may hold another role's keys: refuse rather than push as it.
  const [whoR, loginsR] = await Promise.allSettled([
    e.profile ? Promise.resolve(undefined) : deps.callerIdentity(keys, e.region),
    deps.getTokens(keys, e.region, [e.registryId]),
  ]);
  // The identity check goes first: with another role's keys, its refusal is the message that helps.
  const who = whoR.status === 'fulfilled' ? whoR.value : undefined;
  if (who && roleOf(who.arn) !== roleOf(e.identityArn)) {
    throw new OrbError(`aws-oidc: ${host} was set up by ecr-login for ${roleOf(e.identityArn)}, but this step's AWS keys are ${roleOf(who.arn)}; `
      + 'give each identity its own profile-name in assume-role-with-oidc and ecr-login');
  }
  if (loginsR.status === 'rejected') throw loginsR.reason;
  // Without a profile the identity check must have answered: a password is never given to keys it could not check.
  if (whoR.status === 'rejected') throw whoR.reason;
  const logins = loginsR.value;
  const l = logins.find((x) => x.host === host) ?? logins[0];
  if (!l) throw new OrbError(`aws-oidc: ECR returned no login for ${host}`);
  return JSON.stringify({ ServerURL: host, Username: l.username, Secret: l.password });
}

/** `list`: the hosts this helper serves, as docker expects ({host: username}). */
export function helperList(deps: Pick<HelperDeps, 'registries'>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(deps.registries()).map((h) => [h, 'AWS'])));
}

/** What the helper prints on stdout (docker reads answers and refusals there) and its exit code. */
export interface HelperAnswer { code: 0 | 1; stdout: string }

/** A failure as docker shows it: the protocol's own words, NOT_FOUND as is, ours prefixed with aws-oidc. */
function refusal(err: unknown): string {
  if (err instanceof HelperInputError) return err.message;
  if (err instanceof OrbError && err.message === NOT_FOUND) return NOT_FOUND;
  if (err instanceof OrbError && err.message.startsWith('aws-oidc')) return err.message;
  // What is no OrbError here came from an AWS call of the login.
  return err instanceof OrbError ? failureLine('aws-oidc', err) : `aws-oidc: ECR login failed: ${(err as Error).message}`;
}

/**
 * One run of docker-credential-aws-oidc <action>, reading stdin only when the action takes input.
 * `get` answers a fresh login; `store` checks docker's JSON and stores nothing (no password is ever
 * kept); `erase` checks for a server URL and erases nothing; `list` names the hosts served.
 */
export async function helperAnswer(action: string | undefined, readInput: () => string, deps: HelperDeps): Promise<HelperAnswer> {
  try {
    switch (action) {
      case 'get': return { code: 0, stdout: `${await helperGet(serverUrlOf(readInput()), deps)}\n` };
      case 'store': decodeCredentials(readInput()); return { code: 0, stdout: '' };
      case 'erase': serverUrlOf(readInput()); return { code: 0, stdout: '' };
      case 'list': return { code: 0, stdout: `${helperList(deps)}\n` };
      default: return { code: 1, stdout: `aws-oidc: unknown credential helper action ${JSON.stringify(action ?? '')}; docker calls get, store, erase or list\n` };
    }
  } catch (err) {
    // docker prints the refusal: ECR's text in it may echo a key, so it passes the Log's redaction.
    return { code: 1, stdout: `${deps.log.redact(refusal(err))}\n` };
  }
}
