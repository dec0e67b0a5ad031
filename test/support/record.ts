// What every generated record (docs/benchmarks.md, docs/reliability.md, docs/mutation.md) says about its
// run: the commit it measured and the machine it ran on, so a reader can tell a stale record.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';

/** Every record a tool writes, with the command that writes it; test/docs/records.test.ts holds each to the code it measured. */
export const RECORDS: readonly { file: string; command: string }[] = [
  { file: 'docs/benchmarks.md', command: 'npm run bench' },
  { file: 'docs/reliability.md', command: 'npm run reliability' },
  { file: 'docs/mutation.md', command: 'npm run mutation' },
];

const DIRTY = ' (with uncommitted changes)';

/**
 * HEAD's full commit id, marked `(with uncommitted changes)` when tracked files differ from it. The records
 * themselves do not count: a run always rewrites its own, and the tools run one after another.
 */
export function headCommit(): string {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
  const pathspec = ['--', '.', ...RECORDS.map((r) => `:!${r.file}`)];
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', ...pathspec], { encoding: 'utf8' }).stdout.trim() !== '';
  return dirty ? `${head}${DIRTY}` : head;
}

/** What a run line says: the day (YYYY-MM-DD), headCommit(), the run's seconds, machineLine(), and what else a tool adds. */
export interface RunInfo { date: string; commit: string; seconds: number; machine: string; more?: string }

/** The one line every record carries: `Run: <date>, commit \`<id>\`, <n> s<more>. Machine: <machine>.` */
export const runLine = (r: RunInfo): string =>
  `Run: ${r.date}, commit \`${r.commit}\`, ${r.seconds.toFixed(0)} s${r.more ?? ''}. Machine: ${r.machine}.`;

/** The commit (40 hex digits), whether the tree had other changes, and the machine of a record's run line; undefined without one. */
export function recordedRun(text: string): { commit: string; dirty: boolean; machine: string } | undefined {
  const m = /^Run: \d{4}-\d{2}-\d{2}, commit `([0-9a-f]{40})( \(with uncommitted changes\))?`, \d+ s[^\n]*?\. Machine: ([^\n]+)\.$/m.exec(text);
  return m ? { commit: m[1] as string, dirty: m[2] !== undefined, machine: m[3] as string } : undefined;
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) return `${pretty}, ${type()} ${release()}`;
  } catch { /* not Linux, or no os-release: the kernel line alone */ }
  return `${type()} ${release()}`;
}

function dockerEngine(): string {
  try {
    return `docker engine ${execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()}`;
  } catch {
    return 'no docker engine';
  }
}

/** One line: cores, CPU, memory, OS, Node and the docker engine. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${osName()}, Node ${process.version}, ${dockerEngine()}`;
}
