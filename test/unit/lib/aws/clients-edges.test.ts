// What the clients do at their edges: one HTTP handler per step environment, a signed call made without
// keys, and an endpoint that is neither https nor plain http to this machine. A middleware added for the
// test stops each call before it is sent, so nothing leaves the process.
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ecrClient, ecrPublicClient, stsClient } from '../../../../src/lib/aws/clients.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const WEB = { RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 's', WebIdentityToken: 'a.b.c' };

/** Adds a last middleware to `client` that records each request that would be sent and ends it with `outcome`. */
function stopBeforeSending(client: STSClient, outcome: () => unknown): string[] {
  const sent: string[] = [];
  client.middlewareStack.add((_next) => async (args) => {
    sent.push((args.request as { hostname: string }).hostname);
    throw outcome();
  }, { step: 'finalizeRequest', priority: 'low', name: 'stopBeforeSending' });
  return sent;
}

afterEach(() => vi.unstubAllEnvs());

describe('the HTTP handler', () => {
  it('is one per step environment, shared by its STS, ECR and ECR Public clients (so they reuse connections)', () => {
    const env = {};
    const handler = stsClient('us-east-1', '', undefined, env).config.requestHandler;
    expect(ecrClient('eu-west-1', KEYS, env).config.requestHandler).toBe(handler);
    expect(ecrPublicClient(KEYS, env).config.requestHandler).toBe(handler);
    expect(stsClient('us-east-1', '', undefined, {}).config.requestHandler).not.toBe(handler);
  });
});

describe('a signed call without keys', () => {
  it('fails before anything is sent, saying that it needs credentials (never the SDK\'s default chain)', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFROMENVIRONMENT');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-these');
    const client = stsClient('us-east-1', '', undefined, {});
    const sent = stopBeforeSending(client, () => new Error('sent'));
    const err = await rejection(client.send(new GetCallerIdentityCommand({})));
    expect(err.message).toBe('this AWS call needs credentials and none were given');
    expect(sent).toEqual([]);
  });
});

describe('an endpoint that is not https', () => {
  it('is refused on this machine too when it is not plain http (ftp://127.0.0.1)', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_STS', 'ftp://127.0.0.1:2121');
    const client = stsClient('us-east-1', '', undefined, {});
    const sent = stopBeforeSending(client, () => new Error('sent'));
    const err = await rejection(client.send(new AssumeRoleWithWebIdentityCommand(WEB)), OrbError);
    expect(err.message).toBe('the AWS endpoint ftp://127.0.0.1:2121 is not https: credentials and tokens would travel in clear text');
    expect(sent).toEqual([]);
  });
});

