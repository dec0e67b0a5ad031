// Helpers for the wrapper tests: run a generated wrapper in a shell (bash, dash, busybox ash) with a chosen PATH
// and HOME. The https stand-in for nodejs.org/dist is in node-mirror.ts.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a wrapper run gave. */
export interface Ran { status: number | null; stdout: string; stderr: string }

/** A sandbox: `bin` is the whole PATH, `home` the HOME. */
export interface Box { dir: string; bin: string; home: string }

/** The shells the wrappers run in, as a step's shell would start them. */
export const SHELLS = {
  bash: ['/bin/bash', '-eo', 'pipefail'],
  // Debian 12's dash (0.5.12) refuses `-o pipefail`, so dash steps run with -e only.
  dash: ['/bin/sh', '-e'],
  busybox: ['/usr/bin/busybox', 'sh', '-eo', 'pipefail'],
} as const;
/** A shell of SHELLS. */
export type Shell = keyof typeof SHELLS;

/** The programs every wrapper uses on any system: uname (Windows check), id and ls (directory checks), mkdir. */
export const BASE_TOOLS = ['uname', 'id', 'ls', 'mkdir'];

/** Where this machine has `tool`, or a thrown error naming it. */
export function which(tool: string): string {
  const found = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`${tool} is not on this machine's PATH; the wrapper tests need it`);
  return found;
}

/**
 * A fresh directory with `bin` (bash, the given tools of this machine, and the given programs: `null` links this
 * machine's node, a string is the text of a script) and `home`. Nothing else is on the PATH the wrapper gets.
 */
export function sandbox(programs: Record<string, string | null>, tools: readonly string[] = BASE_TOOLS): Box {
  const dir = mkdtempSync(join(tmpdir(), 'wrapper-'));
  const bin = join(dir, 'bin');
  const home = join(dir, 'home');
  mkdirSync(bin);
  mkdirSync(home);
  for (const tool of new Set(['bash', ...tools])) if (!(tool in programs)) symlinkSync(which(tool), join(bin, tool));
  for (const [name, body] of Object.entries(programs)) {
    if (body === null) symlinkSync(process.execPath, join(bin, name));
    else { writeFileSync(join(bin, name), body); chmodSync(join(bin, name), 0o755); }
  }
  return { dir, bin, home };
}

function stepFile(box: Box, script: string): string {
  const file = join(box.dir, `step-${process.hrtime.bigint()}.sh`);
  writeFileSync(file, script);
  return file;
}

/** Runs `script` in `shell` (bash -eo pipefail by default), PATH only `bin` and the given HOME (and extra environment). */
export function runIn(box: Box, script: string, env: Record<string, string> = {}, shell: Shell = 'bash'): Ran {
  const [cmd, ...args] = SHELLS[shell];
  const r = spawnSync(cmd, [...args, stepFile(box, script)], { env: { PATH: box.bin, HOME: box.home, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a wrapper once in a fresh sandbox. */
export function runWrapper(script: string, programs: Record<string, string | null>): Ran {
  return runIn(sandbox(programs), script);
}

/** Like runIn, without blocking (for concurrent runs, and for servers living in this process). */
export function runInAsync(box: Box, script: string, env: Record<string, string> = {}, shell: Shell = 'bash'): Promise<Ran & { status: number }> {
  const [cmd, ...args] = SHELLS[shell];
  return new Promise((resolve) => {
    execFile(cmd, [...args, stepFile(box, script)], { env: { PATH: box.bin, HOME: box.home, ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A fake `uname` answering -s and -m as given (the wrapper asks nothing else). */
export const fakeUname = (system: string, machine: string): string =>
  `#!/bin/sh\ncase "$1" in -s) echo '${system}' ;; -m) echo '${machine}' ;; *) echo '${system}' ;; esac\n`;
