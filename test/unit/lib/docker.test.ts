// The docker CLI as the steps run it, with a stand-in `docker` first on PATH that records its argv, the
// variables it got and where its output goes, and exits as told: argv as data, exits named, buildx detected.
import { chmodSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerOutput, hasBuildx } from '../../../src/lib/docker.ts';
import { rejection } from '../../support/rejection.ts';

let dir: string;
let path: string | undefined;
const record = () => readFileSync(join(dir, 'record'), 'utf8').trim().split('\n');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'docker-cli-'));
  // Exits with the number after "exit-", prints "out" on stdout, and records argv, GREETING and its stdout/stderr.
  writeFileSync(join(dir, 'docker'), [
    '#!/bin/sh',
    'out=$(readlink /proc/$$/fd/1); err=$(readlink /proc/$$/fd/2)',
    `{ printf '%s|' "$@"; echo; echo "GREETING=$GREETING"; echo "$out"; echo "$err"; } > "${dir}/record"`,
    'echo "out $1"',
    'case "$1" in exit-*) exit "${1#exit-}";; "") exit 4;; esac',
    '[ "$1 $2" = "buildx version" ] && [ -z "$NO_BUILDX" ] && exit 0',
    '[ "$1" = buildx ] && exit 1',
    'exit 0', '',
  ].join('\n'));
  chmodSync(join(dir, 'docker'), 0o700);
  path = process.env.PATH;
  process.env.PATH = `${dir}:${path ?? ''}`;
});
afterAll(() => {
  process.env.PATH = path;
  rmSync(dir, { recursive: true, force: true });
});

describe('docker', () => {
  it('passes argv as data (no shell) and the extra variables, with the step\'s output', async () => {
    await docker(['build', '--build-arg', 'A=$(id) ; x', 'ctx dir'], { GREETING: 'hi there' });
    const [argv, greeting, out, err] = record();
    expect(argv).toBe('build|--build-arg|A=$(id) ; x|ctx dir|');
    expect(greeting).toBe('GREETING=hi there');
    expect([out, err]).toEqual([readlinkSync('/proc/self/fd/1'), readlinkSync('/proc/self/fd/2')]);
  });

  it('quiet: the output goes nowhere; the environment is the process\'s', async () => {
    process.env.GREETING = 'from the process';
    try {
      await docker(['version'], {}, true);
    } finally {
      delete process.env.GREETING;
    }
    expect(record().slice(1)).toEqual(['GREETING=from the process', '/dev/null', '/dev/null']);
  });

  it('a non-zero exit rejects naming the subcommand and the code', async () => {
    expect((await rejection(docker(['exit-3', 'x'], {}, true))).message).toBe('docker exit-3 exited with 3');
    expect((await rejection(docker(['exit-1'], {}, true))).message).toBe('docker exit-1 exited with 1');
    expect((await rejection(docker([], {}, true))).message).toBe('docker  exited with 4');
  });

  it('a docker that cannot run rejects saying so', async () => {
    const saved = process.env.PATH;
    process.env.PATH = join(dir, 'nothing-here');
    try {
      expect((await rejection(docker(['version'], {}, true))).message).toMatch(/^could not run docker: spawn docker ENOENT/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('hasBuildx: true when `docker buildx version` answers, false when it fails', async () => {
    await expect(hasBuildx()).resolves.toBe(true);
    expect(record()[0]).toBe('buildx|version|');
    expect(record().slice(2)).toEqual(['/dev/null', '/dev/null']);
    process.env.NO_BUILDX = '1';
    try {
      await expect(hasBuildx()).resolves.toBe(false);
    } finally {
      delete process.env.NO_BUILDX;
    }
  });

  it('dockerOutput returns what docker printed, and rejects on a non-zero exit', async () => {
    await expect(dockerOutput(['version', '--format', '{{.Server.Version}}'])).resolves.toBe('out version\n');
    expect(record()[0]).toBe('version|--format|{{.Server.Version}}|');
    await expect(dockerOutput(['exit-2'])).rejects.toMatchObject({ code: 2 });
  });
});
