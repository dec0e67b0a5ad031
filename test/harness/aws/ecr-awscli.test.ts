// Cross-check with a client nobody here wrote: the system AWS CLI's ECR commands against the local ECR.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, awsCliEnv, job, startStack, type Stack } from './fixture.ts';

const AWS_CLI = '/usr/bin/aws';
const present = existsSync(AWS_CLI);
if (!present) console.warn(`SKIPPED awscli ECR cross-check: ${AWS_CLI} is not installed (apt-get install awscli)`);

describe.skipIf(!present)('the AWS CLI against the local ECR', () => {
  let s: Stack;
  let home: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    s = await startStack();
    home = mkdtempSync(join(tmpdir(), 'awscli-ecr-home-'));
    const out = await s.sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: s.deployRole, RoleSessionName: 'cli-ecr', WebIdentityToken: await s.issuer.mint(job()) }));
    const c = out.Credentials!;
    // Credentials go through the child's environment only, never argv; no user config is read.
    env = {
      ...awsCliEnv(home, 'ECR', s.aws.url),
      AWS_ACCESS_KEY_ID: c.AccessKeyId!,
      AWS_SECRET_ACCESS_KEY: c.SecretAccessKey!,
      AWS_SESSION_TOKEN: c.SessionToken!,
    };
  });
  afterAll(async () => {
    await s.close();
    rmSync(home, { recursive: true, force: true });
  });

  // Debian's CLI may predate AWS_ENDPOINT_URL_<SERVICE>, so the endpoint (not a secret) also goes on argv.
  const cli = (args: string[]) => execa(AWS_CLI, ['ecr', ...args, '--endpoint-url', s.aws.url], { reject: false, extendEnv: false, env });

  it('get-login-password prints a password the local registry will accept', async () => {
    const res = await cli(['get-login-password']);
    expect(res.stderr).toBe('');
    expect(res.exitCode).toBe(0);
    // The password is compared, never printed.
    expect(s.aws.validEcrPassword(res.stdout.trim())).toEqual({ account: ACCOUNT, identityArn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/cli-ecr` });
  });

  it('create-repository and describe-repositories parse answers and errors', async () => {
    const created = await cli(['create-repository', '--repository-name', 'cli/app', '--image-scanning-configuration', 'scanOnPush=true', '--output', 'json']);
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({
      repository: { repositoryName: 'cli/app', repositoryUri: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/cli/app`, imageScanningConfiguration: { scanOnPush: true } },
    });
    const missing = await cli(['describe-repositories', '--repository-names', 'nope']);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('(RepositoryNotFoundException)');
    expect(missing.stderr).toContain(`The repository with name 'nope' does not exist in the registry with id '${ACCOUNT}'`);
  });
});
