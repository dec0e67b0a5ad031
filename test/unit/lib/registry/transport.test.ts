// The registry transport on loopback: which agent and proxy each scheme takes, the connect and idle deadlines
// with the messages a user reads, a failing upload body, and readBody's limits and timer.
import { createServer, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readBody, registryTransport } from '../../../../src/lib/registry/transport.ts';
import { listen, recordingProxy, silentServer, type Running } from '../aws/http-rig.ts';
import { rejection } from '../../../support/rejection.ts';

const running: Running[] = [];
afterEach(async () => { await Promise.all(running.splice(0).map((r) => r.close())); vi.useRealTimers(); });
const keep = <T extends Running>(r: T): T => { running.push(r); return r; };

/** An http origin that answers 200 `registry <path>` to every request. */
const origin = async (): Promise<Running> => keep(await listen(createServer((req, res) => res.end(`registry ${req.url}`)) as Server));

/** A port on 127.0.0.1 where nothing listens (a server started and stopped). */
const closedPort = async (): Promise<number> => { const r = await listen(createServer() as Server); await r.close(); return r.port; };

describe('registryTransport: routes and agents', () => {
  it('sends plain http through HTTP_PROXY in absolute form, and reads the answer', async () => {
    const proxy = keep(await recordingProxy());
    const o = await origin();
    const send = registryTransport({ HTTP_PROXY: `http://127.0.0.1:${proxy.port}` }, 2000);
    const answer = await send({ method: 'GET', url: new URL(`http://127.0.0.1:${o.port}/v2/app/tags/list`), headers: {} });
    expect([answer.status, (await readBody(answer.body)).toString(), answer.readMs]).toEqual([200, 'registry /v2/app/tags/list', 2000]);
    expect(proxy.asked.map((a) => [a.method, a.target])).toEqual([['GET', `http://127.0.0.1:${o.port}/v2/app/tags/list`]]);
  });

  it('opens https through HTTPS_PROXY with CONNECT, and gives up on a silent proxy after two thirds of the idle deadline', async () => {
    const proxy = keep(await silentServer());
    const send = registryTransport({ HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` }, 300);
    const err = await rejection(send({ method: 'GET', url: new URL('https://127.0.0.1:9/v2/'), headers: {} }));
    expect([(err as { code?: string }).code, err.message]).toEqual(['ETIMEDOUT', `the proxy 127.0.0.1:${proxy.port} (for 127.0.0.1:9) opened no tunnel within 0.2s`]);
  });

  it('caps the connect deadline at 10 s however long the idle deadline', async () => {
    const proxy = keep(await silentServer());
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const send = registryTransport({ HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` }, 60_000);
    const failed = rejection(send({ method: 'GET', url: new URL('https://127.0.0.1:9/v2/'), headers: {} }));
    await vi.waitFor(() => expect(proxy.sockets.length).toBe(1), { interval: 5, timeout: 5000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await failed).message).toMatch(/opened no tunnel within 10s$/);
  });
});

describe('registryTransport: failures', () => {
  it('fails a request nothing answers after the idle deadline, naming the call', async () => {
    const silent = keep(await silentServer());
    const send = registryTransport({}, 300);
    const err = await rejection(send({ method: 'HEAD', url: new URL(`http://127.0.0.1:${silent.port}/v2/app/blobs/sha256:a`), headers: {} }));
    expect([(err as { code?: string }).code, err.name, err.message]).toEqual(['ETIMEDOUT', 'TimeoutError', `HEAD 127.0.0.1:${silent.port}/v2/app/blobs/sha256:a: nothing moved for 0.3s`]);
  });

  it('keeps the code of a network error (ECONNREFUSED)', async () => {
    const port = await closedPort();
    const err = await rejection(registryTransport({}, 2000)({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/v2/`), headers: {} }));
    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('turns an upload body that fails into ECONNRESET, naming the call and the cause', async () => {
    const o = await origin();
    const body = new Readable({ read() { this.destroy(new Error('the layer file went away')); } });
    const err = await rejection(registryTransport({}, 2000)({ method: 'PUT', url: new URL(`http://127.0.0.1:${o.port}/v2/app/blobs/uploads/1`), headers: { 'content-length': '10' }, body }));
    expect([(err as { code?: string }).code, err.message]).toEqual(['ECONNRESET', `PUT 127.0.0.1:${o.port}/v2/app/blobs/uploads/1: the layer file went away`]);
  });
});

describe('readBody', () => {
  /** A stream that yields `parts` one by one, `gapMs` apart. */
  const slow = (parts: string[], gapMs: number): Readable => Readable.from((async function* () {
    for (const p of parts) { await new Promise((r) => setTimeout(r, gapMs)); yield Buffer.from(p); }
  })());

  it('waits as long as the body takes when no deadline is given', async () => {
    expect((await readBody(slow(['ab', 'cd'], 30))).toString()).toBe('abcd');
  });

  it('reads a body of exactly the limit, and refuses one byte more', async () => {
    expect((await readBody(Readable.from([Buffer.from('abcd')]), 4)).toString()).toBe('abcd');
    expect((await rejection(readBody(Readable.from([Buffer.from('abcde')]), 4))).message).toBe('the reply is larger than 4 bytes, the most the orb reads of it');
  });

  it('leaves no timer behind once the body is read', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    expect((await readBody(Readable.from([Buffer.from('x')]), 4, 60_000)).toString()).toBe('x');
    expect(vi.getTimerCount()).toBe(0);
  });
});
