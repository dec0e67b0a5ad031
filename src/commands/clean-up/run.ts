// clean-up: removes what the orb's steps wrote in this job, as the job's manifest lists it (src/lib/job-manifest.ts),
// and nothing else: profiles, docker credential helper entries and logins, the orb's files under ~/.aws-oidc,
// result files, the runtime and Node.js (unless kept), and unsets the AWS_* variables the steps exported.
import { lstatSync, rmdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OrbError } from '../../lib/errors.ts';
import { awsFilePaths } from '../../lib/aws/files.ts';
import type { Written } from '../../lib/job-manifest.ts';
import type { Log } from '../../lib/log.ts';
import type { Env } from '../../lib/params.ts';
import { HELPER_NAME } from '../ecr-login/docker-config.ts';
import { cleanDockerConfig, cleanIniFile, cleanJsonMap } from './edits.ts';
import { parseManifest, takeManifests } from './manifest.ts';
import type { CleanUpParams } from './params.ts';
import { checkedUnder, isResult, orbHome, Refused, removeFileUnder, removeOrbFile, removeTreeUnder } from './places.ts';
import { emptyTally, summary, type Tally } from './report.ts';

/** What clean-up touches outside the files: the environment, the log, its process id, and $BASH_ENV. */
export interface CleanUpDeps {
  env: Env;
  log: Log;
  /** Names the manifest clean-up takes aside, so two clean-ups at once never take the same file. */
  pid: number;
  /** Appends `unset` lines to $BASH_ENV (src/lib/bash-env.ts writeExports with null values). */
  writeExports(entries: Record<string, null>): void;
}

/** The directories under ~/.aws-oidc that the orb makes; each goes when it is empty, then ~/.aws-oidc itself. */
const ORB_DIRS = ['jobs', 'profiles', 'ecr', 'bin', 'results', 'runtime', 'node'];

/** Records of one kind, by their first field (a file), in the order first seen. */
function byFile<T>(entries: readonly Written[], kind: Written[0], pick: (e: readonly string[]) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const e of entries) {
    if (e[0] !== kind) continue;
    const file = resolve(e[1]);
    out.set(file, [...(out.get(file) ?? []), pick(e)]);
  }
  return out;
}

/** Runs `what`, turning a Refused (or an OrbError of the file helpers) into a line of the report instead of a failure. */
function attempt(t: Tally, what: () => void): void {
  try {
    what();
  } catch (err) {
    if (err instanceof Refused || err instanceof OrbError) t.refused.push(err.message);
    else throw err;
  }
}

/** The [sections] of the AWS config and credentials files: only the two files this step's environment names. */
function cleanProfiles(env: Env, entries: readonly Written[], t: Tally): void {
  const paths = awsFilePaths(env);
  const allowed = new Set([resolve(paths.config), resolve(paths.credentials)]);
  for (const [file, headers] of byFile(entries, 'ini', (e) => e[2] as string)) {
    if (!allowed.has(file)) {
      t.refused.push(`${file} is not the AWS config or credentials file of this step (${[...allowed].join(', ')}); set AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE for the whole job`);
      continue;
    }
    attempt(t, () => { for (const h of cleanIniFile(file, headers)) t.profiles.add(h.replace(/^profile /, '')); });
  }
}

/** docker's config.json: only the one of clean-up's docker-config. */
function cleanDocker(p: CleanUpParams, entries: readonly Written[], t: Tally): void {
  const own = resolve(p.dockerConfig, 'config.json');
  for (const [file, list] of byFile(entries, 'docker', (e) => ({ key: e[2] as 'credHelpers' | 'auths', host: e[3] as string }))) {
    if (file !== own) {
      t.refused.push(`${file} is not the docker config of this step (${own}); give clean-up the docker-config that ecr-login used`);
      continue;
    }
    attempt(t, () => {
      const done = cleanDockerConfig(file, list, HELPER_NAME);
      for (const h of done.credHelpers) t.helpers.add(h);
      for (const h of done.auths) t.logins.add(h);
    });
  }
}

