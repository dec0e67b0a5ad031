// copyManifest between in-memory registries: what is written to the target (blobs, child manifests by digest,
// never a tag), what is skipped or mounted, what is refused, and what the log and the stats say.
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryError } from '../../../../src/lib/registry/client.ts';
import { copyManifest, isList, referencesOf, type CopyStats } from '../../../../src/lib/registry/copy.ts';
import { rejection } from '../../../support/rejection.ts';
import { closeRegistries, DOCKER_LIST, memoryRegistry, OCI_INDEX, OCI_MANIFEST, sha, storeImage, storeList, type MemoryRegistry } from './memory-registry.ts';

afterEach(closeRegistries);

const zero = (): CopyStats => ({ blobsCopied: 0, blobsSkipped: 0, bytesCopied: 0, manifests: 0 });
/** Copies `digest` from src's webapp to dst's prod; the retried pieces and log lines are recorded. */
async function copy(src: MemoryRegistry, dst: MemoryRegistry, digest: string, stats = zero(), dstRepo = 'prod') {
  const pieces: string[] = [];
  const lines: string[] = [];
  const deps = { retry: <T>(what: string, f: () => Promise<T>) => { pieces.push(what); return f(); }, log: (l: string) => { lines.push(l); } };
  const m = await copyManifest({ client: src.client(), repo: 'webapp' }, { client: dst.client(), repo: dstRepo }, digest, deps, stats);
  return { m, pieces, lines, stats };
}
const writes = (r: MemoryRegistry) => r.seen.map((s) => s.line).filter((l) => /^(PUT|POST)/.test(l));

