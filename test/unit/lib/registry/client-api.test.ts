// The registry client's calls against an in-memory registry: what each sends (method, path, headers, login),
// what it makes of each answer (200, 201, 202, 404, a refusal), and where it stops following redirects.
import { afterEach, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { RegistryError, sha256 } from '../../../../src/lib/registry/client.ts';
import { readBody } from '../../../../src/lib/registry/transport.ts';
import { rejection } from '../../../support/rejection.ts';
import { closeRegistries, DOCKER_LIST, memoryRegistry, OCI_INDEX, OCI_MANIFEST, sha, storeImage } from './memory-registry.ts';

afterEach(closeRegistries);
const LOGIN = `Basic ${Buffer.from('AWS:registry-password').toString('base64')}`;
const D = `sha256:${'d'.repeat(64)}`;

describe('RegistryClient calls', () => {
  it('manifest: asks for every manifest kind with the login, reads the media type without parameters; 404 is undefined', async () => {
    const reg = await memoryRegistry();
    const img = storeImage(reg, 'team/app', 'v1', ['l']);
    reg.repo('team/app').manifests.set('v2', { bytes: img.bytes, mediaType: `${OCI_MANIFEST} ; charset=utf-8` });
    const c = reg.client();
    expect(c.host).toBe(reg.host);
    expect(await c.manifest('team/app', 'v2')).toEqual({ bytes: img.bytes, mediaType: OCI_MANIFEST, digest: img.digest });
    expect(await c.manifest('team/app', img.digest)).toMatchObject({ digest: img.digest });
    expect(await c.manifest('team/app', 'missing')).toBeUndefined();
    expect(reg.seen[0]).toMatchObject({ line: 'GET /v2/team/app/manifests/v2', auth: LOGIN });
    reg.repo('team/app').manifests.set('bare', { bytes: img.bytes, mediaType: '' });
    expect((await c.manifest('team/app', 'bare'))?.mediaType).toBe('');
  });

  it('manifest: reads docker and OCI images and lists alike (the registry serves only the kinds asked for)', async () => {
    const reg = await memoryRegistry();
    const kinds = ['application/vnd.docker.distribution.manifest.v2+json', DOCKER_LIST, OCI_MANIFEST, OCI_INDEX];
    for (const [i, mediaType] of kinds.entries()) reg.repo('app').manifests.set(`k${i}`, { bytes: Buffer.from(`{"n":${i}}`), mediaType });
    for (const [i, mediaType] of kinds.entries()) expect(await reg.client().manifest('app', `k${i}`)).toEqual({ bytes: Buffer.from(`{"n":${i}}`), mediaType, digest: sha(`{"n":${i}}`) });
  });

  it('a refusal whose body is no error document, too large, or an odd one: the code is empty, the text kept only when readable', async () => {
    const reg = await memoryRegistry();
    const bodies = ['{"message":"not the format"}', '{"errors":[null]}', 'x'.repeat(70_000), 'upstream timed out'];
    reg.faults.push(...bodies.map((body) => ({ match: /manifests\/v1$/, status: 400, body })));
    const messages = [];
    for (const _ of bodies) messages.push((await rejection(reg.client().manifest('app', 'v1'), RegistryError)).message);
    const req = `GET ${reg.host}/v2/app/manifests/v1: HTTP 400`;
    expect(messages).toEqual([req, req, req, `${req}: upstream timed out`]);
  });

  it('manifest: a refusal other than 404 is a RegistryError with the registry\'s code; a 429 reads as throttling', async () => {
    const reg = await memoryRegistry();
    reg.faults.push({ match: /manifests\/v1$/, status: 403, code: 'DENIED' }, { match: /manifests\/v2$/, status: 429, code: 'TOOMANYREQUESTS' });
    const denied = await rejection(reg.client().manifest('app', 'v1'), RegistryError);
    expect(denied).toMatchObject({ status: 403, code: 'DENIED', name: 'DENIED', $metadata: { httpStatusCode: 403 } });
    expect(denied.message).toBe(`GET ${reg.host}/v2/app/manifests/v1: HTTP 403 DENIED: denied here`);
    const slow = await rejection(reg.client().manifest('app', 'v2'), RegistryError);
    expect(slow.name).toBe('TooManyRequestsException');
  });

  it('a refusal that is not an error document keeps its text; one without code or text says only the status', async () => {
    const plain = new RegistryError(500, '', 'GET x', '');
    expect(plain).toMatchObject({ message: 'GET x: HTTP 500', name: 'HTTP500' });
    const reg = await memoryRegistry();
    reg.faults.push({ match: /manifests\/v1$/, status: 502 }, { match: /blobs\/uploads/, status: 500 });
    const err = await rejection(reg.client().manifest('app', 'v1'), RegistryError);
    expect(err.message).toBe(`GET ${reg.host}/v2/app/manifests/v1: HTTP 502`);
    expect(err.code).toBe('');
    const r = new RegistryError(400, 'X'.repeat(80), 'PUT y', 'why');
    expect(r.message).toBe(`PUT y: HTTP 400 ${'X'.repeat(60)}: why`);
  });

  it('hasBlob: HEAD with the login; 200 true, 404 false, anything else a RegistryError naming the request', async () => {
    const reg = await memoryRegistry();
    const img = storeImage(reg, 'app', 'v1', []);
    const c = reg.client();
    expect(await c.hasBlob('app', img.blobs[0]!)).toBe(true);
    expect(await c.hasBlob('app', D)).toBe(false);
    expect(reg.seen[0]).toMatchObject({ line: `HEAD /v2/app/blobs/${img.blobs[0]}`, auth: LOGIN });
    reg.faults.push({ match: /^HEAD/, status: 401, code: 'UNAUTHORIZED' });
    const err = await rejection(c.hasBlob('app', D), RegistryError);
    expect(err).toMatchObject({ status: 401, request: `HEAD ${reg.host}/v2/app/blobs/${D}`, message: `HEAD ${reg.host}/v2/app/blobs/${D}: HTTP 401` });
    // A redirect of the HEAD is followed (ECR answers blob requests from S3).
    reg.faults.push({ match: /^HEAD \/v2\/app\/blobs\/sha256:e/, status: 307, headers: { location: `/v2/app/blobs/${img.blobs[0]}` } });
    expect(await c.hasBlob('app', `sha256:${'e'.repeat(64)}`)).toBe(true);
  });

  it('blob: the body and its length; no length when the registry sends none; a refusal names the request', async () => {
    const reg = await memoryRegistry();
    const img = storeImage(reg, 'app', 'v1', []);
    const { body, length } = await reg.client().blob('app', img.blobs[0]!);
    expect([(await readBody(body)).toString(), length]).toEqual(['config of v1', 12]);
    reg.faults.push({ match: /blobs\/sha256:d/, status: 404, code: 'BLOB_UNKNOWN' });
    expect(await rejection(reg.client().blob('app', D), RegistryError)).toMatchObject({ code: 'BLOB_UNKNOWN', request: `GET ${reg.host}/v2/app/blobs/${D}` });
    const chunked = await memoryRegistry({ chunked: true });
    const streamed = storeImage(chunked, 'app', 'v1', []);
    const answer = await chunked.client().blob('app', streamed.blobs[0]!);
    expect([(await readBody(answer.body)).toString(), answer.length]).toEqual(['config of v1', undefined]);
  });

  it('startUpload: a mount the registry did is "mounted"; else the upload location, resolved against the registry', async () => {
    const reg = await memoryRegistry({ mount: true });
    const img = storeImage(reg, 'webapp', 'v1', []);
    const c = reg.client();
    expect(await c.startUpload('prod', { digest: img.blobs[0]!, from: 'webapp' })).toBe('mounted');
    expect(reg.seen.at(-1)).toMatchObject({ line: `POST /v2/prod/blobs/uploads/?mount=${encodeURIComponent(img.blobs[0]!)}&from=webapp`, contentLength: '0', auth: LOGIN });
    const at = await c.startUpload('prod', { digest: D, from: 'team/other' });
    expect(String(at)).toBe(`${reg.url}/v2/prod/blobs/uploads/u1?state=x`);
    expect(reg.seen.at(-1)?.line).toBe(`POST /v2/prod/blobs/uploads/?mount=${encodeURIComponent(D)}&from=team%2Fother`);
    expect(String(await c.startUpload('prod'))).toBe(`${reg.url}/v2/prod/blobs/uploads/u2?state=x`);
  });

  it('startUpload: a 201 without a mount asked, a 202 without a location, or a refusal are RegistryErrors', async () => {
    const reg = await memoryRegistry();
    const elsewhere = { location: '/v2/app/blobs/uploads/u7' };
    reg.faults.push({ match: /uploads/, status: 201, headers: elsewhere }, { match: /uploads/, status: 200, headers: elsewhere }, { match: /uploads/, status: 202 }, { match: /uploads/, status: 403, code: 'DENIED' });
    const c = reg.client();
    for (const status of [201, 200, 202, 403]) {
      expect(await rejection(c.startUpload('app'), RegistryError)).toMatchObject({ status, request: `POST ${reg.host}/v2/app/blobs/uploads/` });
    }
  });

  it('finishUpload: one PUT of the whole blob with its digest, type and size; a digest the registry refuses is a RegistryError', async () => {
    const reg = await memoryRegistry();
    const c = reg.client();
    const bytes = Buffer.from('layer bytes');
    await c.finishUpload(new URL(`${reg.url}/v2/app/blobs/uploads/u9?state=x`), sha(bytes), Readable.from([bytes]), bytes.length);
    expect(reg.repo('app').blobs.get(sha(bytes))).toEqual(bytes);
    expect(reg.seen.at(-1)).toMatchObject({ line: `PUT /v2/app/blobs/uploads/u9?state=x&digest=${encodeURIComponent(sha(bytes))}`, contentType: 'application/octet-stream', contentLength: String(bytes.length), auth: LOGIN });
    const err = await rejection(c.finishUpload(new URL(`${reg.url}/v2/app/blobs/uploads/u8`), D, Readable.from([bytes]), bytes.length), RegistryError);
    expect(err).toMatchObject({ code: 'DIGEST_INVALID', request: `PUT ${reg.host}/v2/app/blobs/uploads/u8 (blob ${D})` });
  });

  it('putManifest: sends the bytes with their media type and returns the digest the registry reports, else its own', async () => {
    const reg = await memoryRegistry();
    const bytes = Buffer.from('{"schemaVersion":2}');
    const m = { bytes, mediaType: OCI_MANIFEST, digest: 'sha256:mine' };
    expect(await reg.client().putManifest('app', 'v1', m)).toBe(sha256(bytes));
    expect(reg.seen.at(-1)).toMatchObject({ line: 'PUT /v2/app/manifests/v1', contentType: OCI_MANIFEST, contentLength: String(bytes.length) });
    expect(reg.repo('app').manifests.get('v1')).toEqual({ bytes, mediaType: OCI_MANIFEST });
    reg.faults.push({ match: /manifests\/v2/, status: 201 });
    expect(await reg.client().putManifest('app', 'v2', m)).toBe('sha256:mine');
  });

  it('follows at most 5 redirects, only for GET and HEAD, resolving each location against the last', async () => {
    const reg = await memoryRegistry();
    const img = storeImage(reg, 'app', 'v1', []);
    const hop = (from: string, to: string) => ({ match: new RegExp(`^GET /${from}$`), status: 307, headers: { location: to } });
    reg.faults.push(hop('v2/app/manifests/r', '/a/1'), hop('a/1', '2'), hop('a/2', '/b/3'), hop('b/3', '/b/4'), hop('b/4', '/v2/app/manifests/v1'));
    expect((await reg.client().manifest('app', 'r'))?.digest).toBe(img.digest);
    expect(reg.seen.map((s) => s.line)).toEqual(['GET /v2/app/manifests/r', 'GET /a/1', 'GET /a/2', 'GET /b/3', 'GET /b/4', 'GET /v2/app/manifests/v1']);
    reg.faults.push(...[0, 1, 2, 3, 4].map((i) => hop(`c/${i}`, `/c/${i + 1}`)), hop('v2/app/manifests/s', '/c/0'));
    expect(await rejection(reg.client().manifest('app', 's'), RegistryError)).toMatchObject({ status: 307 });
    reg.faults.push({ match: /^PUT/, status: 307, headers: { location: '/v2/app/manifests/elsewhere' } }, { match: /^GET \/v2\/app\/manifests\/t$/, status: 302 });
    await expect(reg.client().putManifest('app', 'v3', { bytes: img.bytes, mediaType: OCI_MANIFEST, digest: img.digest })).rejects.toMatchObject({ status: 307 });
    await expect(reg.client().manifest('app', 't')).rejects.toMatchObject({ status: 302 });
    expect(reg.seen.map((s) => s.line).filter((l) => l.includes('elsewhere'))).toEqual([]);
  });
});
