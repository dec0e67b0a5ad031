// Cross-check with a client nobody here wrote: the system AWS CLI calls the local STS with session credentials.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, awsCliEnv, job, startStack, type Stack } from './fixture.ts';

const AWS_CLI = '/usr/bin/aws';
const present = existsSync(AWS_CLI);
if (!present) console.warn(`SKIPPED awscli cross-check: ${AWS_CLI} is not installed (apt-get install awscli)`);

describe.skipIf(!present)('the AWS CLI against the local STS', () => {
  let s: Stack;
  let home: string;
  beforeAll(async () => {
    s = await startStack();
    home = mkdtempSync(join(tmpdir(), 'awscli-home-'));
  });
  afterAll(async () => {
    await s.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function cli(env: Record<string, string>) {
    // Credentials go through the child's environment only, never argv; no user config is read.
    // Debian's CLI (2.9) predates AWS_ENDPOINT_URL_<SERVICE> (CLI 2.13), so the endpoint, which is not a
    // secret, also goes on argv: without it an old CLI would try the real STS.
    return execa(AWS_CLI, ['sts', 'get-caller-identity', '--output', 'json', '--endpoint-url', s.aws.url], {
      reject: false,
      extendEnv: false,
      env: { ...awsCliEnv(home, 'STS', s.aws.url), ...env },
    });
  }

  it('runs get-caller-identity with web identity session credentials', async () => {
    const out = await s.sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: s.deployRole, RoleSessionName: 'cli-check', WebIdentityToken: await s.issuer.mint(job()) }));
    const c = out.Credentials!;
    const res = await cli({ AWS_ACCESS_KEY_ID: c.AccessKeyId!, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey!, AWS_SESSION_TOKEN: c.SessionToken! });
    expect(res.stderr).toBe('');
    expect(res.exitCode).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/cli-check` });
    expect(s.aws.requests.at(-1)).toMatchObject({ action: 'GetCallerIdentity', accessKeyId: c.AccessKeyId, status: 200 });

    const denied = await cli({ AWS_ACCESS_KEY_ID: c.AccessKeyId!, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey! });
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toContain('(InvalidClientTokenId)');
    expect(denied.stderr).toContain('The security token included in the request is invalid.');
  });
});
