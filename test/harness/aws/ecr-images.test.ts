// DescribeImages and BatchGetImage through the real SDK and the system AWS CLI, over images that `docker`
// pushed into the local registry; and the registry front's refusal of a repository ECR does not have.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDocker } from '../docker.ts';
import { LocalRegistry, repositoryOfPath } from '../registry.ts';
import { ACCOUNT, job, rejection, startStack, type Stack } from './fixture.ts';

const REGION = 'eu-west-1';
const OTHER = '210987654321';
const AWS_CLI = '/usr/bin/aws';

let s: Stack;
let registry: LocalRegistry;
let client: ECRClient;
let creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
let dockerConfig: string;
const images: string[] = [];

/** docker with this file's own config dir (its login only). */
const docker = (args: string[], input?: string) =>
  execa('docker', ['--config', dockerConfig, ...args], { reject: false, env: { DOCKER_BUILDKIT: '0' }, ...(input === undefined ? {} : { input }) });

/** Builds a unique FROM scratch image and pushes it under every tag given; returns the pushed digest. */
async function pushImage(repo: string, tags: string[]): Promise<string> {
  const ctx = mkdtempSync(join(tmpdir(), 'ecr-images-ctx-'));
  try {
    writeFileSync(join(ctx, 'stamp'), `${process.hrtime.bigint()}\n`);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
    const refs = tags.map((t) => `${registry.host}/${repo}:${t}`);
    const built = await docker(['build', '-q', ...refs.flatMap((r) => ['-t', r]), ctx]);
    expect(built.exitCode, built.stderr).toBe(0);
    images.push(...refs);
    let digest = '';
    for (const ref of refs) {
      const pushed = await docker(['push', ref]);
      expect(pushed.exitCode, pushed.stderr).toBe(0);
      digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1] ?? '';
    }
    expect(digest).toMatch(/^sha256:/);
    return digest;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  await ensureDocker();
  s = await startStack();
  registry = await LocalRegistry.start(ACCOUNT, s.aws, { region: REGION });
  s.aws.setRegistryEndpoint(() => registry.endpoint);
  s.aws.setImageSource(
    async (account, region, repo, id) => (account === ACCOUNT && region === REGION ? registry.image(repo, id) : undefined),
    async (account, region, repo) => (account === ACCOUNT && region === REGION ? registry.images(repo) : []),
  );
  const out = await s.sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: s.deployRole, RoleSessionName: 'images', WebIdentityToken: await s.issuer.mint(job()) }));
  const c = out.Credentials!;
  creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  client = new ECRClient({ endpoint: s.aws.url, region: REGION, maxAttempts: 1, credentials: creds });
  dockerConfig = mkdtempSync(join(tmpdir(), 'ecr-images-docker-'));
  const token = (await client.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!;
  const login = await docker(['login', '--username', 'AWS', '--password-stdin', registry.host], Buffer.from(token, 'base64').toString().slice('AWS:'.length));
  expect(login.exitCode, login.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  if (images.length > 0) await docker(['rmi', '-f', ...images]);
  client?.destroy();
  await registry?.close();
  await s?.close();
  if (dockerConfig) rmSync(dockerConfig, { recursive: true, force: true });
});

