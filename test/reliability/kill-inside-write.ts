// Lands a SIGKILL inside a write, not at a random moment: the writer runs as a child, its file's directory is
// watched (inotify, through fs.watch), and when the file's temp file appears or the file itself changes the child is
// SIGSTOPped. Once it is stopped (nothing it does can finish any more) the directory is looked at: a temp file of the
// file means the child is between creating it and renaming it over the file, inside the write, and it is SIGKILLed
// there; a file changed in place (no temp file) is killed too and reported so; anything else (the write ended before
// the stop) lets it go on (SIGCONT) to the next write. Linux only (/proc/<pid>/stat). As a program, for a job's step:
//   node kill-inside-write.cjs <dir> <file> [--skip N] [--min-growth BYTES] -- <command> [args...]
// prints `landed: inside`, `landed: in place` or `landed: none` (the child ended without a stop inside a write).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';

/** Where the kill landed: inside an atomic write (its temp file existed), on a file being changed in place, or nowhere. */
export type Landed = 'inside' | 'in place' | 'none';

/** Which write to kill: of `file` in `dir`, after `skip` earlier temp files of it, or once the file grew `minGrowth` bytes. */
export interface KillPlan { dir: string; file: string; skip?: number | undefined; minGrowth?: number | undefined }

/** The names src/lib/files.ts gives the temp file of `file`: `.<file>.<12 hex>.tmp`. */
export const tempPattern = (file: string): RegExp => new RegExp(`^\\.${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9a-f]{12}\\.tmp$`);

const readOr = (path: string): Buffer => { try { return readFileSync(path); } catch { return Buffer.alloc(0); } };
const sizeOf = (path: string): number => { try { return statSync(path).size; } catch { return 0; } };

/** The state letter of /proc/<pid>/stat (after the command name, which may hold spaces and parentheses). */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/**
 * After SIGSTOP: waits until the kernel has stopped `pid` (state T), so that it cannot take one more step; false when
 * it ended instead (a zombie, or gone). SIGSTOP cannot be caught or ignored, so one of the two always comes.
 */
function stopped(pid: number): boolean {
  for (;;) {
    const state = procState(pid);
    if (state === 'T' || state === 't') return true;
    if (state === undefined || state === 'Z' || state === 'X') return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
  }
}

/** Where the kill landed, how often the child was stopped, and, inside an atomic write, how many temp files of the file came before the one it was killed with (the 0-based number of the write). */
export interface KillResult { landed: Landed; stops: number; nth: number | undefined }

/**
 * Runs `command` and kills it inside a write of `plan.file` (see the top of this file). Resolves once the child has
 * ended ('none' when it ran to its end).
 */
export function killInsideWrite(plan: KillPlan, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<KillResult> {
  const path = join(plan.dir, plan.file);
  const temp = tempPattern(plan.file);
  const old = readOr(path);
  const before = new Set(readdirSync(plan.dir).filter((n) => temp.test(n)));
  return new Promise((resolve, reject) => {
    const watcher = watch(plan.dir);
    const child = spawn(command, args, { env, stdio: 'ignore' });
    let landed: Landed = 'none';
    let stops = 0;
    let nth: number | undefined;
    const seen = new Set<string>();
    watcher.on('change', (event, name) => {
      const pid = child.pid;
      if (landed !== 'none' || pid === undefined || typeof name !== 'string') return;
      const isTemp = temp.test(name) && !before.has(name);
      const changed = name === plan.file && event === 'change';
      if (!isTemp && !changed) return;
      if (isTemp) seen.add(name);
      if (isTemp && seen.size <= (plan.skip ?? 0)) return;
      if (changed && plan.minGrowth !== undefined && sizeOf(path) - old.length < plan.minGrowth) return;
      try {
        process.kill(pid, 'SIGSTOP');
      } catch {
        return; // it has ended (and was reaped) meanwhile
      }
      stops++;
      if (!stopped(pid)) return;
      const inFlight = readdirSync(plan.dir).find((n) => temp.test(n) && !before.has(n));
      if (inFlight) {
        landed = 'inside';
        nth = seen.has(inFlight) ? [...seen].indexOf(inFlight) : seen.size;
      } else if (changed && !readOr(path).equals(old)) landed = 'in place';
      process.kill(pid, landed === 'none' ? 'SIGCONT' : 'SIGKILL');
    });
    watcher.on('error', reject);
    child.on('error', (err) => { watcher.close(); reject(err); });
    child.on('exit', () => { watcher.close(); resolve({ landed, stops, nth }); });
  });
}

/** The program: argv as at the top of this file. */
async function main(argv: string[]): Promise<void> {
  const dash = argv.indexOf('--');
  const [dir, file, ...opts] = argv.slice(0, dash);
  const [command, ...args] = argv.slice(dash + 1);
  if (dash < 0 || !dir || !file || !command) throw new Error('usage: kill-inside-write <dir> <file> [--skip N] [--min-growth BYTES] -- <command> [args...]');
  const opt = (name: string) => { const i = opts.indexOf(name); return i < 0 ? undefined : Number(opts[i + 1]); };
  const { KILL_INSIDE_WRITE: _self, ...env } = process.env;
  const { landed } = await killInsideWrite({ dir, file, skip: opt('--skip'), minGrowth: opt('--min-growth') }, command, args, env);
  process.stdout.write(`landed: ${landed}\n`);
}

if (process.env.KILL_INSIDE_WRITE === '1') {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`kill-inside-write: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
}
