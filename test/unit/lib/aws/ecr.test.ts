// The orb's ECR and STS calls (through the SDK) against the strict local AWS (which verifies every SigV4
// signature and session token): partition-aware hosts from proxyEndpoint, ECR Public, and the refusals.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCOUNT, job, rejection, startStack, type Stack } from '../../../harness/aws/fixture.ts';
import { getAuthorizationTokens, getPublicAuthorizationToken, PUBLIC_REGISTRY_HOST, registryAccount } from '../../../../src/lib/aws/ecr.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { thrown } from '../../../support/rejection.ts';
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

describe('registryAccount: where ECR may send a password', () => {
  const AWS_API = { endpoint: 'https://api.ecr.eu-west-1.amazonaws.com' };
  const LOCAL_API = { endpoint: 'http://127.0.0.1:4566' };
  it.each([
    [`https://${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, [], AWS_API, ACCOUNT],
    [`https://${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, [ACCOUNT], AWS_API, ACCOUNT],
    [`https://${ACCOUNT}.dkr.ecr-fips.eu-west-1.amazonaws.com`, [], AWS_API, ACCOUNT],
    [`https://${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`, [], AWS_API, ACCOUNT],
    [`https://${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, [], LOCAL_API, ACCOUNT],
    ['http://127.0.0.1:5000', [ACCOUNT], LOCAL_API, ''],
    ['http://localhost:5000', [], LOCAL_API, ''],
  ])('%s (asked %j, API %j) is the registry of %j', (endpoint, accounts, api, account) => {
    expect(registryAccount(endpoint, 'eu-west-1', accounts, api)).toBe(account);
  });

  it.each([
    ['https://registry.example.com', [], AWS_API],
    [`https://${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com.example.net`, [], AWS_API],
    [`https://x${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, [], AWS_API],
    [`https://${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com@example.net`, [], AWS_API],
    [`http://${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, [], AWS_API],
    [`https://${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, [], AWS_API],
    [`https://999999999999.dkr.ecr.eu-west-1.amazonaws.com`, [ACCOUNT], AWS_API],
    ['http://127.0.0.1:5000', [], AWS_API],
    ['http://127.0.0.1:5000', [], {}],
    ['xhttp://127.0.0.1:5000', [], LOCAL_API],
    ['not a url\nat all', [], AWS_API],
  ])('%s (asked %j, API %j) is refused, naming the call and quoting the endpoint on one line', (endpoint, accounts, api) => {
    const err = thrown(() => registryAccount(endpoint, 'eu-west-1', accounts, api), OrbError);
    expect(err.message).toMatch(/^ECR GetAuthorizationToken( at \S+)? answered proxyEndpoint ".*", which is no ECR registry of (the caller|account \d{12}) in eu-west-1$/);
    expect(awsErrorInfo(err).code).toBe('InvalidResponse');
  });

  it('a refusal names every account asked for', () => {
    const err = thrown(() => registryAccount('https://registry.example.com', 'eu-west-1', [ACCOUNT, '999999999999'], AWS_API), OrbError);
    expect(err.message).toMatch(/, which is no ECR registry of account 123456789012, 999999999999 in eu-west-1$/);
  });
});

describe('GetAuthorizationToken answers that are not a login', () => {
  const answer = (authorizationData: object[]) => async () => {
    const server = createServer((req, res) => { req.resume().once('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ authorizationData }))); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    vi.stubEnv('AWS_ENDPOINT_URL_ECR', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return getAuthorizationTokens(keys, 'us-east-1', [], env()).finally(() => { server.close(); vi.stubEnv('AWS_ENDPOINT_URL_ECR', s.aws.url); });
  };
  const login = (token: string) => ({ authorizationToken: Buffer.from(token).toString('base64'), expiresAt: 1_900_000_000, proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com` });

  it.each([
    ['a user other than AWS', login('admin:pw-planted')],
    ['no password', login('AWS:')],
    ['a password with a line break', login('AWS:pw-planted\nmore')],
    ['no token at all', { ...login('AWS:pw-planted'), authorizationToken: undefined }],
  ])('%s: refused, the token never quoted', async (_title, data) => {
    const err = await rejection(answer([data])());
    expect(err).toBeInstanceOf(OrbError);
    expect(err.message).toMatch(/^ECR GetAuthorizationToken at http:\/\/127\.0\.0\.1:\d+ answered an authorization token that is not base64 of AWS:<password>$/);
    expect(err.message).not.toContain('planted');
  });

  it('a login with the token and host ECR gives is used', async () => {
    await expect(answer([login('AWS:pw')])()).resolves.toMatchObject([{ registryId: ACCOUNT, username: 'AWS', password: 'pw' }]);
  });
});
