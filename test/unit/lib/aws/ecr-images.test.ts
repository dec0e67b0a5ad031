// The ECR image calls of promote-image, push-image and the scan gate against the strict local ECR (another
// account's registry, images in memory), and against scripted answers the local ECR never gives (pages,
// missing fields): what is sent, what is read back, which refusals are "nothing there" and which are errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getImage, mediaTypeOf, putImage, type EcrRepoRef } from '../../../../src/lib/aws/ecr-images.ts';
import { MANIFEST_MEDIA_TYPES } from '../../../../src/lib/aws/ecr.ts';
import { rejection } from '../../../support/rejection.ts';
import { digestOf, imageManifest, OTHER, OWN, REGION, startLocalEcr, withScriptedEcr, type LocalEcr } from '../../../support/local-ecr.ts';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
let e: LocalEcr;
let at: EcrRepoRef;
const env = {};

beforeAll(async () => {
  e = await startLocalEcr();
  at = { keys: e.keys, region: REGION, registryId: OTHER, repo: 'app' };
});
afterAll(() => e.close());

describe('getImage (BatchGetImage)', () => {
  it('by tag or digest: the digest, the exact manifest text and its media type, from the registry asked for', async () => {
    const manifest = imageManifest('get');
    const rec = e.push('app', manifest, ['v1']);
    const want = { digest: digestOf(manifest), mediaType: OCI, manifest };
    expect(rec.digest).toBe(want.digest);
    expect(await getImage(at, { imageTag: 'v1' }, env)).toEqual(want);
    expect(await getImage(at, { imageDigest: want.digest }, env)).toEqual(want);
    // The caller's own registry has no repository of that name: the call went to registryId.
    expect((await rejection(getImage({ ...at, registryId: OWN }, { imageTag: 'v1' }, env))).name).toBe('RepositoryNotFoundException');
  });

  it('an image ECR does not have is undefined; a repository it does not have is ECR\'s refusal', async () => {
    e.push('app', imageManifest('other'), ['v0']);
    expect(await getImage(at, { imageTag: 'nope' }, env)).toBeUndefined();
    expect((await rejection(getImage({ ...at, repo: 'gone' }, { imageTag: 'v1' }, env))).name).toBe('RepositoryNotFoundException');
  });

  it('asks for one image in docker v2 and OCI formats; an answer without media type takes the manifest\'s own', async () => {
    const manifest = imageManifest('scripted');
    const replies = [
      { images: [{ imageId: { imageDigest: digestOf(manifest) }, imageManifest: manifest }] },
      { images: [{ imageId: {}, imageManifest: manifest }] },
      { images: [{ imageId: { imageDigest: digestOf(manifest) } }] },
      { images: [], failures: [{ imageId: { imageTag: 'v9' }, failureCode: 'ImageNotFound' }] },
      {},
      { images: [{ imageManifest: manifest }] },
    ];
    const got: unknown[] = [];
    const asked = await withScriptedEcr(e, () => replies[got.length]!, async () => {
      for (let i = 0; i < replies.length; i++) got.push(await getImage(at, { imageTag: 'v9' }, env));
    });
    expect(got).toEqual([{ digest: digestOf(manifest), mediaType: OCI, manifest }, undefined, undefined, undefined, undefined, undefined]);
    expect(asked[0]).toEqual({ action: 'BatchGetImage', body: { registryId: OTHER, repositoryName: 'app', imageIds: [{ imageTag: 'v9' }], acceptedMediaTypes: MANIFEST_MEDIA_TYPES } });
    expect(MANIFEST_MEDIA_TYPES).toEqual([
      'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json',
    ]);
  });
});

describe('mediaTypeOf', () => {
  it.each([
    [JSON.stringify({ mediaType: OCI }), OCI],
    [JSON.stringify({ mediaType: 2 }), ''],
    [JSON.stringify({ schemaVersion: 1 }), ''],
    ['{"mediaType": ', ''],
  ])('%s names %j', (manifest, type) => {
    expect(mediaTypeOf(manifest)).toBe(type);
  });
});

describe('putImage (PutImage)', () => {
  it('tags the manifest in the registry asked for and returns the digest ECR stored', async () => {
    const manifest = imageManifest('put');
    const image = { digest: digestOf(manifest), mediaType: OCI, manifest };
    e.push('app', manifest, []);
    expect(await putImage(at, image, 'release', env)).toBe(image.digest);
    expect(await getImage(at, { imageTag: 'release' }, env)).toEqual(image);
    expect((await rejection(putImage(at, image, 'release', env))).name).toBe('ImageAlreadyExistsException');
    // ECR checks the digest it is given against the manifest.
    expect((await rejection(putImage(at, { ...image, digest: digestOf('else') }, 'x', env))).name).toBe('ImageDigestDoesNotMatchException');
  });

  it('sends the manifest, its media type, the tag and the digest; an answer without the image means the digest sent', async () => {
    const image = { digest: digestOf('m'), mediaType: OCI, manifest: 'm' };
    const replies = [{}, { image: {} }, { image: { imageId: { imageDigest: 'sha256:stored' } } }];
    const got: string[] = [];
    const asked = await withScriptedEcr(e, () => replies[got.length]!, async () => {
      for (let i = 0; i < replies.length; i++) got.push(await putImage(at, image, 'v2', env));
    });
    expect(got).toEqual([image.digest, image.digest, 'sha256:stored']);
    expect(asked[0]).toEqual({ action: 'PutImage', body: { registryId: OTHER, repositoryName: 'app', imageManifest: 'm', imageManifestMediaType: OCI, imageTag: 'v2', imageDigest: image.digest } });
  });
});