describe('the registry front refuses repositories the local ECR does not have', () => {
  it('names the repository in distribution paths', () => {
    expect(repositoryOfPath('/v2/acme/web/manifests/v1')).toBe('acme/web');
    expect(repositoryOfPath('/v2/acme/blobs/uploads/')).toBe('acme');
    expect(repositoryOfPath('/v2/acme/blobs/uploads/1f2e?_state=x')).toBe('acme');
    expect(repositoryOfPath('/v2/a/b/blobs/sha256:00')).toBe('a/b');
    expect(repositoryOfPath('/v2/acme/tags/list?n=10')).toBe('acme');
    expect(repositoryOfPath('/v2/')).toBeUndefined();
  });

  it('fails a docker push into a missing repository with NAME_UNKNOWN, as ECR does', async () => {
    const ctx = mkdtempSync(join(tmpdir(), 'ecr-images-ctx-'));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY Dockerfile /d\n');
    const ref = `${registry.host}/missing/app:v1`;
    images.push(ref);
    try {
      expect((await docker(['build', '-q', '-t', ref, ctx])).exitCode).toBe(0);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
    const pushed = await docker(['push', ref]);
    expect(pushed.exitCode).not.toBe(0);
    expect(pushed.stderr).toContain(`name unknown: The repository with name 'missing/app' does not exist in the registry with id '${ACCOUNT}'`);
    const refused = registry.requests.filter((q) => q.path.startsWith('/v2/missing/app/'));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((q) => q.status === 404)).toBe(true);
    // A pull is refused the same way, on the wire.
    const token = s.aws.ecrPasswords.at(-1)!.password;
    const r = await fetch(`${registry.endpoint}/v2/missing/app/manifests/v1`, { headers: { authorization: `Basic ${Buffer.from(`AWS:${token}`).toString('base64')}` } });
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ errors: [{ code: 'NAME_UNKNOWN', message: `The repository with name 'missing/app' does not exist in the registry with id '${ACCOUNT}'` }] });
  });
});

