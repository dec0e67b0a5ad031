// install-node: the text that downloads and checks the official tarball, and runs of it against a local mirror.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIN_NODE_MAJOR, NODE_DIST, renderWrapper } from '../../../tools/wrapper.ts';
import { runAsync, startMirror } from './wrapper-run.ts';

describe('the generated install-node text', () => {
  const script = renderWrapper('ecr-login', 'console.log(1)');
  it('downloads the official tarball for the architecture, overridable by AWS_OIDC_NODE_MIRROR', () => {
    expect(script).toContain(`\${AWS_OIDC_NODE_MIRROR:-${NODE_DIST}}/v$v`);
    expect(script).toContain('name="node-v$v-linux-$arch"');
    expect(script).toMatch(/x86_64\|amd64\) arch=x64/);
    expect(script).toMatch(/aarch64\|arm64\) arch=arm64/);
  });
  it('checks the SHA-256 against SHASUMS256.txt before unpacking, and caches in ~/.aws-oidc/node/<version>', () => {
    const sums = script.indexOf('SHASUMS256.txt"');
    const check = script.indexOf('sha256sum');
    const unpack = script.indexOf('tar -xJf');
    expect(sums).toBeGreaterThan(0);
    expect(check).toBeGreaterThan(sums);
    expect(unpack).toBeGreaterThan(check);
    expect(script).toContain('node="$HOME/.aws-oidc/node/$v/bin/node"');
  });
  it('installs only when install-node is set and node is missing or older than 20, and runs the loader with $node', () => {
    expect(MIN_NODE_MAJOR).toBe(20);
    expect(script).toContain('if [ "$node_major" -lt 20 ] && [ -n "${ORB_PARAM_INSTALL_NODE:-}" ]; then');
    expect(script).toMatch(/AWS_OIDC_RUNTIME="\$\{HOME:\?HOME is not set\}\/\.aws-oidc\/runtime\/ecr-login\.cjs" "\$node" -e '/);
  });
});

const NEEDED = ['bash', 'mkdir', 'chmod', 'cat', 'mv', 'rm', 'mktemp', 'uname', 'sha256sum', 'tar', 'xz'];

