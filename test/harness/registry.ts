// A registry for one ECR account: Debian's docker-registry (distribution) with htpasswd auth, behind a
// front on 127.0.0.1 that admits exactly what ECR admits: user AWS with an unexpired password the
// local ECR issued for this account. (htpasswd alone cannot hold ECR's passwords: one entry per user,
// and bcrypt reads only 72 bytes; so the front checks the ECR password and signs in to the registry
// with its own htpasswd user.)
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalAws } from './aws/index.ts';

/** One request the front saw: who (by ECR identity), what, and the answer. */
export interface RegistryRequest { method: string; path: string; status: number; identityArn: string | undefined }

/** A fault the front answers with instead of forwarding, for the next `times` matching requests. */
export interface RegistryFault { status: number; times: number; method?: string; pathIncludes?: string }

const REGISTRY_BIN = '/usr/bin/docker-registry';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch {
      if (Date.now() > until) throw new Error(`${url} did not answer within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export class LocalRegistry {
  readonly requests: RegistryRequest[] = [];
  private readonly faults: RegistryFault[] = [];

  private constructor(
    readonly account: string,
    private readonly aws: LocalAws,
    private readonly front: Server,
    private readonly backend: ChildProcess,
    private readonly backendPort: number,
    private readonly backendAuth: string,
    private readonly dir: string,
  ) {}

  /** Starts docker-registry on a free port and the ECR-checking front on another. */
  static async start(account: string, aws: LocalAws): Promise<LocalRegistry> {
    try {
      execFileSync(REGISTRY_BIN, ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${REGISTRY_BIN} is missing: install Debian's docker-registry package (bash .ci/run does)`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'rig-registry-'));
    const backendPort = await freePort();
    const password = randomBytes(24).toString('hex');
    const htpasswd = execFileSync('htpasswd', ['-niBC', '4', 'rig'], { input: password }).toString();
    writeFileSync(join(dir, 'htpasswd'), htpasswd, { mode: 0o600 });
    writeFileSync(join(dir, 'config.yml'), [
      'version: 0.1',
      'log:', '  level: warn',
      'storage:', `  filesystem:`, `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true',
      'http:', `  addr: 127.0.0.1:${backendPort}`, '  relativeurls: true',
      'auth:', '  htpasswd:', '    realm: rig', `    path: ${join(dir, 'htpasswd')}`, '',
    ].join('\n'));
    const backend = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    backend.stderr?.on('data', (c: Buffer) => { log = (log + c.toString()).slice(-4000); });
    try {
      await waitFor(`http://127.0.0.1:${backendPort}/v2/`, 10_000);
    } catch (err) {
      backend.kill();
      throw new Error(`docker-registry did not start: ${(err as Error).message}\n${log}`);
    }
    const holder: { registry?: LocalRegistry } = {};
    const front = createServer((req, res) => holder.registry?.handle(req, res));
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    holder.registry = new LocalRegistry(account, aws, front, backend, backendPort, `Basic ${Buffer.from(`rig:${password}`).toString('base64')}`, dir);
    return holder.registry;
  }

  /** host:port, as docker names the registry. */
  get host(): string {
    return `127.0.0.1:${(this.front.address() as AddressInfo).port}`;
  }

  /** The proxyEndpoint ECR reports for this registry. */
  get endpoint(): string {
    return `http://${this.host}`;
  }

  /** Makes the next matching requests fail with `status`, as a registry in trouble would. */
  injectFault(f: RegistryFault): void {
    this.faults.push({ ...f });
  }

  private identity(req: IncomingMessage): string | undefined {
    const m = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return undefined;
    const text = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0 || text.slice(0, colon) !== 'AWS') return undefined;
    const who = this.aws.validEcrPassword(text.slice(colon + 1));
    return who?.account === this.account ? who.identityArn : undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const identityArn = this.identity(req);
    const record = (status: number) => this.requests.push({ method: req.method ?? '', path, status, identityArn });
    if (!identityArn) {
      record(401);
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `Basic realm="${this.host}"`, 'docker-distribution-api-version': 'registry/2.0' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] }) + '\n');
      return;
    }
    const fault = this.faults.find((f) => f.times > 0 && (!f.method || f.method === req.method) && (!f.pathIncludes || path.includes(f.pathIncludes)));
    if (fault) {
      fault.times--;
      record(fault.status);
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected fault', detail: null }] }) + '\n');
      return;
    }
    const headers = { ...req.headers, authorization: this.backendAuth };
    const up = request({ host: '127.0.0.1', port: this.backendPort, method: req.method, path, headers }, (r) => {
      record(r.statusCode ?? 0);
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (err) => {
      record(502);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`registry backend: ${err.message}\n`);
    });
    req.pipe(up);
  }

  /** The digest the registry serves for repo:tag (HEAD of the manifest, as docker pull sees it). */
  async manifestDigest(repo: string, tag: string): Promise<string | undefined> {
    const r = await fetch(`http://127.0.0.1:${this.backendPort}/v2/${repo}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { authorization: this.backendAuth, accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
    });
    return r.ok ? r.headers.get('docker-content-digest') ?? undefined : undefined;
  }

  async close(): Promise<void> {
    this.backend.kill();
    await new Promise((r) => this.front.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
