// A small client of the registry API (the OCI distribution spec, which ECR serves) for copying an image:
// manifests by tag or digest, blob presence, cross-repository mounts, monolithic blob uploads. ECR's
// registry takes HTTP basic auth with the user and password of GetAuthorizationToken; the password lives
// only in the Authorization header this client sends, never in a message.
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { serverText } from '../aws/errors.ts';
import { readBody, type HttpAnswer, type Send } from './transport.ts';

/** Every manifest kind the client reads and writes: docker schema 2 and OCI, single images and lists. */
export const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json',
];

/** A registry's refusal or failure: `status` (HTTP), `code` (the registry's, e.g. TAG_INVALID, MANIFEST_UNKNOWN), and the request. */
export class RegistryError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(readonly status: number, readonly code: string, readonly request: string, detail: string) {
    // The registry's code and text are quoted on one line, cut short.
    super(`${request}: HTTP ${status}${code ? ` ${serverText(code).slice(0, 60)}` : ''}${detail ? `: ${serverText(detail)}` : ''}`);
    // Named so the project's retry reads a 429 as throttling and a 5xx by its status.
    this.name = status === 429 ? 'TooManyRequestsException' : code || `HTTP${status}`;
    this.$metadata = { httpStatusCode: status };
  }
}

/** A manifest exactly as the registry serves it: its bytes, media type and digest (sha256 of the bytes). */
export interface Manifest { bytes: Buffer; mediaType: string; digest: string }

/** sha256:<hex> of `bytes`. */
export const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The most bytes of an error document (or of a body nobody needs) that are read. */
const MAX_SMALL_BODY = 64 << 10;

/** Reads and drops a body nobody needs, within the same bounds as an error document, so a body that never ends cannot hold its connection. */
const drain = (a: HttpAnswer): void => void readBody(a.body, MAX_SMALL_BODY, a.readMs).catch(() => undefined);

/** The whole body of an answer for `request`, within the transport's read deadline; past `limit` bytes a RegistryError naming the request and the limit. */
async function wholeBody(a: HttpAnswer, request: string, limit?: number): Promise<Buffer> {
  return readBody(a.body, limit, a.readMs).catch((err: Error & { code?: string }) => {
    throw err.code ? Object.assign(err, { message: `${request}: ${err.message}` }) : new RegistryError(a.status, '', request, err.message);
  });
}

/** The registry's error document ({"errors":[{code, message}]}) of a failed answer, as a RegistryError. */
async function refusal(a: HttpAnswer, request: string): Promise<RegistryError> {
  const text = (await readBody(a.body, MAX_SMALL_BODY, a.readMs).catch(() => Buffer.alloc(0))).toString('utf8');
  try {
    const e = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
    return new RegistryError(a.status, String(e?.code ?? ''), request, String(e?.message ?? ''));
  } catch {
    return new RegistryError(a.status, '', request, text);
  }
}

/** The client of one registry (its proxyEndpoint, e.g. https://<account>.dkr.ecr.<region>.amazonaws.com) for one identity. */
export class RegistryClient {
  private readonly base: URL;
  private readonly authorization: string;