describe('install-node against a local mirror serving a tarball of this machine\'s node', () => {
  const version = process.versions.node;
  const cpu = arch() === 'arm64' ? 'arm64' : 'x64';
  const name = `node-v${version}-linux-${cpu}`;
  const BAD = '20.0.1';
  const MISSING = '20.0.2';
  const root = mkdtempSync(join(tmpdir(), 'node-mirror-'));
  let mirror: Awaited<ReturnType<typeof startMirror>>;
  const js = 'console.log("ran", process.version, process.execPath)';

  beforeAll(async () => {
    const started = Date.now();
    // The release layout: v<ver>/node-v<ver>-linux-<arch>.tar.xz holding node-v<ver>-linux-<arch>/bin/node, and v<ver>/SHASUMS256.txt.
    const stage = join(root, 'stage');
    mkdirSync(join(stage, name, 'bin'), { recursive: true });
    symlinkSync(process.execPath, join(stage, name, 'bin', 'node-real'));
    mkdirSync(join(root, `v${version}`));
    const tarball = join(root, `v${version}`, `${name}.tar.xz`);
    // -h stores the binary itself under bin/node, not a link to it.
    spawnSync('bash', ['-c', `mv "$0/${name}/bin/node-real" "$0/${name}/bin/node" && tar -h -C "$0" -cf - ${name} | xz -0 -T2 > "$1"`, stage, tarball]);
    const sum = createHash('sha256').update(readFileSync(tarball)).digest('hex');
    writeFileSync(join(root, `v${version}`, 'SHASUMS256.txt'), `${'0'.repeat(64)}  node-v${version}-darwin-arm64.tar.gz\n${sum}  ${name}.tar.xz\n`);
    // A release whose list does not match its tarball.
    mkdirSync(join(root, `v${BAD}`));
    writeFileSync(join(root, `v${BAD}`, `node-v${BAD}-linux-${cpu}.tar.xz`), readFileSync(tarball));
    writeFileSync(join(root, `v${BAD}`, 'SHASUMS256.txt'), `${'a'.repeat(64)}  node-v${BAD}-linux-${cpu}.tar.xz\n`);
    mirror = await startMirror(root);
    console.log(`mirror tarball ${readFileSync(tarball).length} bytes, made in ${Date.now() - started} ms`);
  }, 120_000);
  afterAll(async () => {
    await new Promise((done) => mirror.server.close(done));
    for (const dir of [root, ...made]) rmSync(dir, { recursive: true, force: true });
  });

  const made: string[] = [];
  const newHome = () => { const d = mkdtempSync(join(tmpdir(), 'install-node-')); made.push(d); mkdirSync(join(d, 'home')); return join(d, 'home'); };
  const env = (v: string) => ({ ORB_PARAM_INSTALL_NODE: v, AWS_OIDC_NODE_MIRROR: mirror.url });

  it('installs with curl and runs the step, then a later step reuses the cache without a download', async () => {
    const home = newHome();
    const script = renderWrapper('demo', js);
    let t = Date.now();
    const first = await runAsync(script, home, [...NEEDED, 'curl'], env(version));
    console.log(`first step (download, check, unpack): ${Date.now() - t} ms`);
    expect(first.status, first.stderr).toBe(0);
    const installed = join(home, '.aws-oidc', 'node', version, 'bin', 'node');
    expect(first.stdout).toBe(`ran v${version} ${installed}\n`);
    expect(first.stderr).toContain(`installed Node.js v${version} in ${join(home, '.aws-oidc', 'node', version)}`);
    expect(mirror.requests.filter((r) => r.startsWith(`/v${version}/`))).toEqual([`/v${version}/${name}.tar.xz`, `/v${version}/SHASUMS256.txt`]);
    expect(readdirSync(join(home, '.aws-oidc', 'node'))).toEqual([version]);

    const before = mirror.requests.length;
    t = Date.now();
    const second = await runAsync(script, home, [...NEEDED, 'curl'], env(version));
    console.log(`second step (cached): ${Date.now() - t} ms`);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(`ran v${version} ${installed}\n`);
    expect(second.stderr).toBe('');
    expect(mirror.requests.length).toBe(before);
  }, 120_000);

  it('puts the installed node on PATH for later steps through $BASH_ENV (credential_process lines run `node`)', async () => {
    const home = newHome();
    const bashEnv = join(home, 'bash-env');
    writeFileSync(bashEnv, '');
    const r = await runAsync(renderWrapper('demo', js), home, [...NEEDED, 'curl'], { ...env(version), BASH_ENV: bashEnv });
    expect(r.status, r.stderr).toBe(0);
    const bin = join(home, '.aws-oidc', 'node', version, 'bin');
    expect(readFileSync(bashEnv, 'utf8')).toBe(`export PATH=${bin}:"$PATH"\n`);
    // A later step as CircleCI runs it: $BASH_ENV sourced first; node is found without install-node.
    const later = await runAsync(`source "$BASH_ENV"\n${renderWrapper('demo', 'console.log("later", process.execPath)')}`, home, NEEDED, { BASH_ENV: bashEnv });
    expect(later.status, later.stderr).toBe(0);
    expect(later.stdout).toBe(`later ${join(bin, 'node')}\n`);
  }, 120_000);

  it('installs with wget when there is no curl', async () => {
    const home = newHome();
    const r = await runAsync(renderWrapper('demo', js), home, [...NEEDED, 'wget'], env(version));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`ran v${version} ${join(home, '.aws-oidc', 'node', version, 'bin', 'node')}\n`);
  }, 120_000);

  it('refuses a tarball whose SHA-256 is not the published one, and leaves nothing installed', async () => {
    const home = newHome();
    const r = await runAsync(renderWrapper('ecr-login', js), home, [...NEEDED, 'curl'], env(BAD));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`aws-oidc/ecr-login: install-node: the SHA-256 of node-v${BAD}-linux-${cpu}.tar.xz is [0-9a-f]{64}, but SHASUMS256.txt of v${BAD} says a{64}; nothing was installed`));
    expect(readdirSync(join(home, '.aws-oidc', 'node'))).toEqual([]);
  }, 120_000);

  it('names the URL when the download fails, and leaves nothing installed', async () => {
    const home = newHome();
    const r = await runAsync(renderWrapper('ecr-login', js), home, [...NEEDED, 'curl'], env(MISSING));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`could not download ${mirror.url}/v${MISSING}/node-v${MISSING}-linux-${cpu}.tar.xz; nothing was installed`);
    expect(readdirSync(join(home, '.aws-oidc', 'node'))).toEqual([]);
  }, 60_000);

  it('says to install curl when neither curl nor wget is there', async () => {
    const r = await runAsync(renderWrapper('ecr-login', js), newHome(), NEEDED, env(version));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/neither curl nor wget[\s\S]*fix: install curl, or use an executor with Node 20\+/);
  }, 60_000);

  it('refuses a value that is not a version 20 or newer, naming the parameter', async () => {
    for (const bad of ['20', 'v20.1.0', '18.20.4', '16.20.2', 'latest']) {
      const r = await runAsync(renderWrapper('ecr-login', js), newHome(), [...NEEDED, 'curl'], env(bad));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`parameter install-node: "${bad}" is not a Node.js version 20 or newer`);
    }
  }, 60_000);

  it('uses the node on PATH when it is new enough, downloading nothing', async () => {
    const before = mirror.requests.length;
    const ok = await runAsync(renderWrapper('demo', 'console.log("ran")'), newHome(), [...NEEDED, 'node'], env(version));
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('ran\n');
    expect(mirror.requests.length).toBe(before);
  }, 60_000);
});
