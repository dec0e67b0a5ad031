// What a broken or hostile server answers, read through the real SDK clients on loopback: replies the SDK cannot
// read, errors without a code, server text with line breaks, replies past the 1 MiB cap, and a trickle that
// retry-max-seconds cuts. Each failure reads as one line naming the call and the endpoint (awsErrorInfo).
import { createServer, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { awsErrorInfo, failureKind, MAX_QUOTED_CHARS, serverText } from '../../../../src/lib/aws/errors.ts';
import { explainAwsCall } from '../../../../src/lib/aws/explain.ts';
import { MAX_REPLY_BYTES } from '../../../../src/lib/aws/http-handler.ts';
import { getAuthorizationTokens } from '../../../../src/lib/aws/ecr.ts';
import { createSts } from '../../../../src/lib/aws/sts.ts';
import { retryReason, retrySummary, withRetry } from '../../../../src/lib/retry.ts';
import { describeFailure } from '../../../../src/lib/report.ts';
import { processSecrets } from '../../../../src/lib/log.ts';
import { allClosed, listen, type Running } from './http-rig.ts';
import { rejection } from '../../../support/rejection.ts';

const KEYS = { accessKeyId: 'AKIAEXAMPLEKEY000001', secretAccessKey: 'secret' };
const servers: Running[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server on 127.0.0.1 that answers every request with `answer` (after reading the request); its URL. */
async function answering(answer: (res: ServerResponse) => void): Promise<{ url: string; server: Running }> {
  const server = await listen(createServer((req, res) => { req.resume().once('end', () => answer(res)); }));
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}`, server };
}
const send = (status: number, body: string, type = 'text/xml') => (res: ServerResponse) => { res.writeHead(status, { 'content-type': type }).end(body); };
const rejected = (p: Promise<unknown>): Promise<Error> => rejection(p);
const whoAmI = (url: string, env: Record<string, string> = {}) => createSts('us-east-1', url, env).getCallerIdentity(KEYS);
const IDENTITY = '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>';

describe('serverText', () => {
  it('puts server text on one line without control or bidi characters, and cuts it', () => {
    expect(serverText('a\r\nb\tc\u0000d\u001b[31me\u202ef  ')).toBe('a b c d [31me f');
    expect(serverText('x'.repeat(5000))).toBe(`${'x'.repeat(MAX_QUOTED_CHARS)}...`);
    expect(serverText(`${'word '.repeat(59)}wordy tail`)).toBe(`${'word '.repeat(59)}wordy...`);
  });

  it('masks the process\'s secrets before it cuts, so no piece of one is left at the cut', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvcmcvcmVwbGllcyJ9.c2lnbmF0dXJlLW9mLXRoZS1yZXBsaWVzLXRlc3Q';
    processSecrets.add(token, '$CIRCLE_OIDC_TOKEN_V2');
    const echoed = `${'x '.repeat(140)}Token ${token}\n  is not valid`;
    const quoted = serverText(echoed);
    expect(quoted).toBe(`${'x '.repeat(140)}Token **** is not...`);
    for (let i = 0; i + 6 <= token.length; i++) expect(quoted).not.toContain(token.slice(i, i + 6));
  });
});

describe('awsErrorInfo reads what the SDK makes of a bad reply', () => {
  it.each([
    ['a 200 that is HTML, not XML', send(200, '<html>\n<body>captive portal</body>'), 'InvalidResponse', /^the HTTP 200 reply to GetCallerIdentity from http:\/\/127\.0\.0\.1:\d+ could not be read: \S/],
    ['a 200 nested 100,000 deep', send(200, `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`), 'InvalidResponse', /could not be read: it is nested too deep$/],
    ['a 403 with no body', send(403, ''), 'NoErrorCode', /^the HTTP 403 reply to GetCallerIdentity from http:\/\/127\.0\.0\.1:\d+ names no AWS error code$/],
    ['a 400 whose error has a message and no code', send(400, '<ErrorResponse><Error><Message>boom\nsecond line</Message></Error></ErrorResponse>'), 'NoErrorCode', /names no AWS error code: boom second line$/],
    ['a 400 whose message runs for 5000 characters over lines', send(400, `<ErrorResponse><Error><Code>ValidationError</Code><Message>${'bad\n'.repeat(1250)}</Message></Error></ErrorResponse>`), 'ValidationError', /^(bad ){74}bad\.\.\.$/],
  ])('%s: one line, with a code of its own', async (_title, answer, code, message) => {
    const { url } = await answering(answer);
    const err = await rejected(whoAmI(url));
    const info = awsErrorInfo(err);
    expect(info.code).toBe(code);
    expect(info.message).toMatch(message);
    const explained = explainAwsCall('GetCallerIdentity', 'in us-east-1', err) as Error;
    expect(explained.message).not.toMatch(/\n|Unknown|Deserialization error|\$response/);
    expect(describeFailure(err).message).not.toContain('\n');
  });

  it('a proxy\'s 502 page in front of ECR (JSON expected) is read as a reply that is not AWS\'s, and retried as a 5xx', async () => {
    const { url } = await answering(send(502, '<html>\n<h1>Bad Gateway</h1>\n</html>', 'text/html'));
    vi.stubEnv('AWS_ENDPOINT_URL_ECR', url);
    const err = await rejected(getAuthorizationTokens(KEYS, 'us-east-1', [], {}));
    expect(awsErrorInfo(err)).toMatchObject({ code: 'InvalidResponse', status: 502 });
    expect(failureKind(err)).toBe('notAws');
    expect(retryReason(err)).toBe('InvalidResponse (HTTP 502)');
  });
});

describe('a connection lost in the middle of a reply', () => {
  it('stays a network failure (retried), not a reply that could not be read', async () => {
    const { url } = await answering((res) => { res.writeHead(200, { 'content-type': 'text/xml', 'content-length': '1000' }).write('<GetCallerIdentityResponse>'); setTimeout(() => res.destroy(), 50); });
    const err = await rejected(whoAmI(url));
    expect(awsErrorInfo(err).code).not.toBe('InvalidResponse');
    expect(awsErrorInfo(err).message).not.toContain('\n');
    expect(retryReason(err)).toBe('ECONNRESET');
  });
});

describe('the reply cap', () => {
  /** A 200 that starts as XML and goes on with spaces, `total` bytes, as fast as the client reads; counts what it sent. */
  const flood = (total: number, sent: { bytes: number }) => (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/xml' });
    const piece = Buffer.alloc(64 << 10, ' ');
    const pump = (): void => {
      while (!res.destroyed && sent.bytes < total) {
        sent.bytes += piece.length;
        if (!res.write(piece)) { res.once('drain', pump); return; }
      }
      if (!res.destroyed) res.end();
    };
    pump();
  };

  it(`stops reading past ${MAX_REPLY_BYTES} bytes and says so, naming the call, the endpoint and the limit`, async () => {
    const sent = { bytes: 0 };
    const { url, server } = await answering(flood(1 << 30, sent));
    const err = await rejected(whoAmI(url));
    expect(awsErrorInfo(err)).toEqual({ code: 'InvalidResponse', status: 200,
      message: `the HTTP 200 reply to GetCallerIdentity from ${url} could not be read: it is larger than 1 MiB, the most the orb reads of an AWS reply` });
    // The client hung up: of the 1 GiB on offer, the server got rid of the cap and what the sockets buffer.
    await allClosed(server.sockets, 5000);
    expect(sent.bytes).toBeLessThan(64 << 20);
  });

  it('reads a reply just under the cap', async () => {
    const padded = IDENTITY.replace('<Arn>', `<Padding>${'x'.repeat(MAX_REPLY_BYTES - IDENTITY.length - 30)}</Padding><Arn>`);
    expect(Buffer.byteLength(padded)).toBeGreaterThan(MAX_REPLY_BYTES - 64);
    const { url } = await answering(send(200, padded));
    await expect(whoAmI(url)).resolves.toMatchObject({ account: '123456789012' });
  });
});

describe('retry-max-seconds bounds the request in flight', { timeout: 20_000 }, () => {
  it('a trickle under a 10 minute call deadline ends when retry-max-seconds (1 s) is spent, saying so', async () => {
    const { url, server } = await answering((res) => {
      res.writeHead(200, { 'content-type': 'text/xml' }).flushHeaders();
      const timer = setInterval(() => res.write(' '), 200);
      res.once('close', () => clearInterval(timer));
    });
    const deps = { now: Date.now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), random: () => 0, log: () => undefined };
    const err = await rejected(withRetry('GetCallerIdentity', { maxAttempts: 20, totalSeconds: 1 }, deps, () => whoAmI(url, { AWS_OIDC_HTTP_TIMEOUT_MS: '600000' })));
    expect(err).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/STS GetCallerIdentity got no answer within [\d.]+s \(what was left of retry-max-seconds\)$/) });
    expect(retrySummary(err)).toMatch(/^GetCallerIdentity failed \d+ time\(s\) over [\d.]+s; last: ETIMEDOUT$/);
    await allClosed(server.sockets, 5000);
  });

  it('outside withRetry, the call deadline alone applies', async () => {
    const { url } = await answering(send(200, IDENTITY));
    await expect(whoAmI(url)).resolves.toMatchObject({ arn: 'arn:aws:iam::123456789012:user/ci' });
  });
});
