// HTTP for the registry API (blobs and manifests): node's http/https with the same proxy routing and connect
// deadline as the AWS SDK clients (HTTPS_PROXY/HTTP_PROXY, NO_PROXY as curl reads it). A blob may take
// longer than one AWS call, so the deadline here is on silence: a request fails when no byte moves
// for AWS_OIDC_HTTP_TIMEOUT_MS (default 15 s).
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import type { Env } from '../params.ts';
import { httpTimeoutMs, proxyFor } from '../aws/http-handler.ts';
import { netError, RoutingAgent, seconds } from '../aws/proxy-agent.ts';

/** One request: method, absolute URL, headers, and a body (bytes, or a stream whose length is in content-length). */
export interface HttpCall { method: string; url: URL; headers: Record<string, string>; body?: Buffer | Readable }

/** An answer: status, headers, the body as a stream (the caller reads or drains it), and the deadline in ms of reading a whole body at once (readBody). */
export interface HttpAnswer { status: number; headers: IncomingHttpHeaders; body: Readable; readMs?: number }

/** Sends one request; rejects with a network error (`code` ECONNREFUSED, ETIMEDOUT...) when no answer comes. */
export type Send = (call: HttpCall) => Promise<HttpAnswer>;

/**
 * The registry transport of one step: agents per scheme that route through proxyFor's proxy or directly,
 * connecting within two thirds of the idle deadline (at most 10 s), and requests destroyed with ETIMEDOUT
 * after `idleMs` (default httpTimeoutMs(env)) without a byte in either direction.
 */
export function registryTransport(env: Env, idleMs: number = httpTimeoutMs(env)): Send {
  const connectMs = Math.min(10_000, Math.ceil((idleMs * 2) / 3));
  const route = (target: URL) => proxyFor(target, env);
  const agents = { 'https:': new RoutingAgent(route, connectMs, true, {}), 'http:': new RoutingAgent(route, connectMs, false, {}) };
  return (call) => new Promise<HttpAnswer>((resolve, reject) => {
    const scheme = call.url.protocol === 'https:' ? 'https:' : 'http:';
    const open = scheme === 'https:' ? httpsRequest : httpRequest;
    const req = open(call.url, { method: call.method, headers: call.headers, agent: agents[scheme] }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, readMs: idleMs });
    });
    req.setTimeout(idleMs, () => req.destroy(netError('ETIMEDOUT', `${call.method} ${call.url.host}${call.url.pathname}: nothing moved for ${seconds(idleMs)}`)));
    req.on('error', (err: Error & { code?: string }) => {
      reject(err.code ? err : netError('ECONNRESET', `${call.method} ${call.url.host}${call.url.pathname}: ${err.message}`, err));
    });
    const body = call.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    }
  });
}

/** The most bytes of a manifest that are read: 4 MiB, ECR's limit on a manifest's size. */
export const MAX_MANIFEST_BYTES = 4 << 20;

/**
 * Reads a whole answer body (manifests, error documents): at most `limit` bytes (default MAX_MANIFEST_BYTES)
 * and, when `ms` is given, within `ms` milliseconds however slowly it comes. Past either, the body is
 * destroyed (its connection with it) and the read rejects: "larger than <limit> bytes", or ETIMEDOUT.
 */
export async function readBody(body: Readable, limit = MAX_MANIFEST_BYTES, ms?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = ms === undefined ? undefined : setTimeout(() => body.destroy(netError('ETIMEDOUT', `the reply was not complete within ${seconds(ms)}`)), ms);
  try {
    for await (const chunk of body) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += b.length;
      if (size > limit) {
        body.destroy();
        throw new Error(`the reply is larger than ${limit} bytes, the most the orb reads of it`);
      }
      chunks.push(b);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}
