// What install-node trusts: https only (no plain mirror, no redirect to http, the CA of SSL_CERT_FILE), a pinned
// SHA-256 instead of the release's list, and an install that later uses reuse only as its record vouches for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWrapper } from '../../../tools/wrapper.ts';
import { addRelease, CPU, NEEDED, startMirror, type Mirror } from './node-mirror.ts';
import { runInAsync, sandbox, type Box } from './wrapper-run.ts';

const V = '22.0.1';
const OTHER = '22.0.2';
const LIAR = '22.0.3';
const file = `node-v${V}-linux-${CPU}.tar.xz`;
const js = 'console.log("ran", process.version)';
let mirror: Mirror;
let sum = '';

beforeAll(async () => {
  mirror = await startMirror();
  sum = addRelease(mirror.root, V, `linux-${CPU}`, 'tar.xz', { reports: `v${V}` });
  addRelease(mirror.root, OTHER, `linux-${CPU}`, 'tar.xz', { reports: `v${OTHER}` });
  // A release whose list matches its tarball, but whose node is another version.
  addRelease(mirror.root, LIAR, `linux-${CPU}`, 'tar.xz', { reports: 'v22.0.9' });
}, 60_000);
afterAll(() => mirror.close());

const env = (extra: Record<string, string> = {}) => ({ ORB_PARAM_INSTALL_NODE: V, AWS_OIDC_NODE_MIRROR: mirror.url, SSL_CERT_FILE: mirror.caFile, ...extra });
const box = (fetcher = 'curl'): Box => sandbox({}, [...NEEDED, fetcher]);
const run = (b: Box, e: Record<string, string>) => runInAsync(b, renderWrapper('assume-role-with-oidc', js), e);
const nodeDir = (b: Box) => join(b.home, '.aws-oidc', 'node');
const count = () => mirror.requests.length;

