// docker-credential-aws-oidc as docker runs it: the program ecr-login installs, running the built
// ecr-login runtime (the bundle the generated wrapper carries), fed stdin and read on stdout.
// No AWS is needed: every case here is answered before the helper would call ECR. The last case runs the docker
// CLI itself (with the engine), which must read the helper's "not found" as no credentials rather than a failure.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { execa } from 'execa';
import { ensureDocker } from '../harness/docker.ts';
import { installHelperProgram } from '../../src/commands/ecr-login/helper.ts';
import { HEREDOC_DELIMITER } from '../../tools/wrapper.ts';

const WRAPPER = 'src/orb/scripts/ecr-login.sh';
let home = '';
let helper = '';

beforeAll(() => {
  if (!existsSync(WRAPPER)) expect.fail(`${WRAPPER} does not exist: run \`npm run build\` first (\`npm test\` does this for you)`);
  // The bundle is the heredoc body of the generated wrapper (brotli in base64), which the wrapper unpacks into the job's home.
  const script = readFileSync(WRAPPER, 'utf8');
  const start = script.indexOf(`<<'${HEREDOC_DELIMITER}'\n`) + `<<'${HEREDOC_DELIMITER}'\n`.length;
  const end = script.indexOf(`\n${HEREDOC_DELIMITER}\n`, start);
  expect(start).toBeGreaterThan(HEREDOC_DELIMITER.length);
  expect(end).toBeGreaterThan(start);
  home = mkdtempSync(join(tmpdir(), 'credential-helper-'));
  mkdirSync(join(home, '.aws-oidc', 'runtime'), { recursive: true, mode: 0o700 });
  const runtime = join(home, '.aws-oidc', 'runtime', 'ecr-login.cjs');
  writeFileSync(runtime, brotliDecompressSync(Buffer.from(script.slice(start, end + 1), 'base64')), { mode: 0o600 });
  // The helper runs the runtime through the wrapper's loader (src/lib/launch.ts), as ecr-login writes it.
  const loader = /-e '([^']+)' <</.exec(script)![1]!;
  helper = join(installHelperProgram({ HOME: home }, { node: process.execPath, runtime, loader }), 'docker-credential-aws-oidc');
});

/** Runs the helper as docker does: one action, stdin, then stdout and the exit code. */
function helperRun(action: string, stdin: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(helper, [action], { input: stdin, encoding: 'utf8', env: { HOME: home, PATH: process.env.PATH ?? '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the built credential helper speaks docker-credential-helpers\' protocol', () => {
  it.each([
    ['store', `${JSON.stringify({ Username: 'AWS', Secret: 'pw' })}\n`, 1, 'no credentials server URL\n'],
    ['store', `${JSON.stringify({ ServerURL: 'registry.example', Secret: 'pw' })}\n`, 1, 'no credentials username\n'],
    ['store', 'hello\n', 1, 'invalid character \'h\' looking for beginning of value\n'],
    ['store', `${JSON.stringify({ ServerURL: 'registry.example', Username: 'AWS', Secret: 'pw' })}\n`, 0, ''],
    ['get', '', 1, 'no credentials server URL\n'],
    ['get', 'registry.example\n', 1, 'credentials not found in native keychain\n'],
    ['erase', '', 1, 'no credentials server URL\n'],
    ['erase', 'registry.example\n', 0, ''],
    ['list', '', 0, '{}\n'],
  ])('%s %j -> exit %i, stdout %j', (action, stdin, status, stdout) => {
    expect(helperRun(action, stdin)).toEqual({ status, stdout, stderr: '' });
  });

  it('keeps no password: a valid store leaves the home as it was', () => {
    const before = spawnSync('find', [home, '-printf', '%P %s\\n'], { encoding: 'utf8' }).stdout;
    expect(helperRun('store', `${JSON.stringify({ ServerURL: 'registry.example', Username: 'AWS', Secret: 'a-password' })}\n`).status).toBe(0);
    expect(spawnSync('find', [home, '-printf', '%P %s\\n'], { encoding: 'utf8' }).stdout).toBe(before);
    expect(spawnSync('grep', ['-r', 'a-password', home]).status).toBe(1);
  });
});

describe('docker reads the helper\'s answer for a registry it does not serve as "no credentials"', () => {
  // docker-credential-helpers' ErrCredentialsNotFound, byte for byte: docker's CLI compares the helper's stdout
  // (trimmed) with this text, and only then takes a failing helper to mean "anonymous" rather than an error.
  const NOT_FOUND_LITERAL = 'credentials not found in native keychain';

  it('get: prints exactly docker\'s not-found text and exits 1, for a host in each form docker passes', () => {
    for (const host of ['registry.example', 'https://registry.example', '127.0.0.1:5000', 'https://127.0.0.1:5000/v2/']) {
      expect(helperRun('get', `${host}\n`), host).toEqual({ status: 1, stdout: `${NOT_FOUND_LITERAL}\n`, stderr: '' });
    }
  });

  it('the docker CLI asks the helper and stays silent, while it warns about a helper that fails otherwise', async () => {
    await ensureDocker();
    // The classic builder collects the credentials of every credHelpers entry (docker CLI's GetAllCredentials)
    // and warns about each helper that failed; a helper's not-found answer is no failure there.
    const dir = mkdtempSync(join(tmpdir(), 'credential-helper-docker-'));
    const otherBin = join(dir, 'bin');
    mkdirSync(otherBin);
    writeFileSync(join(otherBin, 'docker-credential-rig-failing'), '#!/bin/sh\ncat >/dev/null\necho "credentials not found"\nexit 1\n', { mode: 0o755 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { 'unserved.example:5000': 'aws-oidc', 'failing.example:5000': 'rig-failing' } }));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY Dockerfile /\n');
    const path = [dirname(helper), otherBin, process.env.PATH ?? ''].join(':');
    const r = await execa('docker', ['--config', dir, 'build', '-q', dir], { reject: false, env: { HOME: home, PATH: path, DOCKER_BUILDKIT: '0' } });
    expect(r.exitCode, r.stderr).toBe(0);
    if (r.stdout.trim()) await execa('docker', ['rmi', r.stdout.trim()], { reject: false });
    // The control: this docker does tell a failing helper apart (docker CLI 23 and later do).
    expect(r.stderr, `this docker (${(await execa('docker', ['--version'])).stdout}) does not report failing credential helpers`).toMatch(/error getting credentials - err: exit status 1, out: `credentials not found`/);
    expect(r.stderr).not.toMatch(/unserved\.example|native keychain/);
  });
});
