// install-node knows where it runs: a fake `uname` and `ldd` on PATH stand for macOS, Alpine (musl) and other
// systems; the release file is picked for the system and checked the same way everywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWrapper } from '../../../tools/wrapper.ts';
import { addRelease, CPU, NEEDED, startMirror, type Mirror } from './node-mirror.ts';
import { fakeUname, runInAsync, sandbox } from './wrapper-run.ts';

const V = '22.1.0';
let mirror: Mirror;
const sums: Record<string, string> = {};

beforeAll(async () => {
  mirror = await startMirror();
  for (const [platform, ext] of [['darwin-x64', 'tar.gz'], ['darwin-arm64', 'tar.gz'], [`linux-${CPU}`, 'tar.gz'], [`linux-${CPU}`, 'tar.xz']] as const) {
    sums[`${platform}.${ext}`] = addRelease(mirror.root, V, platform, ext, { reports: `v${V}` });
  }
}, 60_000);
afterAll(() => mirror.close());

const run = (programs: Record<string, string>, tools = [...NEEDED, 'curl']) => {
  const b = sandbox(programs, tools);
  return runInAsync(b, renderWrapper('ecr-login', 'console.log("ran")'), { ORB_PARAM_INSTALL_NODE: V, AWS_OIDC_NODE_MIRROR: mirror.url, SSL_CERT_FILE: mirror.caFile }).then((r) => ({ ...r, home: b.home }));
};
const fetched = (from: number) => mirror.requests.slice(from).map((q) => q.replace(`https /v${V}/`, ''));
const MUSL_LDD = '#!/bin/sh\necho "musl libc (x86_64)" >&2\necho "Version 1.2.5" >&2\nexit 1\n';
const GLIBC_LDD = '#!/bin/sh\necho "ldd (GNU libc) 2.36"\n';

describe('install-node on each system', () => {
  it.each([['x86_64', 'x64'], ['arm64', 'arm64']])('macOS on %s fetches the darwin-%s .tar.gz and checks it against SHASUMS256.txt', async (machine, cpu) => {
    const before = mirror.requests.length;
    const r = await run({ uname: fakeUname('Darwin', machine) });
    expect(r.status, r.stderr).toBe(0);
    expect(fetched(before)).toEqual([`node-v${V}-darwin-${cpu}.tar.gz`, 'SHASUMS256.txt']);
    const record = readFileSync(join(r.home, '.aws-oidc', 'node', V, '.aws-oidc-install'), 'utf8');
    expect(record).toContain(`tarball node-v${V}-darwin-${cpu}.tar.gz\ntarball-sha256 ${sums[`darwin-${cpu}.tar.gz`]}\n`);
  });

  it('macOS tools: shasum when there is neither openssl nor sha256sum', async () => {
    const tools = [...NEEDED.filter((t) => t !== 'openssl'), 'curl', 'shasum', 'perl'];
    const r = await run({ uname: fakeUname('Darwin', 'arm64') }, tools);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('ran\n');
  });

  it('Linux with glibc fetches the .tar.xz, or the .tar.gz when there is no xz; sha256sum when there is no openssl', async () => {
    let before = mirror.requests.length;
    const xz = await run({ uname: fakeUname('Linux', 'x86_64'), ldd: GLIBC_LDD });
    expect(xz.status, xz.stderr).toBe(0);
    expect(fetched(before)[0]).toBe(`node-v${V}-linux-x64.tar.xz`);
    before = mirror.requests.length;
    const tools = [...NEEDED.filter((t) => t !== 'xz' && t !== 'openssl'), 'curl', 'sha256sum'];
    const gz = await run({ uname: fakeUname('Linux', 'x86_64'), ldd: GLIBC_LDD }, tools);
    expect(gz.status, gz.stderr).toBe(0);
    expect(fetched(before)[0]).toBe(`node-v${V}-linux-x64.tar.gz`);
  });

  it('refuses musl (Alpine) with the apk command, downloading nothing', async () => {
    const before = mirror.requests.length;
    const r = await run({ uname: fakeUname('Linux', 'x86_64'), ldd: MUSL_LDD });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe([
      'aws-oidc/ecr-login: install-node: the C library here is musl (Alpine); the official Node.js builds need glibc.',
      "  fix: run 'apk add --no-cache nodejs' in an earlier step (Alpine 3.19+ has Node.js 20+) and leave install-node empty.", ''].join('\n'));
    expect(mirror.requests.length).toBe(before);
    expect(existsSync(join(r.home, '.aws-oidc', 'node'))).toBe(false);
  });

  it.each([['FreeBSD', 'amd64'], ['SunOS', 'i86pc']])('refuses %s, which has no official build', async (system, machine) => {
    const r = await run({ uname: fakeUname(system, machine) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`install-node: no official Node.js build for ${system}; install-node serves Linux (glibc) and macOS.`);
    expect(r.stderr).toContain('fix: install Node.js 20+ in an earlier step and leave install-node empty.');
  });

  it('refuses an architecture without a tarball', async () => {
    const r = await run({ uname: fakeUname('Linux', 's390x'), ldd: GLIBC_LDD });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('install-node: no Node.js tarball for the architecture s390x.');
  });
});
