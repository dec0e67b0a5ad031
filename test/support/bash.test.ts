// The bash of the tests reads no startup file of the machine: bashC and shellEnv keep a home's .bashrc and an outer
// $BASH_ENV out, and no test starts `bash -c` another way.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bashC, shellEnv } from './bash.ts';

const home = mkdtempSync(join(tmpdir(), 'bash-home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
writeFileSync(join(home, '.bashrc'), 'echo read-bashrc\n');
writeFileSync(join(home, '.bash_profile'), 'echo read-profile\n');
writeFileSync(join(home, 'env-file'), 'echo read-bash-env\n');
// As a test would start it: stdin a pipe (a socket pair), no SHLVL, only the variables it names.
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home };

describe('bash started by tests', () => {
  it('plain bash -c from node reads the home\'s .bashrc (the cause of the noise); bashC does not, nor a BASH_ENV that shellEnv drops', () => {
    const plainArgv = ['-c', 'echo ran'];
    const plain = spawnSync('bash', plainArgv, { env, encoding: 'utf8' });
    if (!plain.stdout.includes('read-bashrc')) console.log('this bash does not read ~/.bashrc for `bash -c` with a socket on stdin; checking bashC alone');
    const [cmd, args] = bashC('echo "ran $1"', 'bash', 'arg');
    const quiet = spawnSync(cmd, args, { env: shellEnv({ ...env, BASH_ENV: join(home, 'env-file') }), encoding: 'utf8' });
    expect(quiet.stdout).toBe('ran arg\n');
    expect(quiet.stderr).toBe('');
  });

  it('no test file starts `bash -c` except through bashC', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts')) files.push(path);
      }
    };
    walk('test');
    const direct = /\b(?:spawn|spawnSync|execFile|execFileSync|execa)\(\s*['"](?:\/usr)?(?:\/bin\/)?bash['"]\s*,\s*\[\s*['"]-c['"]/;
    const offenders = files.filter((f) => direct.test(readFileSync(f, 'utf8'))).map((f) => relative('.', f));
    expect(offenders).toEqual([]);
  });
});
