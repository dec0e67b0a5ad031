// Where the clients send their calls: the SDK's own endpoint rules (partitions, FIPS, dual-stack, the
// AWS_ENDPOINT_URL settings) applied to the clients as the project configures them. A middleware added
// for the test stops each call before it is sent and records the request, so nothing leaves the process.
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { GetAuthorizationTokenCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand, type ECRPUBLICClient } from '@aws-sdk/client-ecr-public';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ecrClient, ecrPublicClient, stsClient } from '../../../../src/lib/aws/clients.ts';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

/** The URL (scheme://host[:port]) and signing headers of the request a client would send. */
async function requestOf(client: STSClient | ECRClient | ECRPUBLICClient, command: unknown): Promise<{ url: string; authorization: string }> {
  let seen = { url: '', authorization: '' };
  (client as STSClient).middlewareStack.add(() => async (args) => {
    const r = args.request as { protocol: string; hostname: string; port?: number; headers: Record<string, string> };
    seen = { url: `${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}`, authorization: r.headers.authorization ?? '' };
    throw new Error('stopped before sending');
  }, { step: 'finalizeRequest', priority: 'low', name: 'stopBeforeSending' });
  await expect((client as STSClient).send(command as GetCallerIdentityCommand)).rejects.toThrow('stopped before sending');
  return seen;
}

afterEach(() => vi.unstubAllEnvs());

describe('the SDK resolves each client\'s endpoint', () => {
  it.each([
    ['us-east-1', {}, 'https://sts.us-east-1.amazonaws.com'],
    ['cn-north-1', {}, 'https://sts.cn-north-1.amazonaws.com.cn'],
    ['us-gov-west-1', {}, 'https://sts.us-gov-west-1.amazonaws.com'],
    ['us-east-1', { AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://sts-fips.us-east-1.amazonaws.com'],
    ['us-east-1', { AWS_USE_DUALSTACK_ENDPOINT: 'true' }, 'https://sts.us-east-1.api.aws'],
    ['us-east-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }, 'http://127.0.0.1:4566'],
    ['us-east-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4567' }, 'http://127.0.0.1:4567'],
  ])('STS in %s with %j: %s', async (region, env, url) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    const seen = await requestOf(stsClient(region, '', KEYS, {}), new GetCallerIdentityCommand({}));
    expect(seen.url).toBe(url);
    expect(seen.authorization).toContain(`/${region}/sts/aws4_request`);
  });

  it('the sts-endpoint parameter wins over AWS_ENDPOINT_URL_STS', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_STS', 'http://127.0.0.1:4567');
    expect((await requestOf(stsClient('eu-west-1', 'https://sts.example.test', KEYS, {}), new GetCallerIdentityCommand({}))).url).toBe('https://sts.example.test');
  });

  it.each([
    ['ap-northeast-1', {}, 'https://api.ecr.ap-northeast-1.amazonaws.com'],
    ['cn-northwest-1', {}, 'https://api.ecr.cn-northwest-1.amazonaws.com.cn'],
    ['us-east-1', { AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://api.ecr-fips.us-east-1.amazonaws.com'],
    ['us-east-1', { AWS_ENDPOINT_URL_ECR: 'http://127.0.0.1:4568' }, 'http://127.0.0.1:4568'],
  ])('ECR in %s with %j: %s', async (region, env, url) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    const seen = await requestOf(ecrClient(region, KEYS, {}), new GetAuthorizationTokenCommand({}));
    expect(seen.url).toBe(url);
    expect(seen.authorization).toContain(`/${region}/ecr/aws4_request`);
  });

  it('ECR Public is us-east-1, signed for ecr-public', async () => {
    const seen = await requestOf(ecrPublicClient(KEYS, {}), new GetPublicAuthorizationTokenCommand({}));
    expect(seen.url).toBe('https://api.ecr-public.us-east-1.amazonaws.com');
    expect(seen.authorization).toContain('/us-east-1/ecr-public/aws4_request');
  });

  it('signs with the keys it was given, never a default chain\'s', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFROMENVIRONMENT');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-these');
    const seen = await requestOf(stsClient('us-east-1', '', KEYS, {}), new GetCallerIdentityCommand({}));
    expect(seen.authorization).toMatch(/Credential=AKIDEXAMPLE\//);
  });
});

describe('an endpoint in clear text', () => {
  it.each([
    ['AWS_ENDPOINT_URL_STS', 'http://sts.example.test', 'http://sts.example.test'],
    ['AWS_ENDPOINT_URL', 'http://10.1.2.3:8080', 'http://10.1.2.3:8080'],
    ['AWS_ENDPOINT_URL_STS', 'ftp://sts.example.test', 'ftp://sts.example.test'],
  ])('%s=%s is refused before the token is sent', async (name, value, shown) => {
    vi.stubEnv(name, value);
    const sent: string[] = [];
    const client = stsClient('us-east-1', '', undefined, {});
    client.middlewareStack.add(() => async () => { sent.push('sent'); throw new Error('sent'); }, { step: 'finalizeRequest', priority: 'low', name: 'recordSend' });
    const web = new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 's', WebIdentityToken: 'a.b.c' });
    const err = await client.send(web).then(() => undefined, (e: unknown) => e as Error & { hint?: string });
    expect(err?.message).toBe(`the AWS endpoint ${shown} is not https: credentials and tokens would travel in clear text`);
    expect(err?.hint).toContain('AWS_ENDPOINT_URL_<SERVICE>');
    expect(sent).toEqual([]);
  });

  it.each(['http://127.0.0.1:4566', 'http://localhost:4566', 'http://[::1]:4566', 'https://sts.example.test'])('%s is allowed', async (value) => {
    vi.stubEnv('AWS_ENDPOINT_URL_STS', value);
    expect((await requestOf(stsClient('us-east-1', '', KEYS, {}), new GetCallerIdentityCommand({}))).url).toMatch(/^https?:\/\//);
  });
});
