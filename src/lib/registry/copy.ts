// Copying one image between registries through the registry API: the manifest and every blob it needs,
// multi-architecture lists and OCI indexes whole (each child manifest by digest). Blobs the target
// already has are skipped; within one registry a blob is mounted from the source repository when the
// registry allows it. Nothing is tagged here: the caller puts the top manifest under its tags last, so a
// failed copy leaves no tag pointing at a half-copied image.
import { RegistryError, type Manifest, type RegistryClient } from './client.ts';
import { isKind } from '../grammar.ts';

/** One side of a copy: a registry client (with that side's identity) and a repository. */
export interface Side { client: RegistryClient; repo: string }

/** What a copy did: blobs copied and skipped (already there, or mounted), and child manifests put. */
export interface CopyStats { blobsCopied: number; blobsSkipped: number; bytesCopied: number; manifests: number }

/** What the copy needs from outside: a retry of one idempotent piece (a blob, a manifest) and a log line. */
export interface CopyDeps { retry<T>(what: string, call: () => Promise<T>): Promise<T>; log(line: string): void }

interface Descriptor { digest: string; size: number; mediaType?: string; urls?: string[] }

const LIST_TYPES = new Set(['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json']);

/** True for a manifest list or OCI index (a multi-architecture image). */
export function isList(mediaType: string): boolean {
  return LIST_TYPES.has(mediaType);
}

/** The descriptors a manifest points at: children of a list, or config and layers of an image. */
export function referencesOf(m: Manifest): { children: Descriptor[]; blobs: Descriptor[] } {
  const doc = JSON.parse(m.bytes.toString('utf8')) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  if (isList(m.mediaType) || (doc.manifests && !doc.layers)) return { children: doc.manifests ?? [], blobs: [] };
  // Foreign (non-distributable) layers live at their urls, not in registries: docker pushes none of them.
  const layers = (doc.layers ?? []).filter((l) => !(l.urls?.length && /foreign|nondistributable/.test(l.mediaType ?? '')));
  return { children: [], blobs: [...(doc.config ? [doc.config] : []), ...layers] };
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(lanes);
}

/** Copies one blob unless the target has it: mount within one registry, else stream it from source to target. */
async function copyBlob(src: Side, dst: Side, d: Descriptor, stats: CopyStats): Promise<void> {
  if (await dst.client.hasBlob(dst.repo, d.digest)) {
    stats.blobsSkipped++;
    return;
  }
  const sameRegistry = src.client.host === dst.client.host && src.repo !== dst.repo;
  const started = await dst.client.startUpload(dst.repo, sameRegistry ? { digest: d.digest, from: src.repo } : undefined);
  if (started === 'mounted') {
    stats.blobsSkipped++;
    return;
  }
  const { body, length } = await src.client.blob(src.repo, d.digest);
  if (length !== undefined && length !== d.size) {
    body.destroy();
    throw new RegistryError(200, 'SIZE_INVALID', `GET ${src.client.host}/v2/${src.repo}/blobs/${d.digest}`, `the registry serves ${length} bytes, the manifest says ${d.size}`);
  }
  await dst.client.finishUpload(started, d.digest, body, d.size);
  stats.blobsCopied++;
  stats.bytesCopied += d.size;
}

/**
 * Copies the manifest `digest` of `src` into `dst` with everything it needs: blobs first, then (for a list)
 * each child manifest, each put under its digest. Returns the manifest, which the caller tags. Throws a
 * RegistryError for a refusal, including a source manifest whose bytes do not have `digest`.
 */
export async function copyManifest(src: Side, dst: Side, digest: string, deps: CopyDeps, stats: CopyStats, depth = 0): Promise<Manifest> {
  const m = await deps.retry(`GET manifest ${digest}`, () => src.client.manifest(src.repo, digest));
  if (!m) throw new RegistryError(404, 'MANIFEST_UNKNOWN', `GET ${src.client.host}/v2/${src.repo}/manifests/${digest}`, 'the source registry has no such manifest');
  const { children, blobs } = referencesOf(m);
  // Every digest a manifest names goes into a URL path of both registries: only sha256:<64 hex> is one.
  const named = [...children, ...blobs].find((d) => !isKind('digest', d.digest));
  if (named) throw new RegistryError(200, 'MANIFEST_INVALID', `${src.repo}@${digest}`, `names ${JSON.stringify(named.digest.slice(0, 100))}, which is not a sha256 digest`);
  if (depth > 2 && children.length) throw new RegistryError(200, 'MANIFEST_INVALID', `${src.repo}@${digest}`, 'lists nested deeper than 3 levels');
  await pool(blobs, 4, (b) => deps.retry(`blob ${b.digest}`, () => copyBlob(src, dst, b, stats)));
  for (const child of children) {
    const have = await deps.retry(`GET manifest ${child.digest}`, () => dst.client.manifest(dst.repo, child.digest));
    if (have) continue;
    const copied = await copyManifest(src, dst, child.digest, deps, stats, depth + 1);
    await deps.retry(`PUT manifest ${child.digest}`, () => dst.client.putManifest(dst.repo, child.digest, copied));
    stats.manifests++;
    deps.log(`  copied ${copied.mediaType.includes('index') || copied.mediaType.includes('list') ? 'list' : 'manifest'} ${child.digest} (${platformOf(child)})`);
  }
  return m;
}

/** os/architecture[/variant] of a list entry, or what it is (an attestation) when it has no platform. */
function platformOf(d: Descriptor & { platform?: { os?: string; architecture?: string; variant?: string }; annotations?: Record<string, string> }): string {
  const p = d.platform;
  const kind = d.annotations?.['vnd.docker.reference.type'];
  if (kind) return kind;
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : 'no platform';
}
