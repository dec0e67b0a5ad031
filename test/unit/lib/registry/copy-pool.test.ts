// copyManifest copies an image's blobs in parallel, at most four at a time (a registry rate-limits a client
// that opens many uploads at once), and all of them however many there are.
import { afterEach, describe, expect, it } from 'vitest';
import { copyManifest } from '../../../../src/lib/registry/copy.ts';
import { closeRegistries, memoryRegistry, storeImage } from './memory-registry.ts';

afterEach(closeRegistries);

describe('copyManifest: blobs in parallel', () => {
  it('copies nine blobs with at most four in flight, more than one at a time', async () => {
    const [src, dst] = [await memoryRegistry(), await memoryRegistry()];
    const img = storeImage(src, 'webapp', 'v1', ['1', '2', '3', '4', '5', '6', '7', '8'].map((n) => `layer ${n}`));
    let inFlight = 0;
    let most = 0;
    const retry = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
      if (!what.startsWith('blob ')) return f();
      most = Math.max(most, ++inFlight);
      try { return await f(); } finally { inFlight--; }
    };
    const stats = { blobsCopied: 0, blobsSkipped: 0, bytesCopied: 0, manifests: 0 };
    await copyManifest({ client: src.client(), repo: 'webapp' }, { client: dst.client(), repo: 'prod' }, img.digest, { retry, log: () => undefined }, stats);
    expect(stats.blobsCopied).toBe(9);
    for (const b of img.blobs) expect(dst.repo('prod').blobs.has(b)).toBe(true);
    expect(most).toBe(4);
  });
});