describe('copyManifest', () => {
  it('copies an image\'s config and layers to another registry, byte for byte, and tags nothing', async () => {
    const [src, dst] = [await memoryRegistry(), await memoryRegistry()];
    const img = storeImage(src, 'webapp', 'v1', ['layer one', 'layer two!']);
    const { m, pieces, stats } = await copy(src, dst, img.digest);
    expect(m).toEqual({ bytes: img.bytes, mediaType: OCI_MANIFEST, digest: img.digest });
    for (const b of img.blobs) expect(dst.repo('prod').blobs.get(b)).toEqual(src.repo('webapp').blobs.get(b));
    expect(dst.repo('prod').manifests.size).toBe(0);
    expect(stats).toEqual({ blobsCopied: 3, blobsSkipped: 0, bytesCopied: 'config of v1'.length + 'layer one'.length + 'layer two!'.length, manifests: 0 });
    expect(pieces).toEqual([`GET manifest ${img.digest}`, ...img.blobs.map((b) => `blob ${b}`)]);
    // Uploads go across registries (no mount asked), each completed with its digest and size.
    expect(dst.seen.filter((s) => s.line.startsWith('POST')).map((s) => s.line)).toEqual(img.blobs.map(() => 'POST /v2/prod/blobs/uploads/'));
    const puts = dst.seen.filter((s) => s.line.startsWith('PUT'));
    expect(puts.map((s) => s.contentLength).sort()).toEqual(['12', '10', '9'].sort());
    expect(src.seen.every((s) => s.line.startsWith('GET'))).toBe(true);
  });

  it('skips the blobs the target has, without reading them from the source', async () => {
    const [src, dst] = [await memoryRegistry(), await memoryRegistry()];
    const img = storeImage(src, 'webapp', 'v1', ['shared base', 'new layer']);
    dst.repo('prod').blobs.set(img.blobs[1]!, Buffer.from('shared base'));
    const stats = { blobsCopied: 1, blobsSkipped: 1, bytesCopied: 5, manifests: 0 };
    await copy(src, dst, img.digest, stats);
    expect(stats).toEqual({ blobsCopied: 3, blobsSkipped: 2, bytesCopied: 5 + 'config of v1'.length + 'new layer'.length, manifests: 0 });
    expect(src.seen.map((s) => s.line)).not.toContain(`GET /v2/webapp/blobs/${img.blobs[1]}`);
  });

  it('within one registry mounts each blob from the source repository instead of copying it', async () => {
    const reg = await memoryRegistry({ mount: true });
    const img = storeImage(reg, 'webapp', 'v1', ['layer']);
    const { stats } = await copy(reg, reg, img.digest);
    expect(stats).toEqual({ blobsCopied: 0, blobsSkipped: 2, bytesCopied: 0, manifests: 0 });
    expect(writes(reg)).toEqual(img.blobs.map((b) => `POST /v2/prod/blobs/uploads/?mount=${encodeURIComponent(b)}&from=webapp`));
    expect(reg.seen.map((s) => s.line)).not.toContain(`GET /v2/webapp/blobs/${img.blobs[0]}`);
  });

  it('within one registry that does not mount, and within one repository, streams the blob itself', async () => {
    const reg = await memoryRegistry();
    const img = storeImage(reg, 'webapp', 'v1', ['layer']);
    expect((await copy(reg, reg, img.digest)).stats.blobsCopied).toBe(2);
    expect(reg.repo('prod').blobs.get(img.blobs[1]!)?.toString()).toBe('layer');
    const mounting = await memoryRegistry({ mount: true });
    const same = storeImage(mounting, 'webapp', 'v1', ['layer']);
    mounting.repo('webapp').blobs.clear();
    mounting.repo('webapp').blobs.set(same.blobs[0]!, Buffer.from('config of v1'));
    mounting.repo('webapp').blobs.set(same.blobs[1]!, Buffer.from('layer'));
    mounting.seen.length = 0;
    await copy(mounting, mounting, same.digest, zero(), 'webapp');
    expect(writes(mounting)).toEqual([]);
  });

  it('copies a list whole: blobs of each child, each child put under its digest, and names each platform', async () => {
    const [src, dst] = [await memoryRegistry(), await memoryRegistry()];
    const amd = storeImage(src, 'webapp', 'amd', ['amd layer']);
    const arm = storeImage(src, 'webapp', 'arm', ['arm layer']);
    const att = storeImage(src, 'webapp', 'att', ['attestation']);
    const nested = storeList(src, 'webapp', 'nested', [{ digest: amd.digest, size: amd.bytes.length }], DOCKER_LIST);
    const list = storeList(src, 'webapp', 'v1', [
      { digest: amd.digest, size: amd.bytes.length, platform: { os: 'linux', architecture: 'amd64' } },
      { digest: arm.digest, size: arm.bytes.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { digest: att.digest, size: att.bytes.length, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      { digest: nested.digest, size: nested.bytes.length },
    ]);
    const { m, lines, stats, pieces } = await copy(src, dst, list.digest);
    expect(m.digest).toBe(list.digest);
    expect(pieces.slice(0, 4)).toEqual([`GET manifest ${list.digest}`, `GET manifest ${amd.digest}`, `GET manifest ${amd.digest}`, ...amd.blobs.slice(0, 1).map((b) => `blob ${b}`)]);
    expect(pieces.filter((p) => p.startsWith('PUT'))).toEqual([amd, arm, att, nested].map((c) => `PUT manifest ${c.digest}`));
    expect(lines).toEqual([
      `  copied manifest ${amd.digest} (linux/amd64)`, `  copied manifest ${arm.digest} (linux/arm64/v8)`,
      `  copied manifest ${att.digest} (attestation-manifest)`, `  copied list ${nested.digest} (no platform)`,
    ]);
    expect(stats).toMatchObject({ manifests: 4, blobsCopied: 6 });
    for (const c of [amd, arm, att]) expect(dst.repo('prod').manifests.get(c.digest)).toEqual({ bytes: c.bytes, mediaType: OCI_MANIFEST });
    expect(dst.repo('prod').manifests.get(nested.digest)?.mediaType).toBe(DOCKER_LIST);
    expect(dst.repo('prod').manifests.has(list.digest)).toBe(false);
    // Blobs go before the manifest that needs them: the first manifest PUT comes after amd64's blob uploads.
    const lines2 = writes(dst);
    expect(lines2.findIndex((l) => l.startsWith('PUT /v2/prod/manifests/'))).toBe(4);
  });

  it('skips a child manifest the target has, and copies nothing of it', async () => {
    const [src, dst] = [await memoryRegistry(), await memoryRegistry()];
    const amd = storeImage(src, 'webapp', 'amd', ['amd layer']);
    const list = storeList(src, 'webapp', 'v1', [{ digest: amd.digest, size: amd.bytes.length }]);
    dst.repo('prod').manifests.set(amd.digest, { bytes: amd.bytes, mediaType: OCI_MANIFEST });
    const { stats, lines } = await copy(src, dst, list.digest);
    expect(stats).toEqual(zero());
    expect(lines).toEqual([]);
    expect(writes(dst)).toEqual([]);
  });

  it('refuses a source without the manifest: MANIFEST_UNKNOWN naming the source request', async () => {
    const [src, dst] = [await memoryRegistry(), await memoryRegistry()];
    const err = await rejection(copy(src, dst, `sha256:${'e'.repeat(64)}`), RegistryError);
    expect(err).toMatchObject({ status: 404, code: 'MANIFEST_UNKNOWN', request: `GET ${src.host}/v2/webapp/manifests/sha256:${'e'.repeat(64)}` });
    expect(err.message).toContain('the source registry has no such manifest');
  });

  it('refuses a blob the source serves at another size than the manifest says, writing no blob', async () => {
    const [src, dst] = [await memoryRegistry({ lie: 3 }), await memoryRegistry()];
    const img = storeImage(src, 'webapp', 'v1', []);
    const err = await rejection(copy(src, dst, img.digest), RegistryError);
    expect(err).toMatchObject({ code: 'SIZE_INVALID', request: `GET ${src.host}/v2/webapp/blobs/${img.blobs[0]}` });
    expect(err.message).toContain('the registry serves 3 bytes, the manifest says 12');
    expect(dst.repo('prod').blobs.size).toBe(0);
  });

  it('copies a blob the source serves without a length', async () => {
    const [src, dst] = [await memoryRegistry({ chunked: true }), await memoryRegistry()];
    const img = storeImage(src, 'webapp', 'v1', ['streamed layer']);
    expect((await copy(src, dst, img.digest)).stats).toMatchObject({ blobsCopied: 2, bytesCopied: 'config of v1'.length + 'streamed layer'.length });
    expect(dst.repo('prod').blobs.get(img.blobs[1]!)?.toString()).toBe('streamed layer');
  });

  it('refuses lists nested deeper than 3 levels before copying anything of the deepest', async () => {
    const [src, dst] = [await memoryRegistry(), await memoryRegistry()];
    const img = storeImage(src, 'webapp', 'img', ['x']);
    let child = { digest: img.digest, size: img.bytes.length };
    const levels: string[] = [];
    for (const tag of ['l1', 'l2', 'l3']) { const l = storeList(src, 'webapp', tag, [child]); child = { digest: l.digest, size: l.bytes.length }; levels.push(l.digest); }
    await expect(copy(src, dst, child.digest)).resolves.toBeDefined();
    const top = storeList(src, 'webapp', 'l4', [child]);
    const fresh = await memoryRegistry();
    const err = await rejection(copy(src, fresh, top.digest), RegistryError);
    // The refused one is the fourth level down: l1, which still names a manifest.
    expect(err).toMatchObject({ code: 'MANIFEST_INVALID', request: `webapp@${levels[0]}`, message: `webapp@${levels[0]}: HTTP 200 MANIFEST_INVALID: lists nested deeper than 3 levels` });
    expect(fresh.repo('prod').blobs.size).toBe(0);
  });
});

describe('copyManifest and a digest that is no digest', () => {
  it('names the manifest and the value, cut to 100 characters', async () => {
    const [src, dst] = [await memoryRegistry(), await memoryRegistry()];
    const bogus = `sha256:${'z'.repeat(150)}`;
    const list = storeList(src, 'webapp', 'v1', [{ digest: bogus, size: 1 }]);
    const err = await rejection(copy(src, dst, list.digest), RegistryError);
    expect(err.message).toBe(`webapp@${list.digest}: HTTP 200 MANIFEST_INVALID: names ${JSON.stringify(bogus.slice(0, 100))}, which is not a sha256 digest`);
  });
});

describe('referencesOf and isList', () => {
  const manifest = (doc: object, mediaType = OCI_MANIFEST) => ({ bytes: Buffer.from(JSON.stringify(doc)), mediaType, digest: '' });
  const d = (n: string, extra: object = {}) => ({ digest: sha(n), size: 1, ...extra });

  it('an image needs its config and layers, except foreign layers that live at their urls', () => {
    const foreign = d('f', { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', urls: ['https://example.test/f'] });
    const nondist = d('n', { mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar', urls: ['https://example.test/n'] });
    const plain = d('p', { mediaType: 'application/vnd.oci.image.layer.v1.tar', urls: ['https://example.test/p'] });
    const foreignNoUrl = d('g', { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', urls: [] });
    const untyped = d('u', { urls: ['https://example.test/u'] });
    expect(referencesOf(manifest({ config: d('c'), layers: [foreign, nondist, plain, foreignNoUrl, untyped] }))).toEqual({ children: [], blobs: [d('c'), plain, foreignNoUrl, untyped] });
    expect(referencesOf(manifest({ layers: [d('l')] }))).toEqual({ children: [], blobs: [d('l')] });
    expect(referencesOf(manifest({ config: d('c') }))).toEqual({ children: [], blobs: [d('c')] });
  });

  it('a list (by media type, or a document with manifests and no layers) needs its children only', () => {
    expect(referencesOf(manifest({ manifests: [d('a')] }, 'application/json'))).toEqual({ children: [d('a')], blobs: [] });
    expect(referencesOf(manifest({}, DOCKER_LIST))).toEqual({ children: [], blobs: [] });
    expect(referencesOf(manifest({ manifests: [d('a')], layers: [d('l')] }))).toEqual({ children: [], blobs: [d('l')] });
    expect([OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, 'application/vnd.docker.distribution.manifest.v2+json'].map(isList)).toEqual([true, true, false, false]);
  });
});
