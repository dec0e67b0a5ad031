// The repository calls of the image steps (DescribeRepositories, CreateRepository, BatchGetImage for tags)
// against the strict local ECR, and the answers it never gives (no URI, settings left out) from a scripted one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepository, describeRepository, hostOf, tagDigests } from '../../../../src/lib/aws/ecr.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';
import { imageManifest, OTHER, OWN, REGION, startLocalEcr, withScriptedEcr, type LocalEcr } from '../../../support/local-ecr.ts';

let e: LocalEcr;
const env = {};
const plain = { scanOnPush: false, tagMutability: 'MUTABLE', encryptionType: 'AES256', kmsKey: '' };
const uri = (name: string) => `${OTHER}.dkr.ecr.${REGION}.amazonaws.com/${name}`;

beforeAll(async () => { e = await startLocalEcr(); });
afterAll(() => e.close());

describe('createRepository and describeRepository', () => {
  it('creates with the settings given, in the registry asked for, and describes it the same', async () => {
    const s = { scanOnPush: true, tagMutability: 'IMMUTABLE', encryptionType: 'KMS', kmsKey: 'alias/ecr' };
    const want = { registryId: OTHER, repositoryName: 'team/api', repositoryUri: uri('team/api'), imageTagMutability: 'IMMUTABLE', scanOnPush: true, encryptionType: 'KMS' };
    expect(await createRepository(e.keys, REGION, OTHER, 'team/api', s, env)).toEqual(want);
    expect(e.aws.repository({ account: OTHER, region: REGION, name: 'team/api' })).toMatchObject({ kmsKey: 'alias/ecr', scanOnPush: true });
    expect(await describeRepository(e.keys, REGION, OTHER, 'team/api', env)).toEqual(want);
    expect(await describeRepository(e.keys, REGION, OWN, 'team/api', env)).toBeUndefined();
  });

  it('AES256 goes without a KMS key (ECR refuses one); the defaults are described as they are', async () => {
    const want = { registryId: OTHER, repositoryName: 'web', repositoryUri: uri('web'), imageTagMutability: 'MUTABLE', scanOnPush: false, encryptionType: 'AES256' };
    expect(await createRepository(e.keys, REGION, OTHER, 'web', plain, env)).toEqual(want);
    expect((await rejection(createRepository(e.keys, REGION, OTHER, 'web', plain, env))).name).toBe('RepositoryAlreadyExistsException');
  });

  it('a repository ECR does not have is undefined; a registry the caller may not use is a refusal', async () => {
    expect(await describeRepository(e.keys, REGION, OTHER, 'nothing-here', env)).toBeUndefined();
    expect((await rejection(describeRepository(e.keys, REGION, '333333333333', 'web', env))).name).toBe('AccessDeniedException');
  });

  it('scripted answers: an empty list is no repository, one without URI is refused, missing settings are ECR\'s defaults', async () => {
    const answers = [{ repositories: [] }, {}, { repositories: [{ repositoryName: 'x' }] }, { repositories: [{ repositoryUri: 'h/x' }] }];
    let n = 0;
    const got: unknown[] = [];
    const asked = await withScriptedEcr(e, () => answers[n++]!, async () => {
      got.push(await describeRepository(e.keys, REGION, OTHER, 'x', env), await describeRepository(e.keys, REGION, OTHER, 'x', env));
      got.push(await rejection(describeRepository(e.keys, REGION, OTHER, 'x', env), OrbError));
      got.push(await describeRepository(e.keys, REGION, OTHER, 'x', env));
    });
    expect(asked[0]).toEqual({ action: 'DescribeRepositories', body: { registryId: OTHER, repositoryNames: ['x'] } });
    expect(got.slice(0, 2)).toEqual([undefined, undefined]);
    expect((got[2] as Error).message).toMatch(/^ECR DescribeRepositories at http:\/\/127\.0\.0\.1:\d+ answered a repository without its URI$/);
    expect(got[3]).toEqual({ registryId: '', repositoryName: '', repositoryUri: 'h/x', imageTagMutability: 'MUTABLE', scanOnPush: false, encryptionType: 'AES256' });
  });

  it('a created repository without URI in the answer is refused', async () => {
    let err: unknown;
    for (const answer of [{ repository: { repositoryName: 'x' } }, {}]) {
      await withScriptedEcr(e, () => answer, async () => { err = await rejection(createRepository(e.keys, REGION, OTHER, 'x', plain, env), OrbError); });
      expect((err as Error).message).toMatch(/^ECR CreateRepository at \S+ answered a repository without its URI$/);
    }
  });
});

describe('tagDigests', () => {
  it('maps each tag ECR has to its digest, in one call; unknown tags are left out', async () => {
    const a = e.push('tags', imageManifest('a'), ['v1', 'latest']);
    const b = e.push('tags', imageManifest('b'), ['v2']);
    expect(await tagDigests(e.keys, REGION, OTHER, 'tags', ['v1', 'v2', 'latest', 'v3'], env)).toEqual(new Map([['v1', a.digest], ['v2', b.digest], ['latest', a.digest]]));
    expect((await rejection(tagDigests(e.keys, REGION, OWN, 'tags', ['v1'], env))).name).toBe('RepositoryNotFoundException');
  });

  it('scripted: an image without tag or digest in the answer is no tag; no images, no tags', async () => {
    let got: unknown;
    const answer = { images: [{ imageId: { imageTag: 'v1' } }, { imageId: { imageDigest: 'sha256:1' } }, {}, { imageId: { imageTag: 'v2', imageDigest: 'sha256:2' } }] };
    const asked = await withScriptedEcr(e, () => answer, async () => { got = await tagDigests(e.keys, REGION, OTHER, 'tags', ['v1', 'v2'], env); });
    expect(got).toEqual(new Map([['v2', 'sha256:2']]));
    expect(asked[0]?.body).toMatchObject({ registryId: OTHER, repositoryName: 'tags', imageIds: [{ imageTag: 'v1' }, { imageTag: 'v2' }] });
    await withScriptedEcr(e, () => ({}), async () => { got = await tagDigests(e.keys, REGION, OTHER, 'tags', ['v1'], env); });
    expect(got).toEqual(new Map());
  });
});

describe('hostOf', () => {
  it.each([
    [`https://${OTHER}.dkr.ecr.${REGION}.amazonaws.com`, `${OTHER}.dkr.ecr.${REGION}.amazonaws.com`],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
  ])('%s is docker\'s host %s', (endpoint, host) => {
    expect(hostOf(endpoint)).toBe(host);
  });
});
