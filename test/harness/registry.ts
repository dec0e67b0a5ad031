// A registry for one ECR account: Debian's docker-registry (distribution) with htpasswd auth, behind a
// front on 127.0.0.1 that admits exactly what ECR admits: user AWS with an unexpired password the
// local ECR issued for this account. (htpasswd alone cannot hold ECR's passwords: one entry per user,
// and bcrypt reads only 72 bytes; so the front checks the ECR password and signs in to the registry
// with its own htpasswd user.) Like ECR, it refuses pushes and pulls of a repository the local ECR does
// not have (NAME_UNKNOWN), and it is the local ECR's image source for DescribeImages and BatchGetImage.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageId, ImageRecord, LocalAws } from './aws/index.ts';
import { defaultRegistryEndpoint } from './aws/ecr-state.ts';
import { ensureDocker } from './docker.ts';

/**
 * What a request's Authorization header held, whatever the front made of it: nothing; user AWS with an
 * unexpired password the local ECR issued (for `account`'s registry, to `identityArn`); or anything else.
 */
export type PresentedCredential = { kind: 'none' } | { kind: 'ecr-password'; account: string; identityArn: string } | { kind: 'other' };

/** One request the front saw: what it presented, whom the front admitted (undefined: refused with 401), what, and the answer. */
export interface RegistryRequest { method: string; path: string; status: number; identityArn: string | undefined; credential: PresentedCredential }

/**
 * The requests that stray from docker's auth flow as a login of `account` as `identity` makes it: only a request
 * without a credential may be refused (the 401 that asks docker for its login), and every credential presented must
 * be an unexpired ECR password issued for `account` to an identity `identity` matches. Judged by what each request
 * presented, not by what the front admitted, so it also holds when the front's own check is wrong.
 */
export function loginProblems(requests: readonly RegistryRequest[], account: string, identity: RegExp): RegistryRequest[] {
  return requests.filter((q) => {
    const c = q.credential;
    if (c.kind === 'none') return false;
    return q.status === 401 || c.kind !== 'ecr-password' || c.account !== account || !identity.test(c.identityArn);
  });
}

/** A fault the front answers with instead of forwarding, for the next `times` matching requests. */
export interface RegistryFault { status: number; times: number; method?: string; pathIncludes?: string }

const REGISTRY_BIN = '/usr/bin/docker-registry';
/** The rig's region (rig.ts REGION), where a registry's repositories live unless told otherwise. */
export const DEFAULT_REGISTRY_REGION = 'ap-northeast-1';
/** Every manifest kind the registry may hold: docker v2 and OCI, single images and lists. */
const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** The repository a distribution API path names (/v2/<name>/manifests|blobs|tags/...), if any. */
export function repositoryOfPath(path: string): string | undefined {
  const p = path.split('?')[0] ?? '';
  return /^\/v2\/(.+)\/(?:manifests\/[^/]+|blobs\/uploads(?:\/[^/]*)?|blobs\/[^/]+|tags\/list)$/.exec(p)?.[1];
}

