// What every wrapper checks before it runs anything: umask 077 and 0700 directories, a ~/.aws-oidc that nobody else
// may write to, no Windows, which shell runs the step (for the runtime's $BASH_ENV note), and the Node hint for Alpine.
import { describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { renderWrapper } from '../../../tools/wrapper.ts';
import { fakeUname, runIn, sandbox, type Shell } from './wrapper-run.ts';

const mode = (f: string) => (statSync(f).mode & 0o777).toString(8);
const SHOW = 'console.log(process.env.AWS_OIDC_SHELL, (require("fs").statSync(__filename).mode & 0o777).toString(8))';

describe('the wrapper\'s directories', () => {
  it('sets umask 077 first: under umask 000 the directories are 0700 and the runtime 0600', () => {
    const box = sandbox({ node: null });
    const r = runIn(box, `umask 000\n${renderWrapper('rt', SHOW)}`);
    expect(r).toEqual({ status: 0, stdout: 'bash 600\n', stderr: '' });
    expect([mode(join(box.home, '.aws-oidc')), mode(join(box.home, '.aws-oidc', 'runtime'))]).toEqual(['700', '700']);
  });

  it.each([['.aws-oidc'], ['.aws-oidc/runtime']])('refuses a pre-made ~/%s that others may write (0777, 0775), running nothing', (dir) => {
    for (const bad of [0o777, 0o775]) {
      const box = sandbox({ node: null });
      const path = join(box.home, dir);
      mkdirSync(path, { recursive: true });
      chmodSync(path, bad);
      const r = runIn(box, renderWrapper('ecr-login', SHOW));
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe([
        `aws-oidc/ecr-login: ${path} is writable by other users (drwxrwxr${bad === 0o777 ? 'wx' : '-x'}): they could replace what the orb runs from it (runtime, Node.js, credential helper).`,
        `  fix: remove it (rm -rf '${path}'), and the step makes it anew, mode 0700; or, if you trust its contents, chmod go-w '${path}'.`, ''].join('\n'));
      expect(mode(path)).toBe(bad.toString(8));
    }
  });

  it('accepts its own 0755 directory (an older orb made it so) and leaves it as it is', () => {
    const box = sandbox({ node: null });
    mkdirSync(join(box.home, '.aws-oidc'), { mode: 0o755 });
    chmodSync(join(box.home, '.aws-oidc'), 0o755);
    expect(runIn(box, renderWrapper('rt', SHOW)).status).toBe(0);
    expect(mode(join(box.home, '.aws-oidc'))).toBe('755');
  });

  const root = process.getuid?.() === 0;
  if (!root) console.log('not root: the test of a directory owned by another user is skipped (it needs chown)');
  it.runIf(root)('refuses a ~/.aws-oidc/runtime that another user owns, naming the uids', () => {
    const box = sandbox({ node: null });
    const path = join(box.home, '.aws-oidc', 'runtime');
    mkdirSync(path, { recursive: true, mode: 0o700 });
    chownSync(path, 65534, 65534);
    const r = runIn(box, renderWrapper('assume-role-with-oidc', SHOW));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`aws-oidc/assume-role-with-oidc: ${path} belongs to uid 65534, not to this job's user (uid 0): its owner could replace what the orb runs from it`);
    expect(r.stderr).toContain(`fix: remove it (as its owner or root: rm -rf '${path}'); the step makes it anew, mode 0700.`);
    expect(readdirSync(path)).toEqual([]);
  });
});

describe('Windows executors', () => {
  it.each(['MINGW64_NT-10.0-20348', 'MSYS_NT-10.0', 'CYGWIN_NT-10.0'])('are refused when uname -s says %s, before anything is written', (system) => {
    const box = sandbox({ node: null, uname: fakeUname(system, 'x86_64') });
    const r = runIn(box, renderWrapper('ecr-login', SHOW));
    expect(r).toEqual({ status: 1, stdout: '', stderr: `aws-oidc/ecr-login: Windows executors are not supported (uname -s: ${system}).\n  fix: run this job on a Linux executor (docker or machine) or on macOS.\n` });
    expect(readdirSync(box.home)).toEqual([]);
  });

  it('are refused when OS is Windows_NT', () => {
    const r = runIn(sandbox({ node: null }), renderWrapper('x', SHOW), { OS: 'Windows_NT' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Windows executors are not supported');
  });
});

describe('the step\'s shell, as the runtime is told it', () => {
  it.each([['bash', 'bash'], ['dash', 'sh'], ['busybox', 'sh']] as [Shell, string][])('%s gives AWS_OIDC_SHELL=%s', (shell, told) => {
    const r = runIn(sandbox({ node: null }), renderWrapper('rt', SHOW), { AWS_OIDC_SHELL: 'bash' }, shell);
    expect(r).toEqual({ status: 0, stdout: `${told} 600\n`, stderr: '' });
  });

  it('bash started as sh (POSIX mode, as macOS /bin/sh is) counts as sh: it reads no $BASH_ENV', () => {
    const box = sandbox({ node: null });
    const r = runIn(box, `set -o posix\n${renderWrapper('rt', SHOW)}`);
    expect(r.stdout).toBe('sh 600\n');
  });
});

describe('without Node on Alpine', () => {
  it('names the apk command (apk on PATH), and not install-node', () => {
    const r = runIn(sandbox({ apk: '#!/bin/sh\nexit 0\n' }), renderWrapper('assume-role-with-oidc', SHOW));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe([
      "aws-oidc/assume-role-with-oidc: this executor has no 'node' (Node.js 20 or newer is needed).",
      "  fix: run 'apk add --no-cache nodejs' in an earlier step (Alpine 3.19+ has Node.js 20+) and leave install-node empty.", ''].join('\n'));
  });
});
