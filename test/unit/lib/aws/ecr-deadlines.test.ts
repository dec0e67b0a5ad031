// The deadline of every ECR call the steps make, against an ECR that never answers: within retry-max-seconds
// (0.2 s here; the HTTP client's own deadline, AWS_OIDC_HTTP_TIMEOUT_MS, hours), each fails as ETIMEDOUT naming
// its call when what was left of retry-max-seconds has passed, and gives its request up (the connection is
// closed: only the call's abort signal can close it here), so a step does not stay waiting after it failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getImage, putImage, scanReport, startImageScan, type EcrRepoRef } from '../../../../src/lib/aws/ecr-images.ts';
import { getPolicy, setPolicy } from '../../../../src/lib/aws/ecr-policies.ts';
import { createRepository, describeRepository, getAuthorizationTokens, getPublicAuthorizationToken, tagDigests } from '../../../../src/lib/aws/ecr.ts';
import { realRetryDeps, withRetry } from '../../../../src/lib/retry.ts';
import { LIFECYCLE, OTHER, PULL, REGION, startLocalEcr, unanswered, type LocalEcr } from '../../../support/local-ecr.ts';

let e: LocalEcr;
let at: EcrRepoRef;
const D = `sha256:${'e'.repeat(64)}`;
const image = { digest: D, mediaType: 'application/vnd.oci.image.manifest.v1+json', manifest: '{}' };
const env = { AWS_OIDC_HTTP_TIMEOUT_MS: '9999999' };
const settings = { scanOnPush: false, tagMutability: 'MUTABLE', encryptionType: 'AES256', kmsKey: '' };

beforeAll(async () => {
  e = await startLocalEcr();
  at = { keys: e.keys, region: REGION, registryId: OTHER, repo: 'app' };
});
afterAll(() => e.close());

describe('ECR calls without an answer', () => {
  it.each([
    ['ECR BatchGetImage', () => getImage(at, { imageTag: 'v1' }, env)],
    ['ECR PutImage', () => putImage(at, image, 'v1', env)],
    ['ECR DescribeImageScanFindings', () => scanReport(at, D, env)],
    ['ECR StartImageScan', () => startImageScan(at, D, env)],
    ['ECR GetLifecyclePolicy', () => getPolicy(at, 'lifecycle', env)],
    ['ECR GetRepositoryPolicy', () => getPolicy(at, 'repository', env)],
    ['ECR PutLifecyclePolicy', () => setPolicy(at, 'lifecycle', LIFECYCLE, env)],
    ['ECR SetRepositoryPolicy', () => setPolicy(at, 'repository', PULL, env)],
    ['ECR GetAuthorizationToken', () => getAuthorizationTokens(e.keys, REGION, [OTHER], env)],
    ['ECR Public GetAuthorizationToken', () => getPublicAuthorizationToken(e.keys, env)],
    ['ECR DescribeRepositories', () => describeRepository(e.keys, REGION, OTHER, 'app', env)],
    ['ECR CreateRepository', () => createRepository(e.keys, REGION, OTHER, 'app', settings, env)],
    ['ECR BatchGetImage', () => tagDigests(e.keys, REGION, OTHER, 'app', ['v1'], env)],
  ])('%s fails when retry-max-seconds is over, naming the call, and closes its request', async (call, run) => {
    const err = await unanswered(e, () => withRetry<unknown>(call, { maxAttempts: 1, totalSeconds: 0.2 }, realRetryDeps(() => {}), run));
    expect(err.message).toMatch(new RegExp(`^${call} got no answer within 0\\.\\d+s \\(what was left of retry-max-seconds\\)$`));
    expect((err as { code?: string }).code).toBe('ETIMEDOUT');
  });
});
