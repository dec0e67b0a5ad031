// install-node against a local https mirror: the official tarball's layout with this machine's node in it,
// downloaded with curl or GNU wget, checked against SHASUMS256.txt, recorded, and reused by later steps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWrapper } from '../../../tools/wrapper.ts';
import { addRelease, CPU, NEEDED, sha256, startMirror, type Mirror } from './node-mirror.ts';
import { runInAsync, sandbox } from './wrapper-run.ts';

const version = process.versions.node;
const name = `node-v${version}-linux-${CPU}`;
const BAD = '20.0.1';
const MISSING = '20.0.2';
const js = 'console.log("ran", process.version, process.execPath)';
let mirror: Mirror;
let tarballSum = '';

beforeAll(async () => {
  const started = Date.now();
  mirror = await startMirror();
  tarballSum = addRelease(mirror.root, version, `linux-${CPU}`, 'tar.xz', { real: true });
  addRelease(mirror.root, BAD, `linux-${CPU}`, 'tar.xz', { reports: `v${BAD}` }, true);
  console.log(`mirror with a tarball of this machine's node made in ${Date.now() - started} ms`);
}, 120_000);
afterAll(() => mirror.close());

const env = (v: string, extra: Record<string, string> = {}) => ({ ORB_PARAM_INSTALL_NODE: v, AWS_OIDC_NODE_MIRROR: mirror.url, SSL_CERT_FILE: mirror.caFile, ...extra });
const box = (tools: string[]) => sandbox({}, [...NEEDED, ...tools]);