/** The orb's own files: JSON maps and whole files under ~/.aws-oidc, and result files. */
function cleanFiles(p: CleanUpParams, env: Env, entries: readonly Written[], t: Tally): void {
  const home = orbHome(env);
  for (const [file, keys] of byFile(entries, 'map', (e) => e[2] as string)) {
    attempt(t, () => {
      checkedUnder(home, file);
      t.records += cleanJsonMap(file, keys).length;
    });
  }
  for (const e of entries) {
    if (e[0] !== 'file') continue;
    if (p.keepResults && isResult(env, e[1])) t.kept.add('results (keep-results)');
    else attempt(t, () => { if (removeOrbFile(env, e[1])) t.files += 1; });
  }
}

/** The runtime and Node.js under ~/.aws-oidc, unless kept. */
function cleanCaches(p: CleanUpParams, env: Env, entries: readonly Written[], t: Tally): void {
  const home = orbHome(env);
  for (const e of entries) {
    if (e[0] === 'runtime' && p.keepRuntime) t.kept.add('the runtime (keep-runtime)');
    else if (e[0] === 'runtime') {
      attempt(t, () => {
        const file = join(home, 'runtime', `${e[1]}.cjs`);
        const removed = [removeFileUnder(home, file), removeFileUnder(home, `${file}.cache`)].some(Boolean);
        if (removed && e[1] !== 'clean-up') t.runtimes.add(e[1]);
      });
    } else if (e[0] === 'node' && p.keepNode) t.kept.add(`Node.js ${e[1]} (keep-node)`);
    else if (e[0] === 'node') attempt(t, () => { if (removeTreeUnder(home, join(home, 'node', e[1]))) t.nodes.push(e[1]); });
  }
}

/** `unset` lines in $BASH_ENV for the AWS_* variables the steps exported. */
function unsetExports(env: Env, deps: CleanUpDeps, entries: readonly Written[], t: Tally): void {
  const names = entries.filter((e) => e[0] === 'export').map((e) => e[1]);
  if (names.length === 0) return;
  if (!env.BASH_ENV) {
    t.refused.push(`BASH_ENV is not set, so ${names.join(', ')} could not be unset for later steps`);
    return;
  }
  attempt(t, () => {
    deps.writeExports(Object.fromEntries(names.map((n) => [n, null])));
    t.unset.push(...names);
  });
}

/** Removes the orb's directories under ~/.aws-oidc that are empty now, and ~/.aws-oidc when it is; links are left. */
export function removeEmptyOrbDirs(env: Env): void {
  const home = orbHome(env);
  for (const dir of [...ORB_DIRS.map((d) => join(home, d)), home]) {
    try {
      if (lstatSync(dir).isDirectory()) rmdirSync(dir);
    } catch {
      // not there, not empty, or not a directory: left as it is
    }
  }
}

/**
 * Removes what this job's manifest lists, prints one line of what went (and one line for each thing left, with
 * why), and removes the manifest. A second run finds no manifest and removes nothing. Rejects with an OrbError
 * after the rest is done when anything was refused (a link, a path outside the orb's places, a bad record).
 */
export function run(p: CleanUpParams, deps: CleanUpDeps): Tally {
  const { env, log } = deps;
  const t = emptyTally();
  const taken = takeManifests(env, deps.pid);
  if (!taken) {
    log.info(env.CIRCLE_WORKFLOW_JOB_ID ? 'clean-up: nothing to remove: no orb step recorded anything in this job since the last clean-up'
      : 'clean-up: nothing to remove: CIRCLE_WORKFLOW_JOB_ID is not set, so no step recorded what it wrote');
    return t;
  }
  const { entries, bad } = parseManifest(taken.text);
  for (const n of bad) t.refused.push(`line ${n} of the job's manifest is not a record clean-up knows`);
  cleanProfiles(env, entries, t);
  cleanDocker(p, entries, t);
  cleanFiles(p, env, entries, t);
  unsetExports(env, deps, entries, t);
  cleanCaches(p, env, entries, t);
  taken.done();
  removeEmptyOrbDirs(env);
  log.info(summary(t));
  for (const r of t.refused) log.info(`  not removed: ${r}`);
  if (t.refused.length > 0) {
    throw new OrbError(`clean-up left ${t.refused.length} of the things the orb wrote in this job (listed above)`,
      'remove them by hand; a link or a path outside ~/.aws-oidc in the manifest means something else wrote there');
  }
  return t;
}
