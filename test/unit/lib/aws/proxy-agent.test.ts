// The routing agent's failures as a user reads them: connections that never complete (directly or to the
// proxy), a proxy that refuses CONNECT or hangs up before answering, and the keep-alive of direct connections.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request as httpsRequest } from 'node:https';
import { netError, RoutingAgent } from '../../../../src/lib/aws/proxy-agent.ts';
import { readBody, registryTransport } from '../../../../src/lib/registry/transport.ts';
import { listen, unacceptingPort, type Running } from './http-rig.ts';
import { rejection } from '../../../support/rejection.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => { await Promise.all(open.splice(0).map((r) => r.close())); });
const keep = <T extends { close(): Promise<void> }>(r: T): T => { open.push(r); return r; };
const get = (env: Record<string, string>, url: string, idleMs = 300) => registryTransport(env, idleMs)({ method: 'GET', url: new URL(url), headers: {} });
const code = (err: Error): unknown => (err as { code?: unknown }).code;

/** A proxy that answers every CONNECT with `statusLine` (e.g. `HTTP/1.1 403 `), or hangs up when it is undefined. */
const connectAnswering = async (statusLine: string | undefined): Promise<Running> => keep(await listen(createNetServer((socket) => {
  socket.on('error', () => undefined).once('data', () => {
    if (statusLine === undefined) socket.destroy();
    else socket.end(`${statusLine}\r\nContent-Length: 0\r\n\r\n`);
  });
})));

describe('netError', () => {
  it('names a timeout TimeoutError and anything else NetworkError, with the code and the cause given', () => {
    const cause = new Error('inner');
    expect([netError('ETIMEDOUT', 'late').name, netError('ECONNREFUSED', 'refused', cause).name]).toEqual(['TimeoutError', 'NetworkError']);
    expect(netError('ECONNREFUSED', 'refused', cause)).toMatchObject({ code: 'ECONNREFUSED', message: 'refused', cause });
    expect('cause' in netError('EPIPE', 'x')).toBe(false);
  });
});

describe('connections that never complete', () => {
  it('a direct connection fails with ETIMEDOUT after the connect deadline, naming the host and port', async () => {
    const target = keep(await unacceptingPort());
    const err = await rejection(get({}, `http://127.0.0.1:${target.port}/v2/`));
    expect([code(err), err.name, err.message]).toEqual(['ETIMEDOUT', 'TimeoutError', `no connection to 127.0.0.1:${target.port} within 0.2s`]);
  });

  it('a connection to the proxy for plain http fails the same way, naming the proxy and the target', async () => {
    const proxy = keep(await unacceptingPort());
    const err = await rejection(get({ HTTP_PROXY: `http://127.0.0.1:${proxy.port}` }, 'http://127.0.0.1:9/v2/'));
    expect([code(err), err.message]).toEqual(['ETIMEDOUT', `the proxy 127.0.0.1:${proxy.port} (for 127.0.0.1:9) accepted no connection within 0.2s`]);
  });
});

/** What an https GET of `url` through a RoutingAgent that sends everything to `proxy` fails with (its error as the agent made it). */
const viaAgent = (proxy: Running, url: string): Promise<unknown> => new Promise((resolve, reject) => {
  const agent = new RoutingAgent(() => new URL(`http://127.0.0.1:${proxy.port}`), 2000, true, {});
  httpsRequest(url, { agent }, () => reject(new Error('answered'))).on('error', resolve).end();
});

describe('a proxy that will not tunnel', () => {
  it('a refusal is a ProxyError with the status and the reason, or the status alone when the proxy gives none', async () => {
    for (const [line, tail] of [['HTTP/1.1 403 Forbidden by policy', 'HTTP 403 Forbidden by policy'], ['HTTP/1.1 403 ', 'HTTP 403']] as const) {
      const proxy = await connectAnswering(line);
      const err = (await viaAgent(proxy, 'https://127.0.0.1:9/v2/')) as Error;
      expect([err.name, err.message, (err as { $metadata?: unknown }).$metadata]).toEqual(['ProxyError', `the proxy 127.0.0.1:${proxy.port} (for 127.0.0.1:9) refused CONNECT: ${tail}`, { httpStatusCode: 403 }]);
    }
  });

  it('a proxy that hangs up before answering is ECONNRESET, the proxy named in front of what went wrong', async () => {
    const proxy = await connectAnswering(undefined);
    const err = (await viaAgent(proxy, 'https://127.0.0.1:9/v2/')) as Error;
    expect(code(err)).toBe('ECONNRESET');
    expect(err.message.startsWith(`the proxy 127.0.0.1:${proxy.port} (for 127.0.0.1:9): `)).toBe(true);
    expect(err.message).not.toMatch(/: Error: /);
  });
});

describe('keep-alive', () => {
  it('two requests in a row to one registry share one connection', async () => {
    const origin = keep(await listen(createHttpServer((req, res) => res.end(`ok ${req.url}`)) as Server));
    const send = registryTransport({}, 2000);
    for (const path of ['/v2/a', '/v2/b']) {
      const answer = await send({ method: 'GET', url: new URL(`http://127.0.0.1:${origin.port}${path}`), headers: {} });
      expect((await readBody(answer.body)).toString()).toBe(`ok ${path}`);
    }
    expect(origin.sockets.length).toBe(1);
  });
});
