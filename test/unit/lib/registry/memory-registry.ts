// A registry API (OCI distribution spec) held in memory on 127.0.0.1, for the in-process tests of the registry
// client, the copy and promote-image: manifests by tag and digest, blobs, monolithic uploads that check the
// digest, cross-repository mounts, and faults to answer with. It records every request it got.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryClient } from '../../../../src/lib/registry/client.ts';
import { registryTransport } from '../../../../src/lib/registry/transport.ts';

export const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** One request as the registry saw it: method and URL, and the headers that matter. */
export interface Seen { line: string; auth: string | undefined; contentType: string | undefined; contentLength: string | undefined }

/**
 * An answer the registry gives instead of its own to the next `times` (default 1) requests whose "METHOD URL"
 * matches `match`: an error document with `code`, else `body` (default none).
 */
export interface Fault { match: RegExp; status: number; code?: string; times?: number; headers?: Record<string, string>; body?: string }

/** What a registry stored under `repo`: manifests by tag and digest, blobs by digest. */
interface Repo { manifests: Map<string, { bytes: Buffer; mediaType: string }>; blobs: Map<string, Buffer> }

/** A running in-memory registry. */
export interface MemoryRegistry {
  url: string;
  host: string;
  seen: Seen[];
  faults: Fault[];
  /** The repository `name`, made when missing. */
  repo(name: string): Repo;
  /** A client of this registry logged in as AWS with `password`. */
  client(password?: string): RegistryClient;
  close(): Promise<void>;
}

/**
 * Options: `mount` lets a POST with ?mount= take the blob from another repository (201); `lie` serves blobs with
 * this content-length; `chunked` serves them without one.
 */
export interface RegistryOptions { mount?: boolean; lie?: number; chunked?: boolean }

const open: (() => Promise<void>)[] = [];

/** Closes every registry the test file started (for afterEach). */
export const closeRegistries = (): Promise<unknown> => Promise.all(open.splice(0).map((c) => c()));

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const refuse = (res: ServerResponse, status: number, code: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ errors: [{ code, message: `${code.toLowerCase()} here` }] }));
};

/** Starts a registry on 127.0.0.1 (closed by closeRegistries). */
export async function memoryRegistry(opts: RegistryOptions = {}): Promise<MemoryRegistry> {
  const repos = new Map<string, Repo>();
  const repo = (name: string): Repo => repos.get(name) ?? (repos.set(name, { manifests: new Map(), blobs: new Map() }).get(name) as Repo);
  const seen: Seen[] = [];
  const faults: Fault[] = [];
  let uploads = 0;
  const server = createServer((req, res) => void body(req).then((bytes) => {
    const line = `${req.method} ${req.url}`;
    seen.push({ line, auth: req.headers.authorization, contentType: req.headers['content-type'], contentLength: req.headers['content-length'] });
    const fault = faults.find((f) => (f.times ?? 1) > 0 && f.match.test(line));
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.code) refuse(res, fault.status, fault.code, fault.headers);
      else res.writeHead(fault.status, fault.headers ?? {}).end(fault.body);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://registry');
    const m = /^\/v2\/(.+)\/(manifests|blobs|blobs\/uploads)\/([^/]*)$/.exec(url.pathname);
    if (!m) return refuse(res, 404, 'NOT_FOUND');
    const [, name = '', kind, ref = ''] = m;
    const r = repo(name);
    if (kind === 'manifests' && req.method === 'PUT') {
      const digest = sha(bytes);
      r.manifests.set(ref, { bytes, mediaType: req.headers['content-type'] ?? '' });
      r.manifests.set(digest, { bytes, mediaType: req.headers['content-type'] ?? '' });
      return void res.writeHead(201, { 'docker-content-digest': digest }).end();
    }
    if (kind === 'manifests') {
      const found = r.manifests.get(ref);
      // Like distribution (and ECR), a manifest of a kind the Accept header does not name is unknown.
      const accepted = String(req.headers.accept).split(',').map((t) => t.trim());
      if (!found || (found.mediaType && !accepted.includes(found.mediaType.split(';')[0]?.trim() ?? ''))) return refuse(res, 404, 'MANIFEST_UNKNOWN');
      return void res.writeHead(200, found.mediaType ? { 'content-type': found.mediaType } : {}).end(req.method === 'HEAD' ? undefined : found.bytes);
    }
    if (kind === 'blobs') {
      const blob = r.blobs.get(ref);
      if (!blob) return void res.writeHead(404).end();
      res.writeHead(200, opts.chunked ? {} : { 'content-length': String(opts.lie ?? blob.length) });
      if (req.method !== 'HEAD') res.write(blob);
      return void res.end();
    }
    const from = url.searchParams.get('from');
    const digest = url.searchParams.get('digest') ?? url.searchParams.get('mount') ?? '';
    const there = from === null ? undefined : repos.get(from)?.blobs.get(digest);
    if (req.method === 'POST' && opts.mount && there) {
      r.blobs.set(digest, there);
      return void res.writeHead(201, { location: `/v2/${name}/blobs/${digest}` }).end();
    }
    if (req.method === 'POST') return void res.writeHead(202, { location: `/v2/${name}/blobs/uploads/u${++uploads}?state=x` }).end();
    if (sha(bytes) !== digest) return refuse(res, 400, 'DIGEST_INVALID');
    r.blobs.set(digest, bytes);
    res.writeHead(201).end();
  }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  open.push(close);
  const send = registryTransport({}, 5_000);
  return { url: `http://${host}`, host, seen, faults, repo, client: (password = 'registry-password') => new RegistryClient(`http://${host}`, 'AWS', password, send), close };
}

/** An image stored in `reg`'s `name`: its config and layers (blobs) and its manifest under `tag`; returns the manifest's digest and bytes. */
export function storeImage(reg: MemoryRegistry, name: string, tag: string, layers: string[], extra: object = {}): { digest: string; bytes: Buffer; blobs: string[] } {
  const r = reg.repo(name);
  const parts = [`config of ${tag}`, ...layers].map((t) => Buffer.from(t));
  for (const p of parts) r.blobs.set(sha(p), p);
  const [config, ...rest] = parts.map((p) => ({ mediaType: 'application/octet-stream', digest: sha(p), size: p.length }));
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: rest, ...extra }));
  r.manifests.set(tag, { bytes, mediaType: OCI_MANIFEST });
  r.manifests.set(sha(bytes), { bytes, mediaType: OCI_MANIFEST });
  return { digest: sha(bytes), bytes, blobs: parts.map((p) => sha(p)) };
}

/** A list (OCI index) in `reg`'s `name` under `tag`, naming `children` (manifest digests with their entries' extra fields). */
export function storeList(reg: MemoryRegistry, name: string, tag: string, children: { digest: string; size: number; [k: string]: unknown }[], mediaType = OCI_INDEX): { digest: string; bytes: Buffer } {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: children.map((c) => ({ mediaType: OCI_MANIFEST, ...c })) }));
  reg.repo(name).manifests.set(tag, { bytes, mediaType });
  reg.repo(name).manifests.set(sha(bytes), { bytes, mediaType });
  return { digest: sha(bytes), bytes };
}