/** A port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
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
  /** First push time (local AWS clock, epoch ms) per <repo>@<digest>, seen at the front. */
  private readonly pushedAt = new Map<string, number>();

  private constructor(
    readonly account: string,
    /** The region of the local ECR whose repositories this registry holds. */
    readonly region: string,
    private readonly aws: LocalAws,
    private readonly front: Server,
    private readonly backend: ChildProcess,
    private readonly backendPort: number,
    private readonly backendAuth: string,
    private readonly dir: string,
  ) {}

  /** Starts docker-registry on a free port and the ECR-checking front on another; `region` defaults to the rig's. */
  static async start(account: string, aws: LocalAws, opts: { region?: string } = {}): Promise<LocalRegistry> {
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
    holder.registry = new LocalRegistry(account, opts.region ?? DEFAULT_REGISTRY_REGION, aws, front, backend, backendPort, `Basic ${Buffer.from(`rig:${password}`).toString('base64')}`, dir);
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

  /** Drops every fault still queued. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  private credential(req: IncomingMessage): PresentedCredential {
    const header = req.headers.authorization;
    if (header === undefined) return { kind: 'none' };
    const m = /^Basic (.+)$/i.exec(header);
    if (!m?.[1]) return { kind: 'other' };
    const text = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0 || text.slice(0, colon) !== 'AWS') return { kind: 'other' };
    const who = this.aws.validEcrPassword(text.slice(colon + 1));
    return who ? { kind: 'ecr-password', ...who } : { kind: 'other' };
  }

  /** The identity admitted: only an unexpired ECR password issued for this registry's account gets in. */
  private admitted(c: PresentedCredential): string | undefined {
    return c.kind === 'ecr-password' && c.account === this.account ? c.identityArn : undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const credential = this.credential(req);
    const identityArn = this.admitted(credential);
    const record = (status: number) => this.requests.push({ method: req.method ?? '', path, status, identityArn, credential });
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
    // ECR keeps no implicit repositories: a push or pull of one it does not have is NAME_UNKNOWN.
    const repo = repositoryOfPath(path);
    if (repo !== undefined && !this.aws.hasRepository({ account: this.account, region: this.region, name: repo })) {
      record(404);
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
      const message = `The repository with name '${repo}' does not exist in the registry with id '${this.account}'`;
      res.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message }] }) + '\n');
      return;
    }
    // ECR refuses to move a tag of an IMMUTABLE repository, even to the digest it already names (aws/containers-roadmap#2179).
    const tag = req.method === 'PUT' && repo !== undefined ? /\/manifests\/([^/?]+)$/.exec(path.split('?')[0] ?? '')?.[1] : undefined;
    if (tag !== undefined && !tag.startsWith('sha256:') && this.aws.repository({ account: this.account, region: this.region, name: repo! })?.imageTagMutability.startsWith('IMMUTABLE')) {
      void this.refuseImmutable(req, res, repo!, decodeURIComponent(tag), record).catch(() => res.destroy());
      return;
    }
    this.forward(req, res, path, repo, record);
  }

  /** TAG_INVALID (ECR's words) when the IMMUTABLE repository has the tag already; else the push goes through. */
  private async refuseImmutable(req: IncomingMessage, res: ServerResponse, repo: string, tag: string, record: (status: number) => void): Promise<void> {
    if ((await this.manifestDigest(repo, tag)) === undefined) {
      this.forward(req, res, req.url ?? '/', repo, record);
      return;
    }
    record(400);
    req.resume();
    res.writeHead(400, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
    const message = `The image tag '${tag}' already exists in the '${repo}' repository and cannot be overwritten because the repository is immutable.`;
    res.end(JSON.stringify({ errors: [{ code: 'TAG_INVALID', message }] }) + '\n');
  }

  /** Passes a request to docker-registry with the front's own login; records manifest pushes (time, and the scan on push). */
  private forward(req: IncomingMessage, res: ServerResponse, path: string, repo: string | undefined, record: (status: number) => void): void {
    const headers = { ...req.headers, authorization: this.backendAuth };
    const up = request({ host: '127.0.0.1', port: this.backendPort, method: req.method, path, headers }, (r) => {
      record(r.statusCode ?? 0);
      const digest = r.headers['docker-content-digest'];
      if (req.method === 'PUT' && r.statusCode === 201 && repo !== undefined && path.includes('/manifests/') && typeof digest === 'string') {
        const key = `${repo}@${digest}`;
        if (!this.pushedAt.has(key)) this.pushedAt.set(key, this.aws.time());
        this.aws.imagePushed({ account: this.account, region: this.region, name: repo }, digest);
      }
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
    const r = await this.backendFetch(`/v2/${repo}/manifests/${encodeURIComponent(tag)}`, 'HEAD');
    return r.ok ? r.headers.get('docker-content-digest') ?? undefined : undefined;
  }

  /** Writes a manifest straight into docker-registry under `ref` (PutImage of the local ECR); rejects with the registry's error `code`. */
  async putManifest(repo: string, ref: string, manifest: string, mediaType: string): Promise<void> {
    const r = await fetch(`http://127.0.0.1:${this.backendPort}/v2/${repo}/manifests/${encodeURIComponent(ref)}`, {
      method: 'PUT', headers: { authorization: this.backendAuth, 'content-type': mediaType }, body: manifest,
    });
    if (r.status === 201) return;
    const body = (await r.json().catch(() => ({}))) as { errors?: { code?: string; message?: string }[] };
    const e = body.errors?.[0];
    throw Object.assign(new Error(`registry: ${e?.code ?? r.status} ${e?.message ?? ''}`), { code: e?.code ?? `HTTP${r.status}` });
  }

  private backendFetch(path: string, method = 'GET'): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.backendPort}${path}`, { method, headers: { authorization: this.backendAuth, accept: MANIFEST_ACCEPT } });
  }

  /** A blob of `repo` (an image config or a layer) as its bytes; undefined when the registry has none. */
  async blob(repo: string, digest: string): Promise<Buffer | undefined> {
    const r = await this.backendFetch(`/v2/${repo}/blobs/${digest}`);
    return r.ok ? Buffer.from(await r.arrayBuffer()) : undefined;
  }

  /** Every tag of `repo` (none when the registry has never seen the repository). */
  async tags(repo: string): Promise<string[]> {
    const r = await this.backendFetch(`/v2/${repo}/tags/list`);
    if (!r.ok) return [];
    const body = (await r.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  /** The image `repo` holds under a tag or digest, with every tag that points at its digest. */
  async image(repo: string, id: ImageId): Promise<ImageRecord | undefined> {
    const ref = id.imageDigest ?? id.imageTag;
    if (ref === undefined) return undefined;
    const r = await this.backendFetch(`/v2/${repo}/manifests/${encodeURIComponent(ref)}`);
    if (!r.ok) return undefined;
    const manifest = await r.text();
    const digest = r.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    const tags: string[] = [];
    for (const tag of await this.tags(repo)) if ((await this.manifestDigest(repo, tag)) === digest) tags.push(tag);
    return {
      digest,
      mediaType: (r.headers.get('content-type') ?? '').split(';')[0]!.trim(),
      manifest,
      tags,
      size: manifestSize(manifest),
      pushedAt: this.pushedAt.get(`${repo}@${digest}`) ?? this.aws.time(),
    };
  }

  /** Every tagged image of `repo`, one record per digest. */
  async images(repo: string): Promise<ImageRecord[]> {
    const out: ImageRecord[] = [];
    for (const tag of await this.tags(repo)) {
      if (out.some((i) => i.tags.includes(tag))) continue;
      const found = await this.image(repo, { imageTag: tag });
      if (found) out.push(found);
    }
    return out;
  }

  async close(): Promise<void> {
    this.backend.kill();
    await new Promise((r) => this.front.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** ECR's image size: the bytes of the layers a manifest names, or of the manifests a list names. */
function manifestSize(manifest: string): number {
  try {
    const m = JSON.parse(manifest) as { layers?: { size?: number }[]; manifests?: { size?: number }[] };
    return (m.layers ?? m.manifests ?? []).reduce((sum, x) => sum + (typeof x.size === 'number' ? x.size : 0), 0);
  } catch {
    return 0;
  }
}

/**
 * Starts the docker engine if needed and one registry per account, and connects them to the local ECR:
 * its proxyEndpoint names them, and its DescribeImages and BatchGetImage read their images.
 */
export async function startRegistries(aws: LocalAws, accounts: readonly string[], region = DEFAULT_REGISTRY_REGION): Promise<Map<string, LocalRegistry>> {
  await ensureDocker();
  const registries = new Map<string, LocalRegistry>();
  for (const account of accounts) registries.set(account, await LocalRegistry.start(account, aws, { region }));
  aws.setRegistryEndpoint((account, r) => registries.get(account)?.endpoint ?? defaultRegistryEndpoint(account, r));
  const registryOf = (account: string, r: string) => {
    const reg = registries.get(account);
    return reg?.region === r ? reg : undefined;
  };
  aws.setImageSource(
    async (account, r, repo, id) => registryOf(account, r)?.image(repo, id),
    async (account, r, repo) => (await registryOf(account, r)?.images(repo)) ?? [],
    async (account, r, repo, ref, manifest, mediaType) => {
      const reg = registryOf(account, r);
      if (!reg) throw new Error(`no registry for account ${account} in ${r}`);
      await reg.putManifest(repo, ref, manifest, mediaType);
    },
  );
  return registries;
}
