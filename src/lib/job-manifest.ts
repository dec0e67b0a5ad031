// The job's manifest: what the orb's steps wrote in this job, for the clean-up command (src/commands/clean-up/).
// One JSON array a line in ~/.aws-oidc/jobs/<CIRCLE_WORKFLOW_JOB_ID>, 0600, each record one O_APPEND write,
// so steps running at the same moment never lose each other's lines. No secrets: names and paths only.
import { closeSync, constants, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OrbError } from './errors.ts';
import type { Env } from './params.ts';

/**
 * One thing a step wrote, as its line in the manifest:
 * - `['ini', file, header]`: a [section] of an AWS config or credentials file;
 * - `['docker', file, 'credHelpers' | 'auths', host]`: an entry of docker's config.json;
 * - `['map', file, key]`: a key of one of the orb's JSON maps under ~/.aws-oidc (the ECR registry map);
 * - `['file', path]`: a whole file under ~/.aws-oidc or in the results directory;
 * - `['export', name]`: an AWS_* variable exported to $BASH_ENV;
 * - `['runtime', command]`: ~/.aws-oidc/runtime/<command>.cjs and its code cache (the wrapper's loader);
 * - `['node', version]`: ~/.aws-oidc/node/<version> (the wrapper's install-node, tools/sh/install-node.sh).
 */
export type Written =
  | readonly ['ini', string, string]
  | readonly ['docker', string, 'credHelpers' | 'auths', string]
  | readonly ['map', string, string]
  | readonly ['file', string]
  | readonly ['export', string]
  | readonly ['runtime', string]
  | readonly ['node', string];

/** CircleCI's job id (a UUID) names the manifest; anything else is not taken into a path. */
const JOB_ID = /^[A-Za-z0-9-]{1,200}$/;

/** The directory of the manifests: ~/.aws-oidc/jobs. */
export const manifestDir = (env: Env): string => join(env.HOME || '.', '.aws-oidc', 'jobs');

/** This job's manifest, ~/.aws-oidc/jobs/<CIRCLE_WORKFLOW_JOB_ID>; undefined outside a CircleCI job (nothing is recorded then). */
export function manifestPath(env: Env): string | undefined {
  const id = env.CIRCLE_WORKFLOW_JOB_ID ?? '';
  return JOB_ID.test(id) ? join(manifestDir(env), id) : undefined;
}

/**
 * Appends `entries` to this job's manifest in one O_APPEND write, before the step writes them (a crash in
 * between leaves a line for something that is not there, which clean-up passes over). The file is made 0600
 * in a 0700 directory; it must be this user's regular file, not a symbolic link, and writable by no one else,
 * since its lines say what clean-up removes: else an OrbError. Outside a CircleCI job (no
 * CIRCLE_WORKFLOW_JOB_ID) nothing is recorded. Every bundle carries this, so it is kept short.
 */
export function recordWritten(env: Env, entries: readonly Written[]): void {
  const path = manifestPath(env);
  if (!path || entries.length === 0) return;
  const refusal = () => new OrbError(`refusing to record what this step writes in ${path}: it must be a regular file (not a link) that only this user may write`,
    `remove ${path} and run the step again`);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw (err as NodeJS.ErrnoException).code === 'ELOOP' ? refusal() : err;
  }
  try {
    const st = fstatSync(fd);
    const data = Buffer.from(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    if (!st.isFile() || st.mode & 0o022 || st.uid !== (process.getuid?.() ?? st.uid) || writeSync(fd, data) !== data.length) throw refusal();
  } finally {
    closeSync(fd);
  }
}
