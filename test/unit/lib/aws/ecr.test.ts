// The orb's ECR and STS calls (through the SDK) against the strict local AWS (which verifies every SigV4
// signature and session token): partition-aware hosts from proxyEndpoint, ECR Public, and the refusals.
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCOUNT, job, rejection, startStack, type Stack } from '../../../harness/aws/fixture.ts';
import { getAuthorizationTokens, getPublicAuthorizationToken, PUBLIC_REGISTRY_HOST } from '../../../../src/lib/aws/ecr.ts';
import type { AwsKeys } from '../../../../src/lib/aws/clients.ts';
import { awsErrorInfo } from '../../../../src/lib/aws/errors.ts';
import { createSts } from '../../../../src/lib/aws/sts.ts';
import { explainEcrError } from '../../../../src/commands/ecr-login/run.ts';

let s: Stack;
let keys: AwsKeys;
// The SDK reads the endpoint settings from the process environment itself.
const env = () => ({});

beforeAll(async () => {
  s = await startStack();
  for (const name of ['AWS_ENDPOINT_URL_ECR', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_ECR_PUBLIC']) vi.stubEnv(name, s.aws.url);
  const out = await s.sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: s.deployRole, RoleSessionName: 'ecr-unit', WebIdentityToken: await s.issuer.mint(job()), DurationSeconds: 900 }));
  const c = out.Credentials!;
  keys = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await s.close();
});

describe('signed ECR calls', () => {
  it('GetCallerIdentity names the assumed role', async () => {
    const who = await createSts('us-east-1', '', env(), () => Date.now() + s.clock.offsetMs).getCallerIdentity(keys);
    expect(who).toMatchObject({ arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/ecr-unit`, account: ACCOUNT });
  });

  it.each([
    ['us-east-1', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`],
    ['ap-northeast-1', `${ACCOUNT}.dkr.ecr.ap-northeast-1.amazonaws.com`],
    ['cn-north-1', `${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`],
  ])('GetAuthorizationToken in %s: the host comes from proxyEndpoint (%s), the password is one the ECR issued', async (region, host) => {
    const [login, ...rest] = await getAuthorizationTokens(keys, region, [], env());
    expect(rest).toEqual([]);
    expect(login).toMatchObject({ registryId: ACCOUNT, host, proxyEndpoint: `https://${host}`, username: 'AWS' });
    expect(s.aws.validEcrPassword(login!.password)).toEqual({ account: ACCOUNT, identityArn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/ecr-unit` });
    expect(login!.expiresAt.getTime() - Date.now()).toBeGreaterThan(11.9 * 3600_000);
  });

  it('ECR Public: one token for public.ecr.aws, signed for ecr-public in us-east-1', async () => {
    const login = await getPublicAuthorizationToken(keys, env());
    expect(login).toMatchObject({ registryId: 'public', host: PUBLIC_REGISTRY_HOST, username: 'AWS' });
    expect(s.aws.validEcrPassword(login.password)?.account).toBe(ACCOUNT);
    expect(s.aws.requests.at(-1)).toMatchObject({ action: 'GetAuthorizationToken (ECR Public)', status: 200 });
  });

  it('a session key without its token, and an expired session, are refused by ECR and explained', async () => {
    const ctx = { source: 'the environment', who: 'me', registries: ACCOUNT, region: 'us-east-1', endpoint: s.aws.url };
    const noToken = await rejection(getAuthorizationTokens({ ...keys, sessionToken: undefined }, 'us-east-1', [], env()));
    expect(awsErrorInfo(noToken)).toMatchObject({ code: 'UnrecognizedClient', status: 400 });
    expect(explainEcrError(noToken, ctx).hint).toMatch(/needs its AWS_SESSION_TOKEN/);
    s.clock.offsetMs = 901_000;
    try {
      const expired = await rejection(getAuthorizationTokens(keys, 'us-east-1', [], env(), () => Date.now() + s.clock.offsetMs));
      expect(awsErrorInfo(expired).code).toMatch(/^ExpiredToken/);
      expect(explainEcrError(expired, ctx).message).toMatch(/^the AWS credentials from the environment expired \(AWS said ExpiredToken/);
    } finally {
      s.clock.offsetMs = 0;
    }
  });

  it('another account\'s registry is AccessDenied, explained with the identity, registry and region', async () => {
    const err = await rejection(getAuthorizationTokens(keys, 'us-east-1', ['999999999999'], env()));
    const e = explainEcrError(err, { source: 'the environment', who: 'arn:x', registries: '999999999999', region: 'us-east-1', endpoint: s.aws.url });
    expect(e.message).toMatch(/^arn:x may not get a login for ECR registry 999999999999 in us-east-1: /);
  });

  it('a connection refused is a network error that names the endpoint', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_ECR', 'http://127.0.0.1:1');
    const err = await rejection(getAuthorizationTokens(keys, 'us-east-1', [], {})).finally(() => vi.stubEnv('AWS_ENDPOINT_URL_ECR', s.aws.url));
    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
    const e = explainEcrError(err, { source: 's', who: 'w', registries: 'r', region: 'us-east-1', endpoint: 'the ECR API of us-east-1' });
    expect(e.message).toMatch(/^could not reach ECR at http:\/\/127.0.0.1:1 \(ECONNREFUSED\)/);
  });
});
