// Named profiles in the AWS shared config and credentials files, as the AWS CLI and SDKs read them.
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { OrbError } from '../errors.ts';
import { readIfExists, unlinkQuietly, writeFileAtomic } from '../files.ts';
import { recordWritten } from '../job-manifest.ts';
import type { Env } from '../params.ts';

/** Where the two files are: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/. */
export function awsFilePaths(env: Env): { credentials: string; config: string } {
  const dir = join(env.HOME || '.', '.aws');
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(dir, 'credentials'),
    config: env.AWS_CONFIG_FILE || join(dir, 'config'),
  };
}

/** The `key = value` pairs of one [section] of an INI text; undefined when there is no such section. */
export function iniSection(text: string, header: string): Record<string, string> | undefined {
  let inside = false;
  let found: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const h = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (h) {
      inside = h[1] === header;
      if (inside) found ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (inside && found && eq > 0) found[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return found;
}

/** The config file's section header of a profile: [default], or [profile <name>] for the others. */
export const configSection = (profile: string): string => (profile === 'default' ? 'default' : `profile ${profile}`);

/** One setting of a profile in the config file (e.g. its region), or undefined. */
export function profileSetting(env: Env, profile: string, key: string): string | undefined {
  return iniSection(readIfExists(awsFilePaths(env).config), configSection(profile))?.[key];
}

/** Replaces (or appends) one [section] of an INI text, keeping every other line as it was. */
export function setIniSection(text: string, header: string, values: Readonly<Record<string, string>>): string {
  for (const [k, v] of Object.entries(values)) {
    if (/[\r\n]/.test(k + v)) throw new OrbError(`refusing to write ${k} for ${header}: the value has a line break`);
  }
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const isHeader = (l: string) => /^\s*\[.*\]\s*$/.test(l);
  const start = lines.findIndex((l) => l.trim() === `[${header}]`);
  const body = Object.entries(values).map(([k, v]) => `${k} = ${v}`);
  if (start === -1) {
    if (lines.length > 0 && lines.at(-1) !== '') lines.push('');
    return [...lines, `[${header}]`, ...body].join('\n') + '\n';
  }
  let end = start + 1;
  while (end < lines.length && !isHeader(lines[end] as string)) end++;
  // Keep a blank line that separated this section from the next one.
  const tail = end < lines.length && lines[end - 1]?.trim() === '' ? [''] : [];
  return [...lines.slice(0, start + 1), ...body, ...tail, ...lines.slice(end)].join('\n') + '\n';
}

/** A profile's credentials: session keys, or a credential_process command line. */
export type ProfileSource = { accessKeyId: string; secretAccessKey: string; sessionToken: string } | { credentialProcess: string };

/**
 * Writes one profile into the two files, each atomically and 0600, each under its lock (withFileLock), so
 * steps writing other profiles at the same moment keep theirs. Keys go to the credentials file;
 * a credential_process goes to the config file, and the profile's keys are then emptied, since
 * keys in the credentials file would win over it. Both sections go in the job's manifest (for clean-up).
 */
export function writeProfile(env: Env, profile: string, source: ProfileSource, region: string): { credentials: string; config: string } {
  const paths = awsFilePaths(env);
  const keys = 'credentialProcess' in source ? {} : {
    aws_access_key_id: source.accessKeyId, aws_secret_access_key: source.secretAccessKey, aws_session_token: source.sessionToken,
  };
  const update = (path: string, header: string, values: Record<string, string>) =>
    withFileLock(path, () => writeFileAtomic(path, setIniSection(readIfExists(path), header, values)));
  recordWritten(env, [['ini', paths.credentials, profile], ['ini', paths.config, configSection(profile)]]);
  update(paths.credentials, profile, keys);
  update(paths.config, configSection(profile), 'credentialProcess' in source ? { region, credential_process: source.credentialProcess } : { region });
  return paths;
}

/** A lock older than this (ms) was left by a writer that died: one profile write takes milliseconds. */
export const LOCK_STALE_MS = 10_000;
/** How long a writer waits for a lock (ms): past LOCK_STALE_MS, so a dead writer's lock is taken over first. */
const LOCK_WAIT_MS = 15_000;
const LOCK_POLL_MS = 10;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Whether process `pid` of this host runs (EPERM: it does, as another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `lock` when its writer is gone (its pid on this host not running) or it is older than LOCK_STALE_MS; true when it is gone. */
function removeIfStale(lock: string): boolean {
  let st;
  let text = '';
  try {
    st = lstatSync(lock, { bigint: true });
    if (st.isFile()) text = readFileSync(lock, 'utf8');
  } catch {
    return true;
  }
  const [pid, host] = text.trim().split(' ');
  const dead = host === hostname() && /^[1-9]\d*$/.test(pid ?? '') && !running(Number(pid));
  if (!dead && Date.now() - Number(st.mtimeMs) < LOCK_STALE_MS) return false;
  // Only the lock judged stale: a writer that took over a moment ago has a new inode.
  try {
    if (lstatSync(lock, { bigint: true }).ino === st.ino) unlinkSync(lock);
  } catch (err) {
    // Gone already is fine; one that cannot be removed (a directory) would be found stale again at once, forever.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new OrbError(`cannot remove the stale lock ${lock}: ${code}`, `remove ${lock} and run the step again`, { cause: err });
  }
  return true;
}

/**
 * Runs `update` (a read-modify-write of `path`) holding `<path>.lock`: a file created with
 * O_CREAT|O_EXCL|O_NOFOLLOW (0600) holding "<pid> <hostname>", removed afterwards. Writers of one file
 * take turns, so each reads what the previous one wrote. A lock left by a dead writer (its pid no longer
 * runs on this host, or the lock is older than LOCK_STALE_MS) is removed; the wait is at most LOCK_WAIT_MS.
 * Errors: OrbError when the lock cannot be made, is still held after the wait, or is stale but cannot be removed
 * (a directory by that name).
 */
export function withFileLock<T>(path: string, update: () => T): T {
  const lock = `${path}.lock`;
  mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new OrbError(`cannot create the lock ${lock}: ${code ?? String(err)}`, `let the job's user write ${dirname(lock)}`, { cause: err });
      if (removeIfStale(lock)) continue;
      if (Date.now() > deadline) throw new OrbError(`${lock} was held for more than ${LOCK_WAIT_MS / 1000} s: another step is writing ${path}`, `if no step is writing profiles now, remove ${lock} and run the step again`);
      sleep(LOCK_POLL_MS);
    }
  }
  const ino = fstatSync(fd, { bigint: true }).ino;
  const release = () => {
    // Our own lock only: one held past LOCK_STALE_MS may have been taken over.
    try {
      if (lstatSync(lock, { bigint: true }).ino === ino) unlinkQuietly(lock);
    } catch {
      // gone already
    }
  };
  try {
    try {
      writeSync(fd, `${process.pid} ${hostname()}\n`);
    } finally {
      closeSync(fd);
    }
    return update();
  } finally {
    release();
  }
}
