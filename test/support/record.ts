// What every generated record (docs/benchmarks.md, docs/reliability.md, docs/mutation.md) says about its
// run: the commit it measured and the machine it ran on, so a reader can tell a stale record.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';

/**
 * HEAD's full commit id, marked `(with uncommitted changes)` when tracked files other than `record`
 * (the page being written, which a run always changes) differ from it.
 */
export function headCommit(record?: string): string {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
  const pathspec = record ? ['--', '.', `:!${record}`] : [];
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', ...pathspec], { encoding: 'utf8' }).stdout.trim() !== '';
  return dirty ? `${head} (with uncommitted changes)` : head;
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