  /** `endpoint` is the registry's URL; `username`/`password` its basic-auth login; `send` the transport. */
  constructor(endpoint: string, username: string, password: string, private readonly send: Send) {
    this.base = new URL(endpoint);
    this.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  /** host[:port] of the registry, as docker names it. */
  get host(): string {
    return this.base.host;
  }

  private url(path: string): URL {
    return new URL(path, this.base);
  }

  /** One request with the login (only to the registry's own origin); a redirect elsewhere is followed without it (ECR sends blobs from S3). */
  private async call(method: string, url: URL, headers: Record<string, string> = {}, body?: Buffer | Readable): Promise<HttpAnswer> {
    let target = url;
    for (let hop = 0; ; hop++) {
      const auth = target.origin === this.base.origin ? { authorization: this.authorization } : {};
      const a = await this.send({ method, url: target, headers: { ...headers, ...auth }, ...(body === undefined ? {} : { body }) });
      const location = a.headers.location;
      if (![301, 302, 303, 307, 308].includes(a.status) || !location || (method !== 'GET' && method !== 'HEAD') || hop >= 5) return a;
      drain(a);
      target = new URL(location, target);
    }
  }

  /** The manifest `ref` (tag or digest) of `repo`; undefined when the registry has none (404). Checks a digest ref against the bytes. */
  async manifest(repo: string, ref: string): Promise<Manifest | undefined> {
    const what = `GET ${this.host}/v2/${repo}/manifests/${ref}`;
    const a = await this.call('GET', this.url(`/v2/${repo}/manifests/${ref}`), { accept: MANIFEST_TYPES.join(', ') });
    if (a.status === 404) {
      drain(a);
      return undefined;
    }
    if (a.status !== 200) throw await refusal(a, what);
    const bytes = await wholeBody(a, what);
    const digest = sha256(bytes);
    if (ref.startsWith('sha256:') && ref !== digest) throw new RegistryError(200, 'DIGEST_INVALID', what, `the bytes served have digest ${digest}`);
    const mediaType = String(a.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    return { bytes, mediaType, digest };
  }

  /** True when `repo` has the blob (HEAD answers 200), false on 404. */
  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const a = await this.call('HEAD', this.url(`/v2/${repo}/blobs/${digest}`));
    drain(a);
    if (a.status === 200) return true;
    if (a.status === 404) return false;
    throw new RegistryError(a.status, '', `HEAD ${this.host}/v2/${repo}/blobs/${digest}`, '');
  }

  /** The blob as a stream, with its length from the registry (redirects followed). */
  async blob(repo: string, digest: string): Promise<{ body: Readable; length: number | undefined }> {
    const a = await this.call('GET', this.url(`/v2/${repo}/blobs/${digest}`));
    if (a.status !== 200) throw await refusal(a, `GET ${this.host}/v2/${repo}/blobs/${digest}`);
    const length = a.headers['content-length'];
    return { body: a.body, length: length === undefined ? undefined : Number(length) };
  }

  /**
   * Starts a blob upload in `repo`; with `mountFrom` (a repository of this registry) asks to mount the blob
   * from there first. Returns 'mounted' when the registry did, else the upload's location.
   */
  async startUpload(repo: string, mount?: { digest: string; from: string }): Promise<'mounted' | URL> {
    const query = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : '';
    const what = `POST ${this.host}/v2/${repo}/blobs/uploads/`;
    const a = await this.call('POST', this.url(`/v2/${repo}/blobs/uploads/${query}`), { 'content-length': '0' });
    if (mount && a.status === 201) {
      drain(a);
      return 'mounted';
    }
    if (a.status !== 202 || !a.headers.location) throw await refusal(a, what);
    drain(a);
    return new URL(a.headers.location, this.base);
  }

  /** Completes an upload at `location` with the whole blob in one PUT (`size` bytes); the registry checks the digest. */
  async finishUpload(location: URL, digest: string, body: Readable, size: number): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const a = await this.call('PUT', url, { 'content-type': 'application/octet-stream', 'content-length': String(size) }, body);
    if (a.status !== 201) throw await refusal(a, `PUT ${this.host}${location.pathname} (blob ${digest})`);
    drain(a);
  }

  /** Puts a manifest under `ref` (a tag, or its digest); returns the digest the registry reports. */
  async putManifest(repo: string, ref: string, m: Manifest): Promise<string> {
    const a = await this.call('PUT', this.url(`/v2/${repo}/manifests/${ref}`), { 'content-type': m.mediaType, 'content-length': String(m.bytes.length) }, m.bytes);
    if (a.status !== 201) throw await refusal(a, `PUT ${this.host}/v2/${repo}/manifests/${ref}`);
    drain(a);
    return String(a.headers['docker-content-digest'] ?? m.digest);
  }
}
