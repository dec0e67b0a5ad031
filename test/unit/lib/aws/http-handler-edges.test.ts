// The HTTP transport at its edges: proxy values without a scheme, the default connect deadline, a reply of
// exactly the cap, the words of a body cut at the call deadline, and withDeadline inside and after retries.
// All traffic stays on loopback.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_REPLY_BYTES, proxyFor, requestHandler, withDeadline, withoutCredentials } from '../../../../src/lib/aws/http-handler.ts';
import { withRetry } from '../../../../src/lib/retry.ts';
import { rejection } from '../../../support/rejection.ts';
import { fetchVia, listen, silentServer, tricklingServer } from './http-rig.ts';

describe('a proxy value without a scheme', () => {
  it.each([
    ['user:pw@proxy.test:3128', '***@proxy.test:3128'],
    ['user:pw@proxy.test:3128/x://y', '***@proxy.test:3128/x://y'],
  ])('%s shows as %s: the user and password hidden', (raw, shown) => {
    expect(withoutCredentials(raw)).toBe(shown);
  });

  it('is http://, even when "://" comes later in it', () => {
    expect(proxyFor(new URL('https://sts.example.test'), { HTTPS_PROXY: 'user:pw@proxy.test:3128/x://y' })?.host).toBe('proxy.test:3128');
  });
});

// A regression fails within 10 s instead of hanging to vitest's limit.
describe('deadlines', { timeout: 10_000 }, () => {
  it('the connect deadline is two thirds of the call deadline when none is given, and the error says it', async () => {
    const stuck = await silentServer();
    const handler = requestHandler({ HTTPS_PROXY: `http://127.0.0.1:${stuck.port}` }, { callMs: 600 });
    try {
      await expect(fetchVia(handler, 'https://sts.example.test/')).rejects.toMatchObject({ code: 'ETIMEDOUT', message: expect.stringContaining('opened no tunnel within 0.4s') });
    } finally { handler.destroy(); await stuck.close(); }
  });

  it('a body cut at the call deadline says whose answer was not complete, and within what', async () => {
    const slow = await tricklingServer('body', 100);
    const handler = requestHandler({}, { callMs: 300 });
    try {
      await expect(fetchVia(handler, `http://127.0.0.1:${slow.port}/`)).rejects.toMatchObject({ code: 'ETIMEDOUT', message: 'the answer from 127.0.0.1 was not complete within 0.3s' });
    } finally { handler.destroy(); await slow.close(); }
  });

  it('inside retries with time to spare, the call deadline applies, and the error does not blame retry-max-seconds', async () => {
    const deps = { now: Date.now, sleep: () => Promise.resolve(), random: () => 0, log: () => undefined };
    const never = (signal: AbortSignal) => new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const err = await rejection(withRetry('GetCallerIdentity', { maxAttempts: 1, totalSeconds: 60 }, deps, () => withDeadline(100, 'STS GetCallerIdentity', never)));
    expect(err).toMatchObject({ code: 'ETIMEDOUT', message: 'STS GetCallerIdentity got no answer within 0.1s' });
  });

  it('a call that answered in time is never aborted afterwards', async () => {
    let given: AbortSignal | undefined;
    await expect(withDeadline(50, 'quick', async (signal) => { given = signal; return 'done'; })).resolves.toBe('done');
    // Node fires due timers in order: this one, due after the deadline would have been, runs after it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(given?.aborted).toBe(false);
  });
});

describe('the reply cap', () => {
  it(`reads a reply of exactly ${MAX_REPLY_BYTES} bytes`, async () => {
    const body = 'x'.repeat(MAX_REPLY_BYTES);
    const server = await listen(createServer((_req, res) => res.end(body)));
    const handler = requestHandler({});
    try {
      const got = await fetchVia(handler, `http://127.0.0.1:${server.port}/`);
      expect(got.body.length).toBe(MAX_REPLY_BYTES);
    } finally { handler.destroy(); await server.close(); }
  });
});
