import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { OrbError } from '../../../../src/lib/errors.ts';
import { createSts, retryingSts, type StsPort } from '../../../../src/lib/aws/sts.ts';
import { explainUnanswered, proxySettings, sayingUnanswered, unanswered } from '../../../../src/lib/aws/unanswered.ts';
import { rejection } from '../../../support/rejection.ts';

/** A port on 127.0.0.1 that was free a moment ago and is closed now: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const WORDS = { env: {}, endpointSettings: '--region, --sts-endpoint' };
const INPUT = { roleArn: 'arn:aws:iam::123456789012:role/x', sessionName: 'unanswered', token: 'a.b.c', durationSeconds: 900 };
const noSleep = { now: () => 0, sleep: () => Promise.resolve(), random: () => 0, log: () => {} };

describe('unanswered', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), true],
    ['a name not found', Object.assign(new Error('getaddrinfo ENOTFOUND sts.example'), { code: 'ENOTFOUND' }), true],
    ['a deadline', Object.assign(new Error('no answer within 15s'), { name: 'TimeoutError' }), true],
    ['a proxy refusing CONNECT', Object.assign(new Error('refused CONNECT: HTTP 407'), { name: 'ProxyError', $metadata: { httpStatusCode: 407 } }), true],
    ['an AWS refusal', Object.assign(new Error('Not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }), false],
    ['an OrbError (a bad proxy variable)', new OrbError('HTTPS_PROXY is "socks5://x"'), false],
  ])('%s: %s', (_what, err, expected) => {
    expect(unanswered(err)).toBe(expected);
  });
});

describe('proxySettings', () => {
  it('names the variables that are set, with the user and password as ***, and where the call went', () => {
    const env = { HTTPS_PROXY: 'http://alice:s3cret-pw@proxy.corp:3128', NO_PROXY: 'localhost,.internal' };
    const text = proxySettings('https://sts.eu-west-1.amazonaws.com', env);
    expect(text).toBe('HTTPS_PROXY=http://***@proxy.corp:3128 NO_PROXY=localhost,.internal, so it went through the proxy proxy.corp:3128');
    expect(text).not.toMatch(/alice|s3cret/);
    expect(proxySettings('https://sts.internal', env)).toMatch(/, so it went direct$/);
  });
  it('says when none is set', () => {
    expect(proxySettings('https://sts.amazonaws.com', {})).toBe('none of HTTPS_PROXY, HTTP_PROXY, NO_PROXY is set, so it went direct');
    expect(proxySettings(undefined, {})).toBe('none of HTTPS_PROXY, HTTP_PROXY, NO_PROXY is set');
  });
  it('a proxy variable that is no proxy URL: its own error, its password still hidden', () => {
    expect(proxySettings('https://sts.amazonaws.com', { HTTPS_PROXY: 'socks5://bob:pw@x:1' })).toMatch(/^HTTPS_PROXY=socks5:\/\/\*\*\*@x:1 \(HTTPS_PROXY is "socks5:\/\/\*\*\*@x:1": socks5: proxies are not supported/);
  });
});

describe('explainUnanswered', () => {
  it('a refused connection to a real STS client: the endpoint, the code, the proxy settings and the fix, no AWS error', async () => {
    const port = await closedPort();
    const raw = await rejection(createSts('eu-west-1', `http://127.0.0.1:${port}`, {}).assumeRoleWithWebIdentity(INPUT));
    const err = explainUnanswered('STS AssumeRoleWithWebIdentity', raw, WORDS) as OrbError;
    expect(err).toBeInstanceOf(OrbError);
    expect(err.message).toBe(`STS AssumeRoleWithWebIdentity got no answer from http://127.0.0.1:${port}: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port} ` +
      '(proxy: none of HTTPS_PROXY, HTTP_PROXY, NO_PROXY is set, so it went direct)');
    expect(err.hint).toBe(`no answer came, so look on the way there: check that http://127.0.0.1:${port} is the endpoint meant (--region, --sts-endpoint choose it), ` +
      'that it is reachable from here, and the proxy settings (HTTPS_PROXY, NO_PROXY)');
    expect(err.cause).toBe(raw);
  });

  it('through a proxy that refuses: the proxy named, its password never', async () => {
    const port = await closedPort();
    const env = { HTTPS_PROXY: `http://ci:hunter2-proxy@127.0.0.1:${port}` };
    const raw = await rejection(createSts('eu-west-1', '', env).assumeRoleWithWebIdentity(INPUT));
    const err = explainUnanswered('STS AssumeRoleWithWebIdentity', raw, { env, endpointSettings: 'x' }) as OrbError;
    expect(err.message).toContain('got no answer from https://sts.eu-west-1.amazonaws.com: ECONNREFUSED: the proxy 127.0.0.1');
    expect(err.message).toContain(`(proxy: HTTPS_PROXY=http://***@127.0.0.1:${port}, so it went through the proxy 127.0.0.1:${port})`);
    expect(`${err.message} ${err.hint}`).not.toContain('hunter2');
  });

  it('keeps what the retries tried, on the line after (as every failure has it); an answer from AWS passes unchanged', () => {
    const retried = Object.assign(new Error('timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT', retrySummary: 'GetCallerIdentity failed 3 time(s) over 9.0s; last: ETIMEDOUT' });
    expect((explainUnanswered('STS GetCallerIdentity', retried, WORDS) as Error).message).toBe(
      'STS GetCallerIdentity got no answer: ETIMEDOUT: timed out (proxy: none of HTTPS_PROXY, HTTP_PROXY, NO_PROXY is set)\n  GetCallerIdentity failed 3 time(s) over 9.0s; last: ETIMEDOUT');
    const refusal = Object.assign(new Error('Not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(explainUnanswered('STS AssumeRole', refusal, WORDS)).toBe(refusal);
  });

  it('a call cut short by what was left of retry-max-seconds passes unchanged: the retries ran out of time, the way to AWS may be fine', () => {
    const cut = Object.assign(new Error('STS AssumeRole got no answer within 0.3s (what was left of retry-max-seconds)'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(explainUnanswered('STS AssumeRole', cut, WORDS)).toBe(cut);
  });
});

describe('sayingUnanswered', () => {
  it('wraps every STS call after its retries', async () => {
    const port = await closedPort();
    const sts: StsPort = sayingUnanswered(retryingSts(createSts('eu-west-1', `http://127.0.0.1:${port}`, {}), { maxAttempts: 2, totalSeconds: 5 }, noSleep), WORDS);
    const keys = { accessKeyId: 'AKIAEXAMPLE0000001', secretAccessKey: 'x' };
    for (const [call, label, p] of [['AssumeRoleWithWebIdentity', `AssumeRoleWithWebIdentity for ${INPUT.roleArn}`, sts.assumeRoleWithWebIdentity(INPUT)],
      ['AssumeRole', `AssumeRole to ${INPUT.roleArn}`, sts.assumeRole(keys, INPUT)], ['GetCallerIdentity', 'GetCallerIdentity with the new credentials', sts.getCallerIdentity(keys)]] as const) {
      const err = await rejection(p, OrbError);
      expect(err.message.startsWith(`STS ${label} got no answer from http://127.0.0.1:${port}: ECONNREFUSED: `), err.message).toBe(true);
      expect(err.message).toMatch(new RegExp(`\\n  ${call} failed 2 time\\(s\\) over [\\d.]+s; last: ECONNREFUSED$`));
    }
  });
});
