// docker's config.json and the orb's registry map: which host goes to which credential helper
// (or plain `auths` entry), and which identity the orb's helper uses for each host.
// https://docs.docker.com/reference/cli/docker/login/#credential-helpers
import { join } from 'node:path';
import { OrbError } from '../../lib/errors.ts';
import { readIfExists, writeFileAtomic } from '../../lib/files.ts';
import { recordWritten } from '../../lib/job-manifest.ts';
import type { Env } from '../../lib/params.ts';

/** The name docker knows the orb's helper by: it runs docker-credential-aws-oidc. */
export const HELPER_NAME = 'aws-oidc';

/** How the orb's credential helper reaches one registry: with which identity, in which region. */
export interface RegistryEntry {
  host: string;
  registryId: string;
  region: string;
  /** The named profile, or '' for the keys in the environment of the docker command. */
  profile: string;
  /** The identity the step saw; with environment keys the helper refuses a different role. */
  identityArn: string;
  public: boolean;
}

type Json = Record<string, unknown>;

function readJson(path: string, what: string): Json {
  const text = readIfExists(path);
  if (text.trim() === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  } catch {
    // fall through
  }
  throw new OrbError(`${what} ${path} is not a JSON object`, 'fix or remove the file, then run the step again');
}

/** The docker config file in `dir`. */
export const dockerConfigPath = (dir: string) => join(dir, 'config.json');

/** Reads docker's config.json (empty object when there is none). */
export function readDockerConfig(dir: string): Json {
  return readJson(dockerConfigPath(dir), 'the docker config');
}

/** Points `hosts` at the orb's helper in config.json and drops stale plaintext logins for them; one atomic write, recorded in the job's manifest. */
export function registerHelper(env: Env, dir: string, hosts: readonly string[]): void {
  const cfg = readDockerConfig(dir);
  recordWritten(env, hosts.map((h) => ['docker', dockerConfigPath(dir), 'credHelpers', h] as const));
  const helpers = { ...((cfg.credHelpers as Json | undefined) ?? {}) };
  const auths = { ...((cfg.auths as Json | undefined) ?? {}) };
  for (const h of hosts) {
    helpers[h] = HELPER_NAME;
    delete auths[h];
    delete auths[`https://${h}`];
  }
  writeFileAtomic(dockerConfigPath(dir), JSON.stringify({ ...cfg, auths, credHelpers: helpers }, null, '\t') + '\n');
}

/** Moves plaintext logins (from a private `docker login`) into config.json, taking the hosts off any credential helper; recorded in the job's manifest. */
export function mergeAuths(env: Env, dir: string, logins: Readonly<Record<string, unknown>>): void {
  const cfg = readDockerConfig(dir);
  recordWritten(env, Object.keys(logins).map((h) => ['docker', dockerConfigPath(dir), 'auths', h] as const));
  const helpers = { ...((cfg.credHelpers as Json | undefined) ?? {}) };
  const auths = { ...((cfg.auths as Json | undefined) ?? {}), ...logins };
  for (const h of Object.keys(logins)) delete helpers[h];
  writeFileAtomic(dockerConfigPath(dir), JSON.stringify({ ...cfg, auths, credHelpers: helpers }, null, '\t') + '\n');
}

/** Where the orb keeps its ECR state: the registry map and the plain logins' expiry. */
export function ecrStateDir(env: Env): string {
  return join(env.HOME || '.', '.aws-oidc', 'ecr');
}

/** The registry map the helper reads, by host. */
export function readRegistryMap(env: Env): Record<string, RegistryEntry> {
  return readJson(join(ecrStateDir(env), 'registries.json'), 'the registry map') as unknown as Record<string, RegistryEntry>;
}

/** Adds or replaces entries in the registry map; returns the hosts whose identity changed. */
export function saveRegistryEntries(env: Env, entries: readonly RegistryEntry[]): string[] {
  const map = readRegistryMap(env);
  // Sessions of one role are one identity (roleOf): a new session name is no change.
  const changed = entries.filter((e) => {
    const old = map[e.host];
    return old !== undefined && (old.profile !== e.profile || roleOf(old.identityArn) !== roleOf(e.identityArn));
  }).map((e) => e.host);
  for (const e of entries) map[e.host] = e;
  recordWritten(env, entries.map((e) => ['map', join(ecrStateDir(env), 'registries.json'), e.host] as const));
  writeFileAtomic(join(ecrStateDir(env), 'registries.json'), JSON.stringify(map, null, 2) + '\n');
  return changed;
}

/** A plain login's record: until when it is valid, and for whom. */
export interface LoginRecord { expiresAt: string; identityArn: string; registryId: string }

export function readLoginRecords(env: Env): Record<string, LoginRecord> {
  return readJson(join(ecrStateDir(env), 'logins.json'), 'the login records') as unknown as Record<string, LoginRecord>;
}

export function saveLoginRecords(env: Env, records: Readonly<Record<string, LoginRecord>>): void {
  const all = { ...readLoginRecords(env), ...records };
  recordWritten(env, Object.keys(records).map((h) => ['map', join(ecrStateDir(env), 'logins.json'), h] as const));
  writeFileAtomic(join(ecrStateDir(env), 'logins.json'), JSON.stringify(all, null, 2) + '\n');
}

/** The role an ARN stands for, without the session name: sessions of one role are one identity. */
export function roleOf(arn: string): string {
  const m = /^(arn:[\w-]+:sts::\d{12}:assumed-role\/[^/]+)\//.exec(arn);
  return m?.[1] ?? arn;
}