describe('install-node from an https mirror serving a tarball of this machine\'s node', () => {
  it('installs with curl, records the checksums, and a later step reuses the install after checking it', async () => {
    const b = box(['curl']);
    const script = renderWrapper('demo', js);
    let t = Date.now();
    const first = await runInAsync(b, script, env(version));
    console.log(`first step (download, check, unpack): ${Date.now() - t} ms`);
    expect(first.status, first.stderr).toBe(0);
    const dir = join(b.home, '.aws-oidc', 'node', version);
    expect(first.stdout).toBe(`ran v${version} ${join(dir, 'bin', 'node')}\n`);
    expect(first.stderr).toContain(`installed Node.js v${version} in ${dir}`);
    expect(mirror.requests.filter((r) => r.includes(`/v${version}/`))).toEqual([`https /v${version}/${name}.tar.xz`, `https /v${version}/SHASUMS256.txt`]);
    expect(readdirSync(join(b.home, '.aws-oidc', 'node'))).toEqual([version]);
    expect(readFileSync(join(dir, '.aws-oidc-install'), 'utf8')).toBe(`tarball ${name}.tar.xz\ntarball-sha256 ${tarballSum}\nnode-sha256 ${sha256(process.execPath)}\n`);

    const before = mirror.requests.length;
    t = Date.now();
    const second = await runInAsync(b, script, env(version));
    console.log(`second step (cached, binary re-hashed): ${Date.now() - t} ms`);
    expect(second).toEqual({ status: 0, stdout: `ran v${version} ${join(dir, 'bin', 'node')}\n`, stderr: '' });
    expect(mirror.requests.length).toBe(before);
  }, 120_000);

  it('puts the installed node on PATH for later bash steps through $BASH_ENV (credential_process lines run `node`)', async () => {
    const b = box(['curl']);
    const bashEnv = join(b.home, 'bash-env');
    writeFileSync(bashEnv, '');
    const r = await runInAsync(b, renderWrapper('demo', js), env(version, { BASH_ENV: bashEnv }));
    expect(r.status, r.stderr).toBe(0);
    const bin = join(b.home, '.aws-oidc', 'node', version, 'bin');
    expect(readFileSync(bashEnv, 'utf8')).toBe(`export PATH='${bin}':"$PATH"\n`);
    // A later step as CircleCI runs it: $BASH_ENV sourced first; node is found without install-node.
    const later = await runInAsync(b, `. "$BASH_ENV"\n${renderWrapper('demo', 'console.log("later", process.execPath)')}`, { BASH_ENV: bashEnv });
    expect(later).toEqual({ status: 0, stdout: `later ${join(bin, 'node')}\n`, stderr: '' });
  }, 120_000);

  it('installs with GNU wget when there is no curl', async () => {
    const b = box(['wget']);
    const r = await runInAsync(b, renderWrapper('demo', js), env(version));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`ran v${version} ${join(b.home, '.aws-oidc', 'node', version, 'bin', 'node')}\n`);
  }, 120_000);

  it('refuses a tarball whose SHA-256 is not the published one, and leaves nothing installed', async () => {
    const b = box(['curl']);
    const r = await runInAsync(b, renderWrapper('ecr-login', js), env(BAD));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`aws-oidc/ecr-login: install-node: the SHA-256 of node-v${BAD}-linux-${CPU}.tar.xz is [0-9a-f]{64}, but SHASUMS256.txt of v${BAD} says a{64}; nothing was installed`));
    expect(readdirSync(join(b.home, '.aws-oidc', 'node'))).toEqual([]);
  }, 60_000);

  it('names the URL when the download fails, and leaves nothing installed', async () => {
    const b = box(['curl']);
    const r = await runInAsync(b, renderWrapper('ecr-login', js), env(MISSING));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`could not download ${mirror.url}/v${MISSING}/node-v${MISSING}-linux-${CPU}.tar.xz; nothing was installed`);
    expect(readdirSync(join(b.home, '.aws-oidc', 'node'))).toEqual([]);
  }, 60_000);

  it('says to install curl when neither curl nor wget is there', async () => {
    const r = await runInAsync(box([]), renderWrapper('ecr-login', js), env(version));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/neither curl nor wget[\s\S]*fix: install curl, or use an executor with Node 20\+/);
  }, 60_000);

  it('refuses a value that is not a version 20 or newer, naming the parameter', async () => {
    for (const bad of ['20', 'v20.1.0', '18.20.4', '16.20.2', 'latest', '20.1.', '20..1', '20.1.2.3', '99999.0.0', '20.1.x']) {
      const b = box(['curl']);
      const r = await runInAsync(b, renderWrapper('ecr-login', js), env(bad));
      expect(r.status, bad).toBe(1);
      expect(r.stderr).toContain(`parameter install-node: "${bad}" is not a Node.js version 20 or newer`);
      expect(existsSync(join(b.home, '.aws-oidc', 'node'))).toBe(false);
    }
  }, 60_000);

  it('clean-up (the built command) removes the Node.js install-node put there; a second clean-up, with no Node.js left, removes nothing and succeeds', async () => {
    const b = box(['curl', 'rmdir']);
    const job = { CIRCLE_WORKFLOW_JOB_ID: '5d1c9a2e-0b7f-4c33-8e4a-6f2b1d0c9e87', BASH_ENV: join(b.home, 'bash-env') };
    writeFileSync(job.BASH_ENV, '');
    // An earlier step's manifest, so clean-up runs its runtime (with nothing recorded it ends in sh, before Node.js).
    mkdirSync(join(b.home, '.aws-oidc', 'jobs'), { recursive: true, mode: 0o700 });
    writeFileSync(join(b.home, '.aws-oidc', 'jobs', job.CIRCLE_WORKFLOW_JOB_ID), '', { mode: 0o600 });
    const cleanUp = readFileSync('src/orb/scripts/clean-up.sh', 'utf8');
    const first = await runInAsync(b, cleanUp, env(version, job));
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(`clean-up: removed Node.js ${version}\n`);
    expect(existsSync(join(b.home, '.aws-oidc'))).toBe(false);
    const second = await runInAsync(b, `. "$BASH_ENV"\n${cleanUp}`, job);
    expect(second).toEqual({ status: 0, stdout: 'clean-up: nothing to remove: no orb step recorded anything in this job since the last clean-up\n', stderr: '' });
    expect(existsSync(join(b.home, '.aws-oidc'))).toBe(false);
  }, 120_000);

  it('uses the node on PATH when it is new enough, downloading nothing', async () => {
    const before = mirror.requests.length;
    const b = sandbox({ node: null }, NEEDED);
    const ok = await runInAsync(b, renderWrapper('demo', 'console.log("ran")'), env(version));
    expect(ok).toEqual({ status: 0, stdout: 'ran\n', stderr: '' });
    expect(mirror.requests.length).toBe(before);
  }, 60_000);
});