describe('install-node downloads over https only', () => {
  it('refuses a plain-http mirror before any request', async () => {
    const before = count();
    const r = await run(box(), env({ AWS_OIDC_NODE_MIRROR: mirror.plainUrl }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`install-node: AWS_OIDC_NODE_MIRROR "${mirror.plainUrl}" is not an https:// URL; Node.js is downloaded over https only.`);
    expect(r.stderr).toContain('fix: give the mirror\'s https:// URL (SSL_CERT_FILE may name its CA bundle)');
    expect(count()).toBe(before);
  });

  it('with curl, follows a redirect to https and refuses one to http; nothing reaches the http side', async () => {
    const ok = await run(box(), env({ AWS_OIDC_NODE_MIRROR: `${mirror.url}/to-https` }));
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`ran v${process.versions.node}\n`);
    const b = box();
    const r = await run(b, env({ AWS_OIDC_NODE_MIRROR: `${mirror.url}/to-http` }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`could not download ${mirror.url}/to-http/v${V}/${file}; nothing was installed`);
    expect(mirror.requests.filter((q) => q.startsWith('http '))).toEqual([]);
    expect(readdirSync(nodeDir(b))).toEqual([]);
  });

  it('with GNU wget, follows no redirect at all', async () => {
    const r = await run(box('wget'), env({ AWS_OIDC_NODE_MIRROR: `${mirror.url}/to-https` }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`could not download ${mirror.url}/to-https/v${V}/${file}`);
    expect(r.stderr).toContain('redirects: curl follows https only, wget none');
  });

  it('refuses busybox wget, which checks no certificate and cannot refuse redirects', async () => {
    const b = sandbox({}, NEEDED);
    writeFileSync(join(b.bin, 'wget'), '#!/bin/sh\nexec /usr/bin/busybox wget "$@"\n', { mode: 0o755 });
    const r = await run(b, env());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('install-node: busybox wget checks no TLS certificate and cannot refuse redirects.');
    expect(r.stderr).toContain('fix: install curl, or use an executor with Node.js 20 or newer.');
  });

  it('trusts the system\'s CAs unless SSL_CERT_FILE names a bundle, so the test CA is unknown without it', async () => {
    const { SSL_CERT_FILE: _drop, ...without } = env();
    for (const fetcher of ['curl', 'wget']) {
      const r = await run(box(fetcher), without);
      expect(r.status, fetcher).toBe(1);
      expect(r.stderr).toContain('could not download');
    }
  });
});

describe('install-node-sha256 pins the tarball', () => {
  it('installs a tarball with the pinned SHA-256 (upper case accepted) without fetching SHASUMS256.txt', async () => {
    const before = mirror.requests.length;
    const r = await run(box(), env({ ORB_PARAM_INSTALL_NODE_SHA256: sum.toUpperCase() }));
    expect(r.status, r.stderr).toBe(0);
    expect(mirror.requests.slice(before)).toEqual([`https /v${V}/${file}`]);
  });

  it('refuses a tarball with another SHA-256, even when SHASUMS256.txt would list it', async () => {
    const b = box();
    const r = await run(b, env({ ORB_PARAM_INSTALL_NODE_SHA256: 'b'.repeat(64) }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`install-node: the SHA-256 of ${file} is ${sum}, but install-node-sha256 says ${'b'.repeat(64)}; nothing was installed.`);
    expect(r.stderr).toContain(`fix: if install-node-sha256 is right for ${file}, this download is not the official one`);
    expect(readdirSync(nodeDir(b))).toEqual([]);
  });

  it('refuses a value that is not a SHA-256, and a pin without install-node, naming the parameter', async () => {
    for (const bad of ['abc', 'g'.repeat(64), `${sum}0`, `sha256:${sum}`]) {
      const r = await run(box(), env({ ORB_PARAM_INSTALL_NODE_SHA256: bad }));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`parameter install-node-sha256: "${bad}" is not a SHA-256 (64 hex digits).`);
      expect(r.stderr).toContain(`fix: give the SHA-256 of ${file} from SHASUMS256.txt of v${V}`);
    }
    const r = await run(box(), env({ ORB_PARAM_INSTALL_NODE: '', ORB_PARAM_INSTALL_NODE_SHA256: sum }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`parameter install-node-sha256: "${sum}" is set, but install-node is empty.`);
  });
});

describe('a cached install is reused only as its record vouches for it', () => {
  const installed = async () => {
    const b = box();
    const r = await run(b, env());
    expect(r.status, r.stderr).toBe(0);
    return b;
  };

  it('refuses a node binary changed after the install, and runs nothing', async () => {
    const b = await installed();
    const node = join(nodeDir(b), V, 'bin', 'node');
    writeFileSync(node, `#!/bin/sh\necho v${V}\n`);
    const r = await run(b, env());
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`install-node: ${node} was changed after it was installed from ${file}: its SHA-256 is [0-9a-f]{64}, the install recorded [0-9a-f]{64}\\.`));
    expect(r.stderr).toContain(`fix: remove ${join(nodeDir(b), V)} (rm -rf) and run again to install it afresh; find out what changed it`);
  });

  it('installs afresh over a planted directory without a record', async () => {
    const b = box();
    const bin = join(nodeDir(b), V, 'bin');
    mkdirSync(bin, { recursive: true, mode: 0o700 });
    writeFileSync(join(bin, 'node'), `#!/bin/sh\necho planted >&2\necho v${V}\n`, { mode: 0o700 });
    const r = await run(b, env());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`install-node: ${join(nodeDir(b), V)} has no install record (not this orb's); installing it afresh`);
    expect(r.stderr).not.toContain('planted');
    expect(readFileSync(join(nodeDir(b), V, '.aws-oidc-install'), 'utf8')).toContain(`tarball-sha256 ${sum}\n`);
    expect(readdirSync(nodeDir(b))).toEqual([V]);
  });

  it('installs afresh when install-node-sha256 names another tarball than the recorded one', async () => {
    const b = await installed();
    const before = mirror.requests.length;
    const r = await run(b, env({ ORB_PARAM_INSTALL_NODE_SHA256: 'c'.repeat(64) }));
    expect(r.stderr).toContain('came from a tarball with another SHA-256 than install-node-sha256; installing it afresh');
    expect(r.status).toBe(1); // and the download does not match the new pin
    expect(mirror.requests.length).toBe(before + 1);
    expect(existsSync(join(nodeDir(b), V, 'bin', 'node'))).toBe(true);
  });

  it('refuses a tarball whose node reports another version than the one asked for', async () => {
    const b = box();
    const r = await run(b, env({ ORB_PARAM_INSTALL_NODE: LIAR }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`install-node: \\S+/node-v${LIAR}-linux-${CPU}/bin/node reports v22\\.0\\.9, not v${LIAR}\\.`));
    expect(r.stderr).toContain(`fix: ${mirror.url}/v${LIAR} does not serve Node.js v${LIAR} for this system; nothing was installed.`);
    expect(readdirSync(nodeDir(b))).toEqual([]);
  });

  it('keeps each version apart', async () => {
    const b = await installed();
    const r = await run(b, env({ ORB_PARAM_INSTALL_NODE: OTHER }));
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(nodeDir(b)).sort()).toEqual([V, OTHER]);
  });
});
