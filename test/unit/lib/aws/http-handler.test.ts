// The SDK clients' HTTP transport: which proxy a target gets (curl's NO_PROXY rules), real round trips through
// a CONNECT proxy and around it, and the connect and whole-call deadlines. All traffic stays on loopback.
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTimeoutMs, proxyFor, requestHandler, withDeadline } from '../../../../src/lib/aws/http-handler.ts';
import { allClosed, fetchVia, httpsOrigin, listen, recordingProxy, silentServer, throwawayCert, tricklingServer } from './http-rig.ts';

const PROXY = 'http://proxy.test:3128';

describe('proxyFor: which variable, by scheme', () => {
  it.each([
    ['https://a.test', { HTTPS_PROXY: PROXY }, 'proxy.test:3128'],
    ['https://a.test', { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' }, 'lower:1'],
    ['https://a.test', { https_proxy: '', HTTPS_PROXY: 'http://upper:2' }, 'upper:2'],
    ['https://a.test', { HTTP_PROXY: PROXY }, undefined],
    ['http://a.test', { HTTP_PROXY: 'http://plain:8080' }, 'plain:8080'],
    ['http://a.test', { http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:2' }, 'lower:1'],
    ['http://a.test', { HTTPS_PROXY: PROXY }, undefined],
    ['https://a.test', { HTTPS_PROXY: 'bare.test:8080' }, 'bare.test:8080'],
    ['https://a.test', { HTTPS_PROXY: PROXY, no_proxy: 'other.test', NO_PROXY: 'a.test' }, 'proxy.test:3128'],
    ['ftp://a.test', { HTTPS_PROXY: PROXY, HTTP_PROXY: PROXY }, undefined],
    // A plain-http target on this machine never goes through a proxy elsewhere: it would see it in clear text.
    ['http://127.0.0.1:4566', { http_proxy: 'http://10.9.9.9:3128', HTTP_PROXY: PROXY }, undefined],
    ['http://localhost:9/', { HTTP_PROXY: PROXY }, undefined],
    ['http://[::1]:9000', { HTTP_PROXY: PROXY }, undefined],
    ['http://127.0.0.1:4566', { HTTP_PROXY: 'http://127.0.0.1:3128' }, '127.0.0.1:3128'],
    ['https://127.0.0.1:4566', { HTTPS_PROXY: PROXY }, 'proxy.test:3128'],
  ])('%s with %j -> %s', (target, env, proxy) => {
    expect(proxyFor(new URL(target), env)?.host).toBe(proxy);
  });
});

describe('proxyFor: NO_PROXY as curl matches it', () => {
  it.each([
    ['https://example.com', 'example.com', false],
    ['https://api.example.com', 'example.com', false],
    ['https://notexample.com', 'example.com', true],
    ['https://example.com', 'ample.com', true],
    ['https://example.com.evil.test', 'example.com', true],
    ['https://api.example.com', '.example.com', false],
    ['https://example.com', '.example.com', false],
    ['https://api.example.com', '*.example.com', false],
    ['https://example.com', 'com', false],
    ['https://API.Example.COM', 'example.com', false],
    ['https://api.example.com', 'EXAMPLE.COM', false],
    ['https://example.com./', 'example.com', false],
    ['https://example.com', 'example.com.', false],
    ['https://anything.test', '*', false],
    ['https://anything.test', ' * ', false],
    ['https://anything.test', 'localhost,*', true],
    ['https://example.com', 'a.test,  example.com', false],
    ['https://example.com', 'a.test example.com', false],
    ['https://example.com', ',,example.com,', false],
    ['https://example.com', '', true],
    ['https://example.com:8443', 'example.com:8443', false],
    ['https://example.com', 'example.com:8443', true],
    ['https://example.com', 'example.com:443', false],
    ['http://example.com', 'example.com:80', false],
    ['https://example.com', 'example.com:https', true],
    ['https://[::1]:8443', '::1', false],
    ['https://[::1]:8443', '[::1]', false],
    ['https://[::1]:8443', '[::1]:8443', false],
    ['https://[::1]:9443', '[::1]:8443', true],
    ['https://[::1]', '0:0::1', false],
    ['https://[::2]', '::1', true],
    ['https://[fd00::5]', 'fd00::/8', false],
    ['https://[fe80::1]', 'fd00::/8', true],
    ['https://10.1.2.3', '10.0.0.0/8', false],
    ['https://11.1.2.3', '10.0.0.0/8', true],
    ['https://127.0.0.1:4566', '127.0.0.0/8', false],
    ['https://10.1.2.3', '10.1.2.3', false],
    ['https://10.1.2.3:8443', '10.1.2.3:8443', false],
    ['https://10.1.2.3', '10.0.0.0/33', true],
    ['https://10.1.2.3', '::/0', true],
    ['https://127.0.0.1', 'localhost', true],
    ['https://localhost', '127.0.0.1', true],
  ])('%s with NO_PROXY=%j -> proxied: %s', (target, noProxy, proxied) => {
    expect(proxyFor(new URL(target), { HTTPS_PROXY: PROXY, HTTP_PROXY: PROXY, NO_PROXY: noProxy }) !== undefined).toBe(proxied);
  });
});

describe('proxyFor: refusals', () => {
  it.each([
    [{ HTTPS_PROXY: 'socks5://u:pw@p.test:1080' }, 'HTTPS_PROXY is "socks5://***@p.test:1080": socks5: proxies are not supported'],
    [{ https_proxy: 'https://p.test:443' }, 'https_proxy is "https://p.test:443": https: proxies are not supported'],
    [{ HTTPS_PROXY: 'http://us:p@ss@[bad' }, 'HTTPS_PROXY is "http://***@[bad", which is not a proxy URL'],
  ])('%j is an OrbError naming the variable, without the password', (env, message) => {
    let err: unknown;
    try { proxyFor(new URL('https://a.test'), env); } catch (e) { err = e; }
    expect(err).toMatchObject({ name: 'OrbError', message: expect.stringContaining(message), hint: expect.stringContaining('http://host:port') });
  });
});

describe('httpTimeoutMs', () => {
  it.each([[{}, 15_000], [{ AWS_OIDC_HTTP_TIMEOUT_MS: '' }, 15_000], [{ AWS_OIDC_HTTP_TIMEOUT_MS: '250' }, 250]])('%j gives %i ms', (env, ms) => {
    expect(httpTimeoutMs(env)).toBe(ms);
  });
  it.each(['0', '-5', '1.5', '15s', '99999999'])('refuses %j, naming the variable, the value and the fix', (v) => {
    expect(() => requestHandler({ AWS_OIDC_HTTP_TIMEOUT_MS: v })).toThrow(`AWS_OIDC_HTTP_TIMEOUT_MS is '${v}': set it to a whole number of milliseconds`);
  });
});

describe('round trips with the real NodeHttpHandler', () => {
  const tls = throwawayCert();
  const basic = `Basic ${Buffer.from('u:p w').toString('base64')}`;
  let v4: Awaited<ReturnType<typeof httpsOrigin>>;
  let v6: Awaited<ReturnType<typeof httpsOrigin>>;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  beforeAll(async () => { [v4, v6, proxy] = await Promise.all([httpsOrigin(tls, '127.0.0.1'), httpsOrigin(tls, '::1'), recordingProxy(basic)]); });
  afterAll(async () => { await Promise.all([v4.close(), v6.close(), proxy.close()]); });

  it.each([
    ['127.0.0.1', undefined, true],
    ['::1', undefined, true],
    ['127.0.0.1', '127.0.0.0/8', false],
    ['::1', 'v6port', false],
    ['127.0.0.1', 'example.com', true],
  ])('https to %s with NO_PROXY=%s: through the proxy: %s', async (host, noProxy, tunnelled) => {
    const origin = host === '::1' ? v6 : v4;
    const hostPort = host === '::1' ? `[::1]:${origin.port}` : `${host}:${origin.port}`;
    const env = { HTTPS_PROXY: `http://u:p%20w@127.0.0.1:${proxy.port}`, ...(noProxy ? { NO_PROXY: noProxy === 'v6port' ? hostPort : noProxy } : {}) };
    const handler = requestHandler(env, {}, { ca: tls.cert });
    const [asked, heard] = [proxy.asked.length, origin.heard.length];
    try {
      expect(await fetchVia(handler, `https://${hostPort}/hello`)).toEqual({ status: 200, body: 'hello /hello' });
    } finally { handler.destroy(); }
    expect(proxy.asked.slice(asked)).toEqual(tunnelled ? [{ method: 'CONNECT', target: hostPort, auth: basic }] : []);
    expect(origin.heard.slice(heard)).toEqual([expect.not.objectContaining({ 'proxy-authorization': expect.anything() })]);
  });

  it('a refused CONNECT is a ProxyError with the status, naming the proxy and not the password', async () => {
    const handler = requestHandler({ HTTPS_PROXY: `http://u:wrong@127.0.0.1:${proxy.port}` }, {}, { ca: tls.cert });
    const call = fetchVia(handler, `https://127.0.0.1:${v4.port}/`).finally(() => handler.destroy());
    await expect(call).rejects.toMatchObject({ name: 'ProxyError', $metadata: { httpStatusCode: 407 }, message: expect.stringContaining(`the proxy 127.0.0.1:${proxy.port} (for 127.0.0.1:${v4.port}) refused CONNECT: HTTP 407`) });
    await expect(call).rejects.toSatisfy((e: Error) => !e.message.includes('wrong'));
  });

  it('plain http goes through HTTP_PROXY in absolute form, without CONNECT', async () => {
    const plain = await listen(createServer((req, res) => res.end(`plain ${req.url}`)));
    const handler = requestHandler({ HTTP_PROXY: `http://u:p%20w@127.0.0.1:${proxy.port}` });
    const asked = proxy.asked.length;
    try {
      expect(await fetchVia(handler, `http://127.0.0.1:${plain.port}/p`)).toEqual({ status: 200, body: 'plain /p' });
    } finally { handler.destroy(); await plain.close(); }
    expect(proxy.asked.slice(asked)).toEqual([{ method: 'GET', target: `http://127.0.0.1:${plain.port}/p`, auth: basic }]);
  });
});

/**
 * Whether `call` settles before a timer of `ms`, set after the call started, fires. Node fires due timers in the order
 * they fall due, and settles what a timer's callback rejects (through process.nextTick and promise jobs) before it runs
 * the next one, so the call's own deadline, due first, wins even when a loaded machine runs the loop late. The tests
 * set the timer half a deadline after the deadline: a call that ignored its deadline, or had one twice as long, loses.
 * The order of two timers is compared, not a duration.
 */
async function settlesBefore(call: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), ms); });
  const first = await Promise.race([call.then(() => 'settled', () => 'settled'), late]);
  clearTimeout(timer);
  return first === 'settled';
}

