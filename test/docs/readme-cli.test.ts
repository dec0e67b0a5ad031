// The README's CLI instructions as a new user follows them: from a copy of the repository without dist/,
// `npm pack` builds and packs the CLI (prepack), the tarball is ignored by git, and the install block's
// lines run as written (npm's global prefix and cache pointed at a temporary directory, offline); the
// IAM set-up's thumbprint line computes what AWS's guide computes, and Debian's AWS CLI 2.9 takes the
// create-open-id-connect-provider line with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { findMotoServer, Moto } from '../harness/moto.ts';
import { motoSkipReason } from '../harness/use-moto.ts';

const README = readFileSync('README.md', 'utf8');
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), 'readme-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The fenced `sh` blocks of the README between `heading` (a line of its own) and the next heading of its level or above. */
function shBlocks(heading: string): string[] {
  const start = README.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const level = /^#+/.exec(heading)![0];
  const next = README.slice(start + heading.length + 2).search(new RegExp(`^#{1,${level.length}} `, 'm'));
  const body = README.slice(start, next === -1 ? undefined : start + heading.length + 2 + next);
  return [...body.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** A copy of the repository's tracked files as a fresh clone has them (no dist/), with this checkout's node_modules as `npm ci` would install them. */
async function freshCopy(): Promise<string> {
  const dir = join(work, 'clone');
  const files = (await execa('git', ['ls-files', '-z'])).stdout.split('\0').filter((f) => f !== '' && existsSync(f));
  for (const f of files) {
    mkdirSync(join(dir, dirname(f)), { recursive: true });
    cpSync(f, join(dir, f));
  }
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('installing the CLI from a packed tarball', () => {
  let clone = '';
  const npmEnv = () => ({ npm_config_prefix: join(work, 'global'), npm_config_cache: join(work, 'npm-cache'), npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' });
  beforeAll(async () => { clone = await freshCopy(); }, 60_000);

  it('npm pack from a fresh clone builds the CLI first (prepack) and packs it', async () => {
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    const dry = await execa('npm', ['pack', '--dry-run', '--json'], { cwd: clone, env: npmEnv(), reject: false });
    expect(dry.exitCode, dry.stderr).toBe(0);
    const [info] = JSON.parse(dry.stdout) as [{ files: { path: string }[] }];
    expect(info.files.map((f) => f.path)).toContain('dist/cli.cjs');
  }, 120_000);

  it('git ignores the tarballs npm pack writes', async () => {
    const r = await execa('git', ['check-ignore', '--no-index', `aws-oidc-${VERSION}.tgz`, 'sub/other-1.0.0.tgz'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual([`aws-oidc-${VERSION}.tgz`, 'sub/other-1.0.0.tgz']);
  });

  it('the README\'s install lines run as written and give an aws-oidc of this version on PATH', async () => {
    const [block] = shBlocks('### Installing the CLI from a packed tarball');
    const lines = block!.split('\n').map((l) => l.replace(/\s+#.*$/, '')).filter((l) => l !== '');
    expect(lines).toEqual(['npm ci', 'npm pack', `npm install -g ./aws-oidc-${VERSION}.tgz`, 'aws-oidc --version']);
    // `npm ci` is what the clone's node_modules stands for (installing it again offline would add nothing here).
    const env = { ...npmEnv(), PATH: `${join(work, 'global', 'bin')}:${process.env.PATH ?? ''}` };
    let last = '';
    for (const line of lines.slice(1)) {
      const r = await execa('bash', ['--noprofile', '--norc', '-c', line], { cwd: clone, env, reject: false });
      expect(r.exitCode, `${line}\n${r.stderr}`).toBe(0);
      last = r.stdout;
    }
    expect(existsSync(join(clone, `aws-oidc-${VERSION}.tgz`))).toBe(true);
    expect(last).toBe(VERSION);
  }, 180_000);
});

describe('the IAM set-up\'s AWS CLI lines', () => {
  const block = shBlocks('## IAM set-up').find((b) => b.includes('create-open-id-connect-provider'))!;
  const thumbprintLine = /^THUMBPRINT=[\s\S]*?[^\\]\n/m.exec(block)![0];
  const providerLine = block.split('\n').find((l) => l.startsWith('aws iam create-open-id-connect-provider '))!;
  let server: Server | undefined;
  let intermediate = '';
  afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  /** A server on 127.0.0.1 with a leaf certificate and the intermediate that signed it (a root signed that): the chain a CA-issued site presents. */
  beforeAll(async () => {
    const dir = join(work, 'tls');
    mkdirSync(dir);
    const script = [
      'openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 2 -subj /CN=test-root -addext basicConstraints=critical,CA:TRUE',
      'openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj /CN=test-intermediate',
      'printf "basicConstraints=critical,CA:TRUE\\n" > ca.ext',
      'openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -out int.pem -days 2 -extfile ca.ext',
      'openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=oidc.circleci.com',
      'openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -out leaf.pem -days 2',
    ].join(' && ');
    await execa('bash', ['--noprofile', '--norc', '-c', script], { cwd: dir });
    intermediate = readFileSync(join(dir, 'int.pem'), 'utf8');
    server = createServer({ key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(join(dir, 'leaf.pem'), 'utf8') + intermediate }, (s) => s.end());
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  }, 60_000);

  it('THUMBPRINT is the SHA-1 fingerprint of the last certificate the server presents, 40 hex digits', async () => {
    const port = (server!.address() as AddressInfo).port;
    const local = thumbprintLine.replace('-connect oidc.circleci.com:443', `-connect 127.0.0.1:${port}`);
    expect(local).not.toBe(thumbprintLine);
    const r = await execa('bash', ['--noprofile', '--norc', '-c', `${local}printf %s "$THUMBPRINT"`]);
    expect(r.stdout).toMatch(/^[0-9A-F]{40}$/);
    expect(r.stdout).toBe(new X509Certificate(intermediate).fingerprint.replace(/:/g, ''));
  });

  const skip = motoSkipReason();
  it.skipIf(skip !== undefined)('Debian\'s AWS CLI 2.9 creates the provider with the line as written (against moto)', async () => {
    expect(findMotoServer(), 'moto_server').toBeDefined();
    const moto = await Moto.start();
    try {
      // AWS CLI 2.9 does not read AWS_ENDPOINT_URL (2.13 and later do): every call names moto with --endpoint-url.
      const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', THUMBPRINT: 'a'.repeat(40) };
      const atMoto = ` --endpoint-url ${moto.url}`;
      const version = await execa('/usr/bin/aws', ['--version'], { env });
      console.log(`AWS CLI: ${version.stdout}`);
      const org = '0b6c4e5a-1f2d-4c3b-9a8e-7d6c5b4a3f21';
      const line = providerLine.replaceAll('<ORG_ID>', org).replace(/^aws /, '/usr/bin/aws ') + atMoto;
      const made = await execa('bash', ['--noprofile', '--norc', '-c', line], { env, reject: false });
      expect(made.exitCode, made.stderr).toBe(0);
      // Without the thumbprint this AWS CLI refuses the call before sending it.
      const without = await execa('bash', ['--noprofile', '--norc', '-c', line.replace(/ --thumbprint-list "\$THUMBPRINT"/, '')], { env, reject: false });
      expect(without.exitCode).not.toBe(0);
      expect(without.stderr).toContain('--thumbprint-list');
      const listed = await execa('/usr/bin/aws', ['iam', 'list-open-id-connect-providers', '--endpoint-url', moto.url], { env });
      expect(listed.stdout).toContain(`oidc-provider/oidc.circleci.com/org/${org}`);
    } finally {
      await moto.stop();
    }
  }, 120_000);
  if (skip) console.log(skip);
});
