// The reference runtime of the bench: release 0.1.0's generated step scripts, built from git.
// The commit's tree is exported with `git archive` into a temporary directory (removed afterwards, even on
// failure or Ctrl-C), given dependencies (the current node_modules when the lockfile is the same blob,
// else `npm ci --offline` from the npm cache), built with its own `npm run build`, and its
// src/orb/scripts/*.sh are kept under .tmp/bench-0.1.0/<commit>/, so later runs reuse them.
import { execFile, execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Release 0.1.0 (the repository has no tags). */
export const BASELINE = { label: '0.1.0', commit: 'f21f8fcb175162568a5ffc0b53e930fe32beb21c' } as const;

const CACHE_ROOT = resolve('.tmp/bench-0.1.0');
const MANIFEST = 'manifest.json';

/** Where the reference scripts are, and how they were obtained. */
export interface Baseline { label: string; commit: string; scripts: string; origin: string }

interface Manifest { commit: string; scripts: string[]; deps: string; buildSeconds: number }

/** A signal that came during the build, and the command then running (it is stopped, then the temp tree removed). */
const build: { interrupted?: NodeJS.Signals; running?: ChildProcess } = {};

/** Runs a command to its end; resolves to its exit status and its output (stdout then stderr). */
function run(file: string, args: readonly string[], cwd: string): Promise<{ status: number; out: string }> {
  return new Promise((done) => {
    if (build.interrupted) return done({ status: -1, out: `interrupted by ${build.interrupted}` });
    build.running = execFile(file, args, { cwd, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      delete build.running;
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : -1; // -1: it did not start, or was stopped
      done({ status, out: `${stdout}${stderr}${status === -1 ? String(err?.message) : ''}` });
    });
  });
}

function git(args: readonly string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Fails with what to do when the commit is not in this clone (a shallow clone, a source archive). */
export function requireCommit(commit: string): void {
  const found = spawnSync('git', ['cat-file', '-e', `${commit}^{commit}`], { stdio: 'ignore' });
  if (found.status === 0) return;
  const shallow = spawnSync('git', ['rev-parse', '--is-shallow-repository'], { encoding: 'utf8' });
  const why = shallow.status !== 0 ? 'this directory is not a git clone (or git is missing)'
    : shallow.stdout.trim() === 'true' ? 'this is a shallow clone' : 'the commit is not in this clone';
  throw new Error(`release ${BASELINE.label} (commit ${commit}) cannot be built for the comparison: ${why}.\n`
    + '  fix: run the bench in a clone with the full history of main (`git fetch --unshallow origin`, or `git clone` without --depth)');
}

/** The cached scripts of a commit, when a complete earlier build left them. */
function cached(dir: string, commit: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
    return m.commit === commit && m.scripts.length > 0 && m.scripts.every((s) => existsSync(join(dir, s))) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Gives the exported tree its dependencies; says which way. */
async function installDeps(tree: string, commit: string): Promise<string> {
  const same = git(['rev-parse', `${commit}:package-lock.json`]) === git(['hash-object', 'package-lock.json']);
  if (same && existsSync('node_modules')) {
    symlinkSync(resolve('node_modules'), join(tree, 'node_modules'), 'dir');
    return 'same lockfile, so the current node_modules';
  }
  const args = ['ci', '--no-audit', '--no-fund', '--loglevel=error'];
  const offline = await run('npm', [...args, '--offline'], tree);
  if (offline.status === 0) return 'npm ci --offline';
  console.error(`bench: npm ci --offline for ${BASELINE.label} failed (${offline.out.trim().split('\n').pop() ?? ''}); trying --prefer-offline`);
  const online = await run('npm', [...args, '--prefer-offline'], tree);
  if (online.status !== 0) throw new Error(`npm ci for ${BASELINE.label} failed (${online.status}):\n${online.out.slice(-2000)}`);
  return 'npm ci --prefer-offline';
}

/** Exports, installs and builds the commit in `tree`; returns how its dependencies came. */
async function buildTree(tree: string, commit: string): Promise<string> {
  const tar = `${tree}.tar`;
  for (const [file, args, cwd] of [['git', ['archive', '--format=tar', '-o', tar, commit], '.'], ['tar', ['-xf', tar, '-C', tree], '.']] as const) {
    const r = await run(file, args, cwd);
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status}): ${r.out.slice(-1000)}`);
  }
  const deps = await installDeps(tree, commit);
  const build = await run('npm', ['run', 'build', '--silent'], tree);
  if (build.status !== 0) throw new Error(`npm run build of ${BASELINE.label} failed (${build.status}):\n${build.out.slice(-2000)}`);
  return deps;
}

/**
 * Runs `fn` with a fresh temporary directory that is removed afterwards, also on an exception. On SIGINT or
 * SIGTERM the running command is stopped first, so nothing writes into the directory while it goes, and the
 * signal is raised again once it is gone.
 */
async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const onSignal = (signal: NodeJS.Signals): void => {
    build.interrupted = signal;
    build.running?.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(dir);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    if (build.interrupted) process.kill(process.pid, build.interrupted);
  }
}

/** Copies the built scripts and their manifest into a staging directory beside the cache entry (same file system). */
function stage(built: string, manifest: Omit<Manifest, 'scripts'>): { dir: string; manifest: Manifest } {
  const scripts = readdirSync(built).filter((f) => f.endsWith('.sh')).sort();
  if (scripts.length === 0) throw new Error(`npm run build of ${BASELINE.label} wrote no src/orb/scripts/*.sh`);
  mkdirSync(CACHE_ROOT, { recursive: true });
  const dir = mkdtempSync(join(CACHE_ROOT, `${manifest.commit}.partial-`));
  for (const s of scripts) copyFileSync(join(built, s), join(dir, s));
  const full = { ...manifest, scripts };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(full, null, 2)}\n`);
  return { dir, manifest: full };
}

/** Builds the commit in a temporary tree and moves its scripts into the cache entry `dir` in one rename. */
async function buildIntoCache(dir: string, commit: string): Promise<Manifest> {
  const t0 = Date.now();
  return withTempDir('bench-baseline-', async (tmp) => {
    const tree = join(tmp, 'tree');
    mkdirSync(tree);
    const deps = await buildTree(tree, commit);
    const staged = stage(join(tree, 'src/orb/scripts'), { commit, deps, buildSeconds: (Date.now() - t0) / 1000 });
    try {
      rmSync(dir, { recursive: true, force: true });
      renameSync(staged.dir, dir);
    } catch (err) {
      if (!cached(dir, commit)) throw err; // else another bench run cached the same commit meanwhile
    } finally {
      rmSync(staged.dir, { recursive: true, force: true });
    }
    return staged.manifest;
  });
}

/** Release 0.1.0's scripts: from the cache, else built from git now. */
export async function baselineScripts(): Promise<Baseline> {
  const { label, commit } = BASELINE;
  const dir = join(CACHE_ROOT, commit);
  const hit = cached(dir, commit);
  if (hit) return { label, commit, scripts: dir, origin: `from the cache in .tmp/bench-0.1.0/ (built from git in ${hit.buildSeconds.toFixed(1)} s, ${hit.deps})` };
  requireCommit(commit);
  console.log(`bench: building release ${label} (${commit.slice(0, 7)}) from git...`);
  const m = await buildIntoCache(dir, commit);
  return { label, commit, scripts: dir, origin: `built from git in ${m.buildSeconds.toFixed(1)} s (${m.deps})` };
}
