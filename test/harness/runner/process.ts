// Running one step's shell process: stdout and stderr on one pipe, its own process group,
// CircleCI's no-output timeout.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** A started step process. */
export interface StepProcess {
  /** Resolves when the process ends: exit code (128+signal when killed), or null if timed out. */
  done: Promise<{ exitCode: number | null; timedOut: boolean }>;
  /** Ends the whole process group (background steps at job end). */
  kill(): void;
}

/** The step processes running now, each with the way to end its group at once. */
const live = new Map<StepProcess, () => void>();
/** Set by endRunningSteps: the runner is stopping, so no step starts after it (a job would go on to its next step). */
let ending = false;

/**
 * Ends every running step's whole process group (its shell and what that started, e.g. a `sleep`): SIGTERM, then
 * SIGKILL for those still there after `graceMs` (milliseconds); no step of this process starts after it. For a runner that is itself told to stop (the demo on
 * SIGINT/SIGTERM/SIGHUP): the groups are detached from the runner's, so they would outlive it.
 */
export async function endRunningSteps(graceMs = 2000): Promise<void> {
  ending = true;
  const all = [...live.entries()];
  for (const [proc] of all) proc.kill();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((r) => { timer = setTimeout(r, graceMs); });
  await Promise.race([Promise.all(all.map(([proc]) => proc.done)), late]);
  clearTimeout(timer);
  for (const [proc, kill] of all) if (live.has(proc)) kill();
}

/** Parses CircleCI durations like 10m, 1.25h, 30s, 1h30m; undefined gives the 10m default. */
export function parseDuration(v: string | undefined): number {
  if (v === undefined) return 10 * 60_000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = v.trim();
  const part = /^(\d+(?:\.\d+)?)(ms|h|m|s)/;
  if (!part.test(rest)) throw new Error(`Invalid duration: ${v}`);
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) throw new Error(`Invalid duration: ${v}`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** CircleCI shows the limit as Go prints a duration, e.g. 10m0s. */
function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s % 60}s`;
}

/**
 * Starts `argv` with exactly `env` (nothing from the host), in `cwd`, stdin closed.
 * `/bin/sh -c 'exec "$@" 2>&1'` puts stderr on stdout's pipe before exec'ing the real shell, so
 * the output keeps the order the program wrote it in; dash reads no startup files, so BASH_ENV
 * is sourced once, by the step's own bash.
 */
export function startProcess(
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; noOutputTimeoutMs?: number; onChunk: (s: string) => void },
): StepProcess {
  if (ending) {
    opts.onChunk('not started: the runner is stopping\n');
    return { done: Promise.resolve({ exitCode: 130, timedOut: false }), kill: () => {} };
  }
  const child = spawn('/bin/sh', ['-c', 'exec "$@" 2>&1', 'sh', ...argv], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  const killGroup = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // The group is already gone.
    }
  };
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (opts.noOutputTimeoutMs === undefined) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      opts.onChunk(`\nToo long with no output (exceeded ${goDuration(opts.noOutputTimeoutMs!)}): context deadline exceeded\n`);
      killGroup('SIGKILL');
    }, opts.noOutputTimeoutMs);
  };
  arm();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => {
    arm();
    opts.onChunk(s);
  });
  const done = new Promise<{ exitCode: number | null; timedOut: boolean }>((resolve) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      opts.onChunk(`${e.message}\n`);
      resolve({ exitCode: 127, timedOut: false });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return resolve({ exitCode: null, timedOut: true });
      const bySignal = signal ? 128 + (constants.signals[signal] ?? 0) : null;
      resolve({ exitCode: code ?? bySignal, timedOut: false });
    });
  });
  const proc: StepProcess = {
    done,
    kill: () => {
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    },
  };
  live.set(proc, () => killGroup('SIGKILL'));
  void done.then(() => live.delete(proc));
  return proc;
}
