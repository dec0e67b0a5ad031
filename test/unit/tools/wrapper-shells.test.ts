// The generated wrappers under the shells of images without bash: dash (Debian's /bin/sh) and busybox ash (Alpine's
// /bin/sh, here with busybox's own ls, mkdir, tar, sed... on PATH), for the real commands and for install-node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle } from '../../../tools/build.ts';
import { renderWrapper } from '../../../tools/wrapper.ts';
import { addRelease, CPU, NEEDED, startMirror, type Mirror } from './node-mirror.ts';
import { runIn, runInAsync, sandbox, SHELLS, type Box, type Shell } from './wrapper-run.ts';

const BUSYBOX = SHELLS.busybox[0];
const hasBusybox = existsSync(BUSYBOX);
if (!hasBusybox && process.env.CI) throw new Error(`${BUSYBOX} is missing: CI must install Debian's busybox package (.ci/run does)`);
if (!hasBusybox) console.log(`${BUSYBOX} is missing: the busybox ash runs are skipped (apt-get install busybox)`);
const shells: Shell[] = hasBusybox ? ['dash', 'busybox'] : ['dash'];

/** A sandbox for `shell`: under busybox every tool but node and curl is a busybox applet (sha256sum, no openssl), as on Alpine. */
function boxFor(shell: Shell, programs: Record<string, string | null>, tools: readonly string[]): Box {
  if (shell !== 'busybox') return sandbox(programs, tools);
  const b = sandbox(programs, tools.filter((t) => t === 'curl'));
  const applets = new Set(spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n'));
  for (const t of [...tools, 'sh', 'sha256sum']) if (applets.has(t) && !existsSync(join(b.bin, t))) symlinkSync(BUSYBOX, join(b.bin, t));
  return b;
}

const COMMANDS = ['assume-role-with-oidc', 'ecr-login', 'build-and-push'];
const wrappers: Record<string, string> = {};
let mirror: Mirror;
const V = '22.2.0';

beforeAll(async () => {
  for (const c of COMMANDS) wrappers[c] = renderWrapper(c, await bundle(`src/scripts/${c}.ts`));
  mirror = await startMirror();
  addRelease(mirror.root, V, `linux-${CPU}`, 'tar.xz', { reports: `v${V}` });
}, 120_000);
afterAll(() => mirror.close());

describe.each(shells)('the wrappers under %s', (shell) => {
  it.each(COMMANDS)('%s parses, runs its runtime and stops at the first missing parameter with the runtime\'s message', (command) => {
    const b = boxFor(shell, { node: null }, ['uname', 'id', 'ls', 'mkdir']);
    const r = runIn(b, wrappers[command] ?? '', { BASH_ENV: join(b.home, 'bash-env') }, shell);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^aws-oidc/${command}: `));
    expect(r.stderr).not.toMatch(/syntax error|unexpected|not found|illegal/i);
    expect(existsSync(join(b.home, '.aws-oidc', 'runtime', `${command}.cjs`))).toBe(true);
  });

  it('runs a bundle on its first and later uses, and tells the runtime it is sh', () => {
    const b = boxFor(shell, { node: null }, ['uname', 'id', 'ls', 'mkdir']);
    const script = renderWrapper('demo', 'console.log("ran", process.env.AWS_OIDC_SHELL)');
    for (let i = 0; i < 2; i++) expect(runIn(b, script, {}, shell)).toEqual({ status: 0, stdout: 'ran sh\n', stderr: '' });
  });

  it('installs Node with install-node, quotes its PATH line for a home with a quote and a space, and says sh steps do not read $BASH_ENV', async () => {
    const b = boxFor(shell, {}, [...NEEDED, 'curl']);
    const home = join(b.dir, "it's home");
    mkdirSync(home);
    const bashEnv = join(b.dir, 'bash-env');
    writeFileSync(bashEnv, '');
    const env = { HOME: home, BASH_ENV: bashEnv, ORB_PARAM_INSTALL_NODE: V, AWS_OIDC_NODE_MIRROR: mirror.url, SSL_CERT_FILE: mirror.caFile };
    const r = await runInAsync(b, renderWrapper('demo', 'console.log("ran")'), env, shell);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('ran\n');
    expect(r.stderr).toContain(`installed Node.js v${V} in ${home}/.aws-oidc/node/${V}`);
    expect(r.stderr).toContain(`note: later sh steps do not read $BASH_ENV: there, orb steps find this Node.js again with the same install-node, others after: export PATH="$HOME/.aws-oidc/node/${V}/bin:$PATH"`);
    expect(readFileSync(bashEnv, 'utf8')).toBe(`export PATH='${home.replace("'", "'\\''")}/.aws-oidc/node/${V}/bin':"$PATH"\n`);
    // A later bash step sources it and finds that node first.
    const later = runIn(b, `. "$BASH_ENV"\ncommand -v node\n`, { HOME: home, BASH_ENV: bashEnv }, 'bash');
    expect(later.stdout).toBe(`${home}/.aws-oidc/node/${V}/bin/node\n`);
    // Reused in the next step, after the record's checks.
    const again = await runInAsync(b, renderWrapper('demo', 'console.log("again")'), env, shell);
    expect(again.stdout, again.stderr).toBe('again\n');
  }, 60_000);
});
