// The registry client against a tiny local server: the login goes to the registry only (not to a redirect's
// host, as ECR sends blobs from S3), digests are checked, refusals keep the registry's code.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, RegistryError, sha256 } from '../../../../src/lib/registry/client.ts';
import { MAX_MANIFEST_BYTES, readBody, registryTransport } from '../../../../src/lib/registry/transport.ts';
import { allClosed, listen as listenRig } from '../aws/http-rig.ts';
import { rejection } from '../../../support/rejection.ts';

const seen: { host: string; path: string; auth: string | undefined }[] = [];
const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:1","size":1},"layers":[]}');
let registry: Server;
let storage: Server;
const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
const listen = async (handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void) => {
  const s = createServer((req, res) => { seen.push({ host: req.headers.host ?? '', path: req.url ?? '', auth: req.headers.authorization }); handler(req, res); });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
};

beforeAll(async () => {
  storage = await listen((_req, res) => { res.writeHead(200, { 'content-length': '4' }); res.end('blob'); });
  registry = await listen((req, res) => {
    if (req.url === '/v2/app/blobs/sha256:b') { res.writeHead(307, { location: `${url(storage)}/bucket/b?X-Amz-Signature=x` }); res.end(); return; }
    if (req.method === 'GET' && req.url === '/v2/app/manifests/v1') { res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }); res.end(MANIFEST); return; }
    if (req.url?.startsWith('/v2/app/manifests/sha256:')) { res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }); res.end(MANIFEST); return; }
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"TAG_INVALID","message":"The image tag \'v1\' already exists"}]}');
  });
});
afterAll(async () => {
  await Promise.all([registry, storage].map((s) => new Promise((r) => s.close(r))));
});

describe('RegistryClient', () => {
  const client = () => new RegistryClient(url(registry), 'AWS', 'secret-password', registryTransport({}, 2000));

  it('follows a blob redirect to another host without the login', async () => {
    const { body, length } = await client().blob('app', 'sha256:b');
    expect((await readBody(body)).toString()).toBe('blob');
    expect(length).toBe(4);
    const [toRegistry, toStorage] = seen.slice(-2);
    expect(toRegistry?.auth).toBe(`Basic ${Buffer.from('AWS:secret-password').toString('base64')}`);
    expect(toStorage?.path).toBe('/bucket/b?X-Amz-Signature=x');
    expect(toStorage?.auth).toBeUndefined();
  });

  it('reads a manifest with its media type and digest, and refuses bytes that do not match a digest ref', async () => {
    const m = await client().manifest('app', 'v1');
    expect(m).toEqual({ bytes: MANIFEST, mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(MANIFEST) });
    await expect(client().manifest('app', `sha256:${'0'.repeat(64)}`)).rejects.toThrow(/DIGEST_INVALID.*the bytes served have digest sha256:/);
  });

  it('a refusal keeps the registry\'s code and message, and never the password', async () => {
    const err = await client().putManifest('app', 'v1', { bytes: MANIFEST, mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(MANIFEST) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).code).toBe('TAG_INVALID');
    expect((err as RegistryError).message).toMatch(/^PUT 127\.0\.0\.1:\d+\/v2\/app\/manifests\/v1: HTTP 400 TAG_INVALID: The image tag 'v1' already exists$/);
    expect(JSON.stringify(err)).not.toContain('secret-password');
  });
});

describe('RegistryClient against a hostile registry', { timeout: 10_000 }, () => {
  const IDLE_MS = 500;
  /** A registry that answers every request with `answer`; the client for it (idle and read deadline IDLE_MS). */
  const hostile = async (answer: (res: import('node:http').ServerResponse) => void) => {
    const server = await listenRig(createServer((req, res) => { req.resume().once('end', () => answer(res)); }));
    return { server, client: new RegistryClient(`http://127.0.0.1:${server.port}`, 'AWS', 'secret-password', registryTransport({}, IDLE_MS)) };
  };
  /** A body of one byte every 100 ms (under the idle deadline) that never ends. */
  const trickle = (status: number, headers: Record<string, string> = {}) => (res: import('node:http').ServerResponse) => {
    res.writeHead(status, headers).flushHeaders();
    const timer = setInterval(() => res.write(' '), 100);
    res.once('close', () => clearInterval(timer));
  };

  it(`a manifest over ${MAX_MANIFEST_BYTES} bytes: a one-line RegistryError naming the request and the limit`, async () => {
    const { server, client } = await hostile((res) => { res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(Buffer.alloc(MAX_MANIFEST_BYTES + 1, ' ')); });
    try {
      const err = await rejection(client.manifest('app', 'v1'), RegistryError);
      expect(err.message).toBe(`GET 127.0.0.1:${server.port}/v2/app/manifests/v1: HTTP 200: the reply is larger than ${MAX_MANIFEST_BYTES} bytes, the most the orb reads of it`);
    } finally { await server.close(); }
  });

  it('a manifest that trickles forever ends at the read deadline (ETIMEDOUT, naming the request), its connection closed', async () => {
    const { server, client } = await hostile(trickle(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }));
    try {
      const err = await rejection(client.manifest('app', 'v1'));
      expect(err).toMatchObject({ code: 'ETIMEDOUT', message: `GET 127.0.0.1:${server.port}/v2/app/manifests/v1: the reply was not complete within ${IDLE_MS / 1000}s` });
      await allClosed(server.sockets, IDLE_MS);
    } finally { await server.close(); }
  });

  it('an error page on many lines: the refusal quotes it on one line, cut short', async () => {
    const { server, client } = await hostile((res) => { res.writeHead(502, { 'content-type': 'text/html' }).end(`<html>\r\n<h1>Bad Gateway</h1>\n${'<p>filler</p>\n'.repeat(500)}</html>`); });
    try {
      const err = await rejection(client.startUpload('app'), RegistryError);
      expect(err.message).toMatch(/^POST 127\.0\.0\.1:\d+\/v2\/app\/blobs\/uploads\/: HTTP 502: <html> <h1>Bad Gateway<\/h1> <p>filler<\/p>.*\.\.\.$/);
      expect(err.message.length).toBeLessThan(400);
    } finally { await server.close(); }
  });

  it('a body nobody reads (an upload\'s 202) that never ends is dropped at the read deadline, not kept open', async () => {
    const { server, client } = await hostile(trickle(202, { location: '/v2/app/blobs/uploads/u1' }));
    try {
      await expect(client.startUpload('app')).resolves.toBeInstanceOf(URL);
      await allClosed(server.sockets, IDLE_MS * 3);
    } finally { await server.close(); }
  });
});