// A regression fails within 10 s instead of hanging to vitest's limit.
describe('deadlines', { timeout: 10_000 }, () => {

  it.each([
    ['connectMs 400', {}, { connectMs: 400, callMs: 10_000 }, 400],
    ['AWS_OIDC_HTTP_TIMEOUT_MS=600 (connect 400)', { AWS_OIDC_HTTP_TIMEOUT_MS: '600' }, {}, 600],
  ])('a proxy that never answers CONNECT fails by the deadline (%s), naming proxy and target', async (_label, extra, timeouts, deadline) => {
    const stuck = await silentServer();
    const handler = requestHandler({ HTTPS_PROXY: `http://u:secret@127.0.0.1:${stuck.port}`, ...extra }, timeouts);
    try {
      const call = fetchVia(handler, 'https://sts.example.test/').then(() => undefined, (e: unknown) => e as Error & { code?: string });
      expect(await settlesBefore(call, 1.5 * deadline), `settled by its deadline of ${deadline} ms`).toBe(true);
      const err = await call;
      expect(err).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT', message: expect.stringContaining(`the proxy 127.0.0.1:${stuck.port} (for sts.example.test:443) opened no tunnel`) });
      expect(err?.message).not.toContain('secret');
      await allClosed(stuck.sockets);
    } finally { handler.destroy(); await stuck.close(); }
  });

  it.each(['status line', 'body'] as const)('a server trickling its %s one byte a second is cut at the call deadline', async (from) => {
    const slow = await tricklingServer(from, 1000);
    const callMs = 1500;
    const handler = requestHandler({}, { callMs });
    try {
      const call = fetchVia(handler, `http://127.0.0.1:${slow.port}/`);
      expect(await settlesBefore(call, 1.5 * callMs), `settled by its deadline of ${callMs} ms`).toBe(true);
      await expect(call).rejects.toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' });
      await allClosed(slow.sockets);
    } finally { handler.destroy(); await slow.close(); }
  });

  it('a refused connection keeps its code, direct or to the proxy; a bad proxy variable fails the call', async () => {
    const gone = await silentServer();
    await gone.close();
    const cases = [[{}, { code: 'ECONNREFUSED' }], [{ HTTP_PROXY: `127.0.0.1:${gone.port}` }, { code: 'ECONNREFUSED', message: expect.stringContaining(`the proxy 127.0.0.1:${gone.port}`) }], [{ HTTP_PROXY: 'socks5://p.test:1' }, { name: 'OrbError' }]] as const;
    for (const [env, failure] of cases) {
      const handler = requestHandler(env);
      await expect(fetchVia(handler, `http://127.0.0.1:${gone.port}/`).finally(() => handler.destroy())).rejects.toMatchObject(failure);
    }
  });

  it('withDeadline aborts the SDK call and names what timed out', async () => {
    const mute = await listen(createServer(() => undefined));
    const handler = requestHandler({});
    try {
      const call = withDeadline(300, 'STS GetCallerIdentity', (signal) => fetchVia(handler, `http://127.0.0.1:${mute.port}/`, signal));
      expect(await settlesBefore(call, 1.5 * 300), 'settled by its deadline of 300 ms').toBe(true);
      await expect(call).rejects.toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT', message: 'STS GetCallerIdentity got no answer within 0.3s' });
      await allClosed(mute.sockets);
      await expect(withDeadline(300, 'quick', async () => 'done')).resolves.toBe('done');
    } finally { handler.destroy(); await mute.close(); }
  });
});
