// Helpers for the wrapper tests: run a generated wrapper in bash with a chosen PATH and HOME, and a local
// stand-in for nodejs.org/dist for install-node.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a wrapper run gave. */
export interface Ran { status: number | null; stdout: string; stderr: string }

/**
 * A fresh directory with `bin` (bash, plus the given programs: `null` links this machine's node, a string
 * is the text of a script) and `home`. Nothing else is on the PATH the wrapper gets.
 */
export function sandbox(programs: Record<string, string | null>): { dir: string; bin: string; home: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wrapper-'));
  const bin = join(dir, 'bin');
  const home = join(dir, 'home');
  mkdirSync(bin);
  mkdirSync(home);
  symlinkSync('/bin/bash', join(bin, 'bash'));
  for (const [name, body] of Object.entries(programs)) {
    if (body === null) symlinkSync(process.execPath, join(bin, name));
    else { writeFileSync(join(bin, name), body); chmodSync(join(bin, name), 0o755); }
  }
  return { dir, bin, home };
}

/** Runs `script` with bash -eo pipefail, PATH only `bin` and the given HOME (and extra environment). */
export function runIn(box: { dir: string; bin: string; home: string }, script: string, env: Record<string, string> = {}): Ran {
  const file = join(box.dir, `step-${process.hrtime.bigint()}.sh`);
  writeFileSync(file, script);
  const r = spawnSync('/bin/bash', ['-eo', 'pipefail', file], { env: { PATH: box.bin, HOME: box.home, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a wrapper once in a fresh sandbox. */
export function runWrapper(script: string, programs: Record<string, string | null>): Ran {
  return runIn(sandbox(programs), script);
}

/** Like runIn, without blocking (for concurrent runs, and for servers living in this process). */
export function runInAsync(box: { dir: string; bin: string; home: string }, script: string, env: Record<string, string> = {}): Promise<Ran> {
  const file = join(box.dir, `step-${process.hrtime.bigint()}.sh`);
  writeFileSync(file, script);
  return new Promise((resolve) => {
    execFile('/bin/bash', ['-eo', 'pipefail', file], { env: { PATH: box.bin, HOME: box.home, ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A local stand-in for nodejs.org/dist: serves files from `root` and logs each request path. */
export async function startMirror(root: string): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = join(root, path);
    if (path.includes('..') || !existsSync(file)) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the mirror has no port');
  return { url: `http://127.0.0.1:${address.port}`, requests, server };
}

/** Runs a wrapper without blocking (the mirror answers from this process) and with only `tools` on PATH. */
export function runAsync(script: string, home: string, tools: string[], env: Record<string, string>): Promise<Ran & { status: number }> {
  const bin = mkdtempSync(join(home, '..', 'bin-'));
  for (const tool of tools) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (!found) throw new Error(`${tool} is not on this machine's PATH; the install-node test needs it`);
    symlinkSync(found, join(bin, tool));
  }
  const file = join(bin, '..', 'step.sh');
  writeFileSync(file, script);
  return new Promise((resolve) => {
    execFile('/bin/bash', ['-eo', 'pipefail', file], { env: { PATH: bin, HOME: home, ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
