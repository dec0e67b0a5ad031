// One signed HTTPS (or, for local endpoints, HTTP) call to AWS, with the proxy from the environment
// and a timeout; AWS error replies become AwsCallError, which the retry classification reads.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { proxyFor, TunnelAgent } from '../proxy.ts';
import type { Env } from '../params.ts';
import { signRequest, type SigningKeys } from './sigv4.ts';

/** An error AWS answered with, shaped as the SDK shapes them so awsErrorInfo and retryReason read both. */
export class AwsCallError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(readonly Code: string, message: string, status: number) {
    super(message);
    this.name = Code;
    this.$metadata = { httpStatusCode: status };
  }
}

/** A network failure (reset, refused, timeout), with the system code retryReason knows. */
export class NetworkError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** What one call needs: where, what, signed for which service and region, with which keys (none: sent unsigned). */
export interface AwsCall {
  endpoint: string;
  service: string;
  region: string;
  keys: SigningKeys | undefined;
  headers: Record<string, string>;
  body: string;
  env: Env;
  now: number;
  timeoutMs?: number;
}

/** A raw reply. */
export interface AwsReply { status: number; body: string }

/** The client timeout of one call: 15 s, or AWS_OIDC_HTTP_TIMEOUT_MS (whole milliseconds) when set. */
export function httpTimeoutMs(env: Env): number {
  const raw = env.AWS_OIDC_HTTP_TIMEOUT_MS;
  if (raw === undefined || raw === '') return 15_000;
  if (!/^[1-9]\d{0,6}$/.test(raw)) {
    throw new Error(`AWS_OIDC_HTTP_TIMEOUT_MS is '${raw}': set it to a whole number of milliseconds from 1 to 9999999, or unset it for the 15 s default`);
  }
  return Number(raw);
}

/** Sends one signed (or, without keys, unsigned) POST to `endpoint` and returns the reply as it came; network failures reject with NetworkError. */
export function sendSigned(call: AwsCall): Promise<AwsReply> {
  const url = new URL(call.endpoint);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return Promise.reject(new Error(`endpoint ${call.endpoint} is not an http(s) URL`));
  }
  const plain = { ...call.headers, 'content-length': String(Buffer.byteLength(call.body)) };
  const headers = call.keys ? signRequest({ method: 'POST', url, headers: plain, body: call.body }, call.keys, call.region, call.service, call.now) : plain;
  let timeoutMs: number;
  try {
    timeoutMs = call.timeoutMs ?? httpTimeoutMs(call.env);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  const proxy = proxyFor(url.href, call.env);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', headers, ...(proxy ? { agent: new TunnelAgent(proxy, { keepAlive: false }) } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err: NodeJS.ErrnoException) => reject(new NetworkError(err.code ?? 'ECONNRESET', err.message)));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new NetworkError('ETIMEDOUT', `no answer from ${url.host} within ${timeoutMs / 1000}s`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof NetworkError ? err : new NetworkError(err.code ?? 'ECONNRESET', err.message)));
    req.end(call.body);
  });
}
