// Fault injection: each kind is seen by the real SDK exactly as many times as asked, then calls work.
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job, rejection, startStack, type Stack } from './fixture.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());

const whoami = (maxAttempts = 1) => s.sts(s.alice, maxAttempts).send(new GetCallerIdentityCommand({}));

describe('injectFault', () => {
  it.each([
    ['throttle', 'Throttling', 400, 'Rate exceeded'],
    ['500', 'InternalFailure', 500, undefined],
    ['503', 'ServiceUnavailable', 503, undefined],
  ] as const)('%s is answered once as %s, then the call works', async (kind, code, status, message) => {
    s.aws.injectFault('GetCallerIdentity', { kind, times: 1 });
    const err = await rejection(whoami());
    expect(err.name).toBe(code);
    expect(err.$metadata?.httpStatusCode).toBe(status);
    if (message) expect(err.message).toBe(message);
    expect(s.aws.requests.at(-1)).toMatchObject({ action: 'GetCallerIdentity', status, errorCode: code });
    await expect(whoami()).resolves.toHaveProperty('Arn');
  });

  it('reset drops the connection, logged with status 0', async () => {
    s.aws.injectFault('GetCallerIdentity', { kind: 'reset', times: 1 });
    const err = await rejection(whoami());
    expect(err.$metadata?.httpStatusCode).toBeUndefined();
    expect(s.aws.requests.at(-1)).toMatchObject({ action: 'GetCallerIdentity', status: 0, errorCode: 'ConnectionReset' });
    await expect(whoami()).resolves.toHaveProperty('Arn');
  });

  it('delay answers normally after the delay', async () => {
    s.aws.injectFault('GetCallerIdentity', { kind: 'delay', times: 1, delayMs: 300 });
    const t0 = Date.now();
    await expect(whoami()).resolves.toHaveProperty('Arn');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('idp answers IDPCommunicationError on the web identity exchange', async () => {
    s.aws.injectFault('AssumeRoleWithWebIdentity', { kind: 'idp', times: 2 });
    const call = async () =>
      s.sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: s.deployRole, RoleSessionName: 'fault-test', WebIdentityToken: await s.issuer.mint(job()) }));
    for (let i = 0; i < 2; i++) expect((await rejection(call())).name).toBe('IDPCommunicationErrorException');
    await expect(call()).resolves.toHaveProperty('Credentials');
  });

  it('a throttle is absorbed by the SDK\'s own retry, and the log shows both attempts', async () => {
    const before = s.aws.requests.length;
    s.aws.injectFault('GetCallerIdentity', { kind: 'throttle', times: 1 });
    await expect(whoami(3)).resolves.toHaveProperty('Arn');
    expect(s.aws.requests.slice(before).map((r) => r.status)).toEqual([400, 200]);
  });

  it('faults are per action: another action is untouched', async () => {
    s.aws.injectFault('AssumeRole', { kind: '500', times: 1 });
    await expect(whoami()).resolves.toHaveProperty('Arn');
  });

  it('refuses a fault without a positive count', () => {
    expect(() => s.aws.injectFault('GetCallerIdentity', { kind: '500', times: 0 })).toThrow(/times/);
  });
});
