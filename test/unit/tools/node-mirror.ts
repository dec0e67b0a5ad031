// A local https stand-in for nodejs.org/dist for the install-node tests: a throwaway CA (openssl) that the wrapper is
// told to trust through SSL_CERT_FILE, the release layout (v<ver>/<tarball>, v<ver>/SHASUMS256.txt), redirects, and
// a plain-http twin of the same files.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_TOOLS } from './wrapper-run.ts';

/** What the install path runs besides curl or wget. */
export const NEEDED = [...BASE_TOOLS, 'chmod', 'cat', 'mv', 'rm', 'mktemp', 'tar', 'xz', 'gzip', 'openssl', 'tr', 'sed', 'dirname'];
/** This machine's Linux platform as release file names spell it. */
export const CPU = arch() === 'arm64' ? 'arm64' : 'x64';

/** A CA made for one test run, and a certificate for 127.0.0.1 that it signed. */
export interface ThrowawayCa { caFile: string; key: string; cert: string }

/** Makes the CA and the server certificate with openssl in `dir` (the CA's key stays there, unused later). */
export function throwawayCa(dir: string): ThrowawayCa {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=aws-oidc test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  ssl('req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext', '-out', 'server.pem');
  return { caFile: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}

/** A running mirror: `url` is https, `plainUrl` serves the same files over http. */
export interface Mirror { url: string; plainUrl: string; caFile: string; root: string; requests: string[]; close(): Promise<void> }

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the mirror has no port');
  return address.port;
};

/**
 * Serves files from a fresh root over https and http. `/to-http/<path>` and `/to-https/<path>` redirect (302) to
 * `<path>` on the http or the https server.
 */
export async function startMirror(): Promise<Mirror> {
  const root = mkdtempSync(join(tmpdir(), 'node-mirror-'));
  const ca = throwawayCa(mkdtempSync(join(tmpdir(), 'node-mirror-ca-')));
  const requests: string[] = [];
  const ports = { http: 0, https: 0 };
  const handle = (scheme: string) => (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(`${scheme} ${path}`);
    const hop = /^\/to-(https?)(\/.*)$/.exec(path);
    if (hop) { res.writeHead(302, { location: `${hop[1]}://127.0.0.1:${hop[1] === 'https' ? ports.https : ports.http}${hop[2]}` }).end(); return; }
    const file = join(root, path);
    if (path.includes('..') || !existsSync(file)) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200).end(readFileSync(file));
  };
  const https = createHttps({ key: ca.key, cert: ca.cert }, handle('https'));
  const http = createHttp(handle('http'));
  ports.https = await listen(https as unknown as Server);
  ports.http = await listen(http);
  return {
    url: `https://127.0.0.1:${ports.https}`, plainUrl: `http://127.0.0.1:${ports.http}`, caFile: ca.caFile, root, requests,
    close: async () => {
      await Promise.all([https, http].map((s) => new Promise((done) => s.close(done))));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The SHA-256 of a file, as SHASUMS256.txt lists it. */
export const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** What goes in a release's tarball as bin/node: this machine's node, or a script that answers --version with `reports`. */
export type FakeNode = { real: true } | { reports: string };

/**
 * Adds release v<version> to the mirror: <name>.<ext> holding <name>/bin/node, and SHASUMS256.txt listing it
 * (with `wrongSum`, listing another SHA-256). Returns the tarball's SHA-256.
 */
export function addRelease(root: string, version: string, platform: string, ext: 'tar.xz' | 'tar.gz', node: FakeNode, wrongSum = false): string {
  const name = `node-v${version}-${platform}`;
  const stage = mkdtempSync(join(tmpdir(), 'node-stage-'));
  mkdirSync(join(stage, name, 'bin'), { recursive: true });
  const bin = join(stage, name, 'bin', 'node');
  if ('real' in node) writeFileSync(bin, readFileSync(process.execPath), { mode: 0o755 });
  else writeFileSync(bin, `#!/bin/sh\nif [ "$1" = --version ]; then echo '${node.reports}'; exit 0; fi\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  mkdirSync(join(root, `v${version}`), { recursive: true });
  const tarball = join(root, `v${version}`, `${name}.${ext}`);
  const compress = ext === 'tar.xz' ? 'xz -0 -T2' : 'gzip -1';
  const made = spawnSync('/bin/sh', ['-c', `tar -C "$1" -cf - "$2" | ${compress} > "$3"`, 'sh', stage, name, tarball]);
  rmSync(stage, { recursive: true, force: true });
  if (made.status !== 0) throw new Error(`could not make ${tarball}: ${made.stderr.toString()}`);
  const sum = sha256(tarball);
  const listed = wrongSum ? 'a'.repeat(64) : sum;
  const sums = join(root, `v${version}`, 'SHASUMS256.txt');
  const before = existsSync(sums) ? readFileSync(sums, 'utf8') : `${'0'.repeat(64)}  node-v${version}-win-x64.zip\n`;
  writeFileSync(sums, `${before}${listed}  ${name}.${ext}\n`);
  return sum;
}
