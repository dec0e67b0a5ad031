// copyManifest with a hostile source: a list whose child "digest" is a path or a tag must be refused before
// anything is fetched by it or written to the target (it would land in a URL path: another repository, a tag).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../../../src/lib/registry/client.ts';
import { copyManifest } from '../../../../src/lib/registry/copy.ts';
import { registryTransport } from '../../../../src/lib/registry/transport.ts';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const servers: Server[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r)))); });

/** A registry on 127.0.0.1 answering with `handler`; its request lines are recorded. */
async function registry(handler: (method: string, path: string, res: ServerResponse) => void): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => { seen.push(`${req.method} ${req.url}`); handler(req.method ?? '', req.url ?? '', res); });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('copyManifest and the digests a manifest names', () => {
  it.each(['../../other/manifests/production', 'production', `sha256:${'A'.repeat(64)}`])('refuses a list whose child digest is %j, writing nothing', async (child) => {
    const list = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: child, size: 10 }] }));
    const src = await registry((_m, path, res) => {
      if (path.endsWith(sha(list))) { res.setHeader('content-type', 'application/vnd.oci.image.index.v1+json'); res.end(list); return; }
      res.statusCode = 404;
      res.end();
    });
    const dst = await registry((_m, _p, res) => { res.statusCode = 404; res.end(); });
    const send = registryTransport({});
    const from = new RegistryClient(src.url, 'AWS', 'x', send);
    const to = new RegistryClient(dst.url, 'AWS', 'y', send);
    const deps = { retry: <T>(_what: string, f: () => Promise<T>) => f(), log: () => undefined };
    const stats = { blobsCopied: 0, blobsSkipped: 0, bytesCopied: 0, manifests: 0 };
    const err = await copyManifest({ client: from, repo: 'webapp' }, { client: to, repo: 'prod' }, sha(list), deps, stats).then(() => undefined, (e: unknown) => e as Error);
    expect(String(err?.message)).toContain('which is not a sha256 digest');
    expect(src.seen).toEqual([`GET /v2/webapp/manifests/${sha(list)}`]);
    expect(dst.seen).toEqual([]);
  });
});
