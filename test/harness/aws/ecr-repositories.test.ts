// ECR repositories through the real SDK: CreateRepository settings, DescribeRepositories, and their refusals.
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient, type CreateRepositoryCommandInput } from '@aws-sdk/client-ecr';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, job, rejection, startStack, type Stack } from './fixture.ts';

const OTHER = '210987654321';
let s: Stack;
let client: ECRClient;

beforeAll(async () => {
  s = await startStack();
  const out = await s.sts().send(new AssumeRoleWithWebIdentityCommand({
    RoleArn: s.deployRole, RoleSessionName: 'job-1', WebIdentityToken: await s.issuer.mint(job()),
  }));
  const c = out.Credentials!;
  client = new ECRClient({
    endpoint: s.aws.url, region: 'eu-west-1', maxAttempts: 1,
    credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
  });
});
afterAll(async () => {
  client.destroy();
  await s.close();
});

const create = (input: CreateRepositoryCommandInput) => client.send(new CreateRepositoryCommand(input));
const describeRepos = (repositoryNames?: string[], registryId?: string) =>
  client.send(new DescribeRepositoriesCommand({ ...(repositoryNames ? { repositoryNames } : {}), ...(registryId ? { registryId } : {}) }));

describe('CreateRepository and DescribeRepositories', () => {
  it('creates a repository with its settings and describes it back the same', async () => {
    const before = Date.now();
    const out = await create({
      repositoryName: 'acme/webapp',
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd' },
    });
    const repo = out.repository!;
    expect(repo).toMatchObject({
      repositoryArn: `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/acme/webapp`,
      registryId: ACCOUNT,
      repositoryName: 'acme/webapp',
      repositoryUri: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/acme/webapp`,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd' },
    });
    expect(repo.createdAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const described = await describeRepos(['acme/webapp']);
    expect(described.repositories).toEqual([repo]);
  });

  it('defaults to mutable tags, no scan on push and AES256', async () => {
    const { repository } = await create({ repositoryName: 'plain' });
    expect(repository).toMatchObject({
      imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: false }, encryptionConfiguration: { encryptionType: 'AES256' },
    });
    const all = await describeRepos();
    expect(all.repositories!.map((r) => r.repositoryName).sort()).toEqual(['acme/webapp', 'plain']);
  });

  it('refuses a duplicate with RepositoryAlreadyExistsException', async () => {
    const err = await rejection(create({ repositoryName: 'plain' }));
    expect(err.name).toBe('RepositoryAlreadyExistsException');
    expect(err.message).toBe(`The repository with name 'plain' already exists in the registry with id '${ACCOUNT}'`);
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it('refuses an unknown name with RepositoryNotFoundException, even beside a known one', async () => {
    const err = await rejection(describeRepos(['plain', 'missing']));
    expect(err.name).toBe('RepositoryNotFoundException');
    expect(err.message).toBe(`The repository with name 'missing' does not exist in the registry with id '${ACCOUNT}'`);
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it("refuses names outside ECR's pattern and length", async () => {
    const upper = await rejection(create({ repositoryName: 'Acme/WebApp' }));
    expect(upper.name).toBe('InvalidParameterException');
    expect(upper.message).toBe(
      "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''",
    );
    const short = await rejection(create({ repositoryName: 'a' }));
    expect(short.message).toBe("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have length greater than or equal to 2'");
    expect((await rejection(create({ repositoryName: 'trailing-/x' }))).name).toBe('InvalidParameterException');
  });

  it('refuses a KMS key with AES256 encryption', async () => {
    const err = await rejection(create({ repositoryName: 'enc', encryptionConfiguration: { encryptionType: 'AES256', kmsKey: 'k' } }));
    expect(err.name).toBe('InvalidParameterException');
  });

  it('keeps registries per region', async () => {
    const elsewhere = new ECRClient({ endpoint: s.aws.url, region: 'us-west-2', maxAttempts: 1, credentials: s.alice });
    try {
      expect((await rejection(elsewhere.send(new DescribeRepositoriesCommand({ repositoryNames: ['plain'] })))).name).toBe('RepositoryNotFoundException');
    } finally {
      elsewhere.destroy();
    }
  });

  it('refuses another account\'s registry unless the role is allowed there', async () => {
    const err = await rejection(create({ repositoryName: 'shared', registryId: OTHER }));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain(`ecr:CreateRepository on resource: arn:aws:ecr:eu-west-1:${OTHER}:repository/shared`);
    s.aws.allowEcr({ account: OTHER, principalArn: s.deployRole });
    const { repository } = await create({ repositoryName: 'shared', registryId: OTHER });
    expect(repository!.repositoryUri).toBe(`${OTHER}.dkr.ecr.eu-west-1.amazonaws.com/shared`);
    expect((await describeRepos(undefined, OTHER)).repositories!.map((r) => r.repositoryName)).toEqual(['shared']);
  });

  it('renders injected faults in the JSON shape, then answers normally', async () => {
    s.aws.injectFault('DescribeRepositories', { kind: 'throttle', times: 1 });
    s.aws.injectFault('DescribeRepositories', { kind: '503', times: 1 });
    const throttled = await rejection(describeRepos(['plain']));
    expect(throttled.name).toBe('ThrottlingException');
    expect(throttled.$metadata?.httpStatusCode).toBe(400);
    const unavailable = await rejection(describeRepos(['plain']));
    expect(unavailable.name).toBe('ServiceUnavailableException');
    expect(unavailable.$metadata?.httpStatusCode).toBe(503);
    expect((await describeRepos(['plain'])).repositories).toHaveLength(1);
    expect(s.aws.requests.slice(-3).map((r) => [r.action, r.status, r.errorCode])).toEqual([
      ['DescribeRepositories', 400, 'ThrottlingException'], ['DescribeRepositories', 503, 'ServiceUnavailableException'], ['DescribeRepositories', 200, undefined],
    ]);
  });
});
