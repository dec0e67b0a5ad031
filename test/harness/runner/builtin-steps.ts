// The non-run steps, done locally: checkout, workspaces and (when the rig gives an engine) setup_remote_docker
// for real, the rest logged and skipped.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { ExpandedStep, StepKind } from './types.ts';

/** The titles CircleCI's UI gives these steps when they have no name. */
export const BUILTIN_TITLES: Record<Exclude<StepKind, 'run'>, string> = {
  checkout: 'Checkout code',
  setup_remote_docker: 'Setup a remote Docker engine',
  persist_to_workspace: 'Persisting to Workspace',
  attach_workspace: 'Attaching Workspace',
  save_cache: 'Saving Cache',
  restore_cache: 'Restoring Cache',
  store_artifacts: 'Uploading artifacts',
  store_test_results: 'Uploading test results',
  add_ssh_keys: 'Installing additional ssh keys',
};

/** What a built-in step may touch. */
export interface BuiltinEnv {
  /** The job's temporary base: every path the job names stays under it. */
  base: string;
  home: string;
  workingDirectory: string;
  env: Record<string, string>;
  checkoutSource?: string;
  workspaceDir?: string;
  /** See RunOptions.remoteDocker. */
  remoteDocker?: Record<string, string>;
}

/**
 * Resolves a config path inside the job's temporary base `io.base`, never on the host as is: `~` is HOME, relative
 * paths are under the job's working directory, and an absolute path P (working_directory, checkout's path,
 * attach_workspace's at) becomes `<base>/root/P`. Throws one line when `..` would leave the base.
 */
export function jobPath(p: string, io: { base: string; home: string; workingDirectory: string }): string {
  let full: string;
  if (p === '~') full = io.home;
  else if (p.startsWith('~/')) full = resolve(io.home, p.slice(2));
  else full = isAbsolute(p) ? join(io.base, 'root', resolve('/', p)) : resolve(io.workingDirectory, p);
  return inside(io.base, full, p);
}

/** `full` when it is `base` or under it; else throws one line naming the path `given`. */
function inside(base: string, full: string, given: string): string {
  const rel = relative(base, full);
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
    throw new Error(`path ${JSON.stringify(given)} leaves the job's temporary directory: the local runner keeps every path of a job under it; write it without ".." above the job's directories`);
  }
  return full;
}

function checkout(step: ExpandedStep, io: BuiltinEnv): string {
  const dest = jobPath(typeof step.raw?.path === 'string' ? step.raw.path : '.', io);
  if (existsSync(dest) && readdirSync(dest).length > 0 && !existsSync(join(dest, '.git'))) {
    throw new Error(`Directory (${dest}) you are trying to checkout to is not empty and not a git repository`);
  }
  mkdirSync(dest, { recursive: true });
  if (io.checkoutSource) {
    cpSync(io.checkoutSource, dest, { recursive: true });
    return `Copied the checkout source into ${dest}\n`;
  }
  if (existsSync(join(dest, '.git'))) return `${dest} is a git repository already: left as it is\n`;
  const git = (...args: string[]): void => {
    execFileSync('git', ['-c', 'user.name=rig', '-c', 'user.email=rig@localhost', ...args], {
      cwd: dest,
      env: { PATH: io.env.PATH ?? '', HOME: io.home },
      stdio: 'ignore',
    });
  };
  git('init', '-q');
  git('commit', '-q', '--allow-empty', '-m', 'Initial commit');
  return `Initialized an empty git repository with one commit in ${dest}\n`;
}

function persist(step: ExpandedStep, io: BuiltinEnv): string {
  const raw = step.raw ?? {};
  if (typeof raw.root !== 'string' || !Array.isArray(raw.paths)) throw new Error('persist_to_workspace needs root and paths');
  if (!io.workspaceDir) return 'skipped locally: persist_to_workspace (no workspace directory given)\n';
  const root = jobPath(raw.root, io);
  for (const p of raw.paths.map(String)) {
    if (/[*?[]/.test(p)) throw new Error(`persist_to_workspace: glob patterns are not supported locally (${p})`);
    cpSync(inside(io.base, join(root, p), p), inside(io.workspaceDir, join(io.workspaceDir, p), p), { recursive: true });
  }
  return `Persisted ${raw.paths.length} path(s) from ${root}\n`;
}

function attach(step: ExpandedStep, io: BuiltinEnv): string {
  const at = step.raw?.at;
  if (typeof at !== 'string') throw new Error('attach_workspace needs at');
  if (!io.workspaceDir) return 'skipped locally: attach_workspace (no workspace directory given)\n';
  const dest = jobPath(at, io);
  mkdirSync(dest, { recursive: true });
  if (existsSync(io.workspaceDir)) cpSync(io.workspaceDir, dest, { recursive: true });
  return `Attached the workspace at ${dest}\n`;
}

/** Gives the later steps the variables of the rig's remote engine (they share `io.env`), as CircleCI gives them its engine's. */
function setupRemoteDocker(io: BuiltinEnv): string {
  if (!io.remoteDocker) return 'skipped locally: setup_remote_docker\n';
  Object.assign(io.env, io.remoteDocker);
  return `Remote Docker engine at ${io.remoteDocker.DOCKER_HOST ?? '?'}; set for later steps: ${Object.keys(io.remoteDocker).join(', ')}\n`;
}

/** Runs a non-run step; returns its log text, throws with the message CircleCI would show. */
export function runBuiltin(step: ExpandedStep, io: BuiltinEnv): string {
  switch (step.kind) {
    case 'checkout':
      return checkout(step, io);
    case 'persist_to_workspace':
      return persist(step, io);
    case 'attach_workspace':
      return attach(step, io);
    case 'setup_remote_docker':
      return setupRemoteDocker(io);
    default:
      return `skipped locally: ${step.kind}\n`;
  }
}
