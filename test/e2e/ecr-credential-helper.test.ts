// docker-credential-aws-oidc as docker runs it: the program ecr-login installs, running the built
// ecr-login runtime (the bundle the generated wrapper carries), fed stdin and read on stdout.
// No AWS is needed: every case here is answered before the helper would call ECR.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
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