describe('DescribeImages and BatchGetImage', () => {
  let first: string;
  let second: string;
  let before: number;

  beforeAll(async () => {
    s.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'acme/app' });
    s.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'empty' });
    before = Date.now();
    first = await pushImage('acme/app', ['v1', 'stable']);
    second = await pushImage('acme/app', ['v2']);
  }, 120_000);

  it('describes an image by tag with every tag of its digest, its size, push time and media type', async () => {
    const out = await client.send(new DescribeImagesCommand({ repositoryName: 'acme/app', imageIds: [{ imageTag: 'stable' }] }));
    expect(out.imageDetails).toHaveLength(1);
    const d = out.imageDetails![0]!;
    expect(d).toMatchObject({
      registryId: ACCOUNT, repositoryName: 'acme/app', imageDigest: first, imageTags: ['stable', 'v1'],
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
    });
    expect(d.imageSizeInBytes).toBeGreaterThan(0);
    expect(d.imagePushedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(d.imagePushedAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    const byDigest = await client.send(new DescribeImagesCommand({ repositoryName: 'acme/app', imageIds: [{ imageDigest: first }] }));
    expect(byDigest.imageDetails).toEqual(out.imageDetails);
  });

  it('lists every tagged image without imageIds', async () => {
    const out = await client.send(new DescribeImagesCommand({ repositoryName: 'acme/app' }));
    const seen = out.imageDetails!.map((d) => [d.imageDigest, d.imageTags]).sort();
    expect(seen).toEqual([[first, ['stable', 'v1']], [second, ['v2']]].sort());
    expect((await client.send(new DescribeImagesCommand({ repositoryName: 'acme/app', filter: { tagStatus: 'UNTAGGED' } }))).imageDetails).toEqual([]);
    expect((await client.send(new DescribeImagesCommand({ repositoryName: 'empty' }))).imageDetails).toEqual([]);
  });

  it('refuses an unknown tag with ImageNotFoundException and an unknown repository with RepositoryNotFoundException', async () => {
    const missing = await rejection(client.send(new DescribeImagesCommand({ repositoryName: 'acme/app', imageIds: [{ imageTag: 'v1' }, { imageTag: 'nope' }] })));
    expect(missing.name).toBe('ImageNotFoundException');
    expect(missing.message).toBe(`The image with imageId {imageDigest:'null', imageTag:'nope'} does not exist within the repository with name 'acme/app' in the registry with id '${ACCOUNT}'`);
    expect(missing.$metadata?.httpStatusCode).toBe(400);
    // A tag and a digest that name different images do not match.
    expect((await rejection(client.send(new DescribeImagesCommand({ repositoryName: 'acme/app', imageIds: [{ imageTag: 'v2', imageDigest: first }] })))).name).toBe('ImageNotFoundException');
    const noRepo = await rejection(client.send(new DescribeImagesCommand({ repositoryName: 'ghost' })));
    expect(noRepo.name).toBe('RepositoryNotFoundException');
    expect(noRepo.message).toBe(`The repository with name 'ghost' does not exist in the registry with id '${ACCOUNT}'`);
    expect((await rejection(client.send(new BatchGetImageCommand({ repositoryName: 'ghost', imageIds: [{ imageTag: 'v1' }] })))).name).toBe('RepositoryNotFoundException');
  });

  it('gets manifests with BatchGetImage, reporting unknown images as failures', async () => {
    const out = await client.send(new BatchGetImageCommand({ repositoryName: 'acme/app', imageIds: [{ imageTag: 'v1' }, { imageDigest: second }, { imageTag: 'nope' }] }));
    expect(out.images!.map((i) => [i.imageId, i.imageManifestMediaType])).toEqual([
      [{ imageDigest: first, imageTag: 'v1' }, 'application/vnd.docker.distribution.manifest.v2+json'],
      [{ imageDigest: second }, 'application/vnd.docker.distribution.manifest.v2+json'],
    ]);
    const manifest = JSON.parse(out.images![0]!.imageManifest!) as { schemaVersion: number; layers: unknown[] };
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.layers).toHaveLength(1);
    expect(out.failures).toEqual([{ imageId: { imageTag: 'nope' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }]);
  });

  it("refuses another account's repository with AccessDeniedException on the repository ARN", async () => {
    const err = await rejection(client.send(new DescribeImagesCommand({ registryId: OTHER, repositoryName: 'acme/app' })));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toBe(`User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/images is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:${REGION}:${OTHER}:repository/acme/app because no identity-based policy allows the ecr:DescribeImages action`);
    const batch = await rejection(client.send(new BatchGetImageCommand({ registryId: OTHER, repositoryName: 'acme/app', imageIds: [{ imageTag: 'v1' }] })));
    expect(batch.name).toBe('AccessDeniedException');
    expect(batch.message).toContain(`ecr:BatchGetImage on resource: arn:aws:ecr:${REGION}:${OTHER}:repository/acme/app`);
  });

  it.skipIf(!existsSync(AWS_CLI))('agrees with the system AWS CLI (describe-images, batch-get-image)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'awscli-images-home-'));
    // Credentials go through the child's environment only, never argv; the endpoint (not a secret) goes on argv.
    const cli = (args: string[]) => execa(AWS_CLI, ['ecr', ...args, '--endpoint-url', s.aws.url, '--output', 'json'], {
      reject: false, extendEnv: false,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true', AWS_DEFAULT_REGION: REGION, AWS_MAX_ATTEMPTS: '1',
        AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_SESSION_TOKEN: creds.sessionToken,
      },
    });
    try {
      const described = await cli(['describe-images', '--repository-name', 'acme/app', '--image-ids', 'imageTag=v1']);
      expect(described.stderr).toBe('');
      expect(JSON.parse(described.stdout)).toMatchObject({ imageDetails: [{ registryId: ACCOUNT, repositoryName: 'acme/app', imageDigest: first, imageTags: ['stable', 'v1'] }] });
      const got = await cli(['batch-get-image', '--repository-name', 'acme/app', '--image-ids', `imageDigest=${second}`]);
      expect(got.stderr).toBe('');
      expect(JSON.parse(got.stdout)).toMatchObject({ images: [{ imageId: { imageDigest: second } }], failures: [] });
      const missing = await cli(['describe-images', '--repository-name', 'acme/app', '--image-ids', 'imageTag=nope']);
      expect(missing.exitCode).not.toBe(0);
      expect(missing.stderr).toContain('(ImageNotFoundException)');
      expect(missing.stderr).toContain("The image with imageId {imageDigest:'null', imageTag:'nope'} does not exist within the repository with name 'acme/app'");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
