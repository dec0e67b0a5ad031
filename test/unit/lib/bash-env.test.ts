import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_BLOCK_BYTES, renderExports, writeExports } from '../../../src/lib/bash-env.ts';
import { bashC, shellEnv } from '../../support/bash.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'bash-env-'));

describe('bash-env', () => {
  it('quotes values so bash reads them back literally and runs nothing', () => {
    const dir = tmp();
    const canary = join(dir, 'canary');
    const hostile = `a'b"c $(touch ${canary}) \`touch ${canary}\` ; touch ${canary}\nline2 \\ $HOME`;
    const file = join(dir, 'env');
    writeExports(file, { V: hostile });
    const out = execFileSync(...bashC(`source "${file}"; printf %s "$V"`), { env: shellEnv(), encoding: 'utf8' });
    expect(out).toBe(hostile);
    expect(existsSync(canary)).toBe(false);
  });

  it('appends to what is there, renders unsets, and leaves the file 0600', () => {
    const file = join(tmp(), 'env');
    writeFileSync(file, 'export EARLIER=1\n');
    writeExports(file, { A: 'x', AWS_PROFILE: null });
    expect(readFileSync(file, 'utf8')).toBe("export EARLIER=1\nexport A='x'\nunset AWS_PROFILE\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a symlinked BASH_ENV and writes nothing through it', () => {
    const dir = tmp();
    const target = join(dir, 'target');
    writeFileSync(target, 'orig\n');
    const link = join(dir, 'env');
    symlinkSync(target, link);
    expect(() => writeExports(link, { A: 'x' })).toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('orig\n');
  });

  it('refuses a BASH_ENV hard-linked to another file, and writes nothing into either name', () => {
    const dir = tmp();
    const script = join(dir, 'deploy.sh');
    writeFileSync(script, '#!/bin/sh\necho deploy\n', { mode: 0o755 });
    const env = join(dir, 'env');
    linkSync(script, env);
    expect(() => writeExports(env, { AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) })).toThrow(/has 2 hard links/);
    expect(readFileSync(script, 'utf8')).toBe('#!/bin/sh\necho deploy\n');
    expect(statSync(script).mode & 0o777).toBe(0o755);
  });

  it(`refuses a block over ${MAX_BLOCK_BYTES} bytes (one write carries it whole), and writes nothing`, () => {
    const file = join(tmp(), 'env');
    writeFileSync(file, 'export EARLIER=1\n');
    expect(() => writeExports(file, { A: 'x'.repeat(MAX_BLOCK_BYTES) })).toThrow(`more than the ${MAX_BLOCK_BYTES} one write appends whole`);
    expect(readFileSync(file, 'utf8')).toBe('export EARLIER=1\n');
  });

  it('says that a BASH_ENV that is a directory is one, and one in a missing directory', () => {
    const dir = join(tmp(), 'env');
    mkdirSync(dir);
    expect(() => writeExports(dir, { A: 'x' })).toThrow(`cannot write BASH_ENV ${dir}: it is a directory`);
    expect(() => writeExports(join(dir, 'no', 'env'), { A: 'x' })).toThrow(`cannot write BASH_ENV ${join(dir, 'no', 'env')}: its directory does not exist`);
  });

  it('explains a missing BASH_ENV', () => {
    expect(() => writeExports(undefined, { A: 'x' })).toThrow(/BASH_ENV is not set/);
  });

  it('rejects invalid variable names', () => {
    expect(() => renderExports({ 'A-B': 'x' })).toThrow();
  });
});
