// The registry client against a tiny local server: the login goes to the registry only (not to a redirect's
// host, as ECR sends blobs from S3), digests are checked, refusals keep the registry's code.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, RegistryError, sha256 } from '../../../../src/lib/registry/client.ts';
import { readBody, registryTransport } from '../../../../src/lib/registry/transport.ts';

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
