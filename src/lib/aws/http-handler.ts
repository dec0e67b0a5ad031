// The HTTP transport given to the AWS SDK clients: per request a direct connection, or one through the
// proxy that HTTPS_PROXY/HTTP_PROXY and NO_PROXY pick (read as curl reads them), with a connect deadline
// and a whole-call deadline; network failures carry a Node-style `code` and a `name` for retry decisions.
// A reply is read up to MAX_REPLY_BYTES, and each call ends by the whole-call deadline or what is left of
// retry-max-seconds, whichever comes first, however slowly the server sends.
import { Transform, type Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { OrbError } from '../errors.ts';
import type { Env } from '../params.ts';
import { retryTimeLeft } from '../retry.ts';
import { isLoopback, noProxyExempts } from './no-proxy.ts';
import { netError, RoutingAgent, seconds, type TlsTrust } from './proxy-agent.ts';

/** The deadlines of one request, in whole milliseconds: `connectMs` for the TCP connection (through a proxy: and its answer to CONNECT), `callMs` for the whole call, from sending to the last byte of the answer. */
export interface HttpTimeouts { connectMs: number; callMs: number }

export type { TlsTrust } from './proxy-agent.ts';

/** The connect deadline when none is given: two thirds of the call deadline, at most 10 s; shorter than the call deadline, so a stuck connection is reported as one, naming the proxy. */
const defaultConnectMs = (callMs: number): number => Math.min(10_000, Math.ceil((callMs * 2) / 3));

/** The whole-call deadline in ms: AWS_OIDC_HTTP_TIMEOUT_MS (whole milliseconds, 1 to 9999999), or 15000 when it is unset or empty; any other value throws an OrbError that names the variable, the value and the fix. */
export function httpTimeoutMs(env: Env): number {
  const raw = env.AWS_OIDC_HTTP_TIMEOUT_MS;
  if (raw === undefined || raw === '') return 15_000;
  if (!/^[1-9]\d{0,6}$/.test(raw)) {
    throw new OrbError(`AWS_OIDC_HTTP_TIMEOUT_MS is '${raw}': set it to a whole number of milliseconds from 1 to 9999999, or unset it for the 15 s default`);
  }
  return Number(raw);
}

/** The first of `names` that is set and not empty (curl reads an empty variable as unset), with its value. */
function firstSet(env: Env, names: string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name];
    if (value) return [name, value];
  }
  return undefined;
}

/** `raw` with what stands before its last '@' in the authority (user and password) shown as ***. */
export function withoutCredentials(raw: string): string {
  const atSign = raw.lastIndexOf('@');
  if (atSign === -1) return raw;
  const scheme = raw.indexOf('://');
  const start = scheme === -1 || scheme > atSign ? 0 : scheme + 3;
  return `${raw.slice(0, start)}***${raw.slice(atSign)}`;
}

/** The proxy URL in variable `name`: `http://` is added when it has no scheme; any other scheme than http: is an OrbError. */
function parseProxy(name: string, raw: string): URL {
  const shown = JSON.stringify(withoutCredentials(raw));
  const fix = `set ${name} to http://host:port (with user:password@ before the host when the proxy asks for them)`;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z\d+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new OrbError(`${name} is ${shown}, which is not a proxy URL`, fix);
  }
  if (url.protocol !== 'http:') {
    throw new OrbError(`${name} is ${shown}: ${url.protocol} proxies are not supported, only http://`, `${fix}; https targets still get TLS end to end, inside the proxy's CONNECT tunnel`);
  }
  return url;
}

/**
 * The proxy for a request to `target`, or undefined to go direct. https targets use `https_proxy`, else
 * `HTTPS_PROXY`; http targets `http_proxy`, else `HTTP_PROXY` (lower case first, empty read as unset: curl's
 * libcurl-env(3); curl takes http_proxy in lower case only). `no_proxy`, else `NO_PROXY`, exempts targets
 * (noProxyExempts: curl's rules). A plain-http target on this machine goes direct unless the proxy is on this machine too. A proxy without a scheme gets `http://`; any other than http: throws an
 * OrbError naming the variable and the value, never the user or password in it. Other schemes go direct.
 */
export function proxyFor(target: URL, env: Env): URL | undefined {
  const scheme = target.protocol === 'https:' ? 'https' : target.protocol === 'http:' ? 'http' : undefined;
  if (!scheme) return undefined;
  const proxy = firstSet(env, [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`]);
  if (!proxy) return undefined;
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY']);
  if (noProxy && noProxyExempts(noProxy[1], target)) return undefined;
  const url = parseProxy(proxy[0], proxy[1]);
  // A plain-http target is allowed only on this machine (checkEndpoint); through a proxy elsewhere its
  // request, a web-identity token or a signed call included, would leave the machine in clear text.
  if (scheme === 'http' && isLoopback(target.hostname) && !isLoopback(url.hostname)) return undefined;
  return url;
}

type Handle = NodeHttpHandler['handle'];

/**
 * The most bytes of one AWS reply that are read: 1 MiB. The replies of the calls the orb makes are a few KB;
 * the largest, BatchGetImage's, carries the manifests of the tags asked for, a few KB each for images and
 * multi-architecture lists. A longer reply fails the call ("could not be read: it is larger than 1 MiB",
 * awsErrorInfo's InvalidResponse) instead of filling the memory (a 700 MB reply made a string Node refuses).
 */
export const MAX_REPLY_BYTES = 1 << 20;

/** NodeHttpHandler whose call deadline also covers the answer's body (its own requestTimeout stops at the headers), and which reads at most MAX_REPLY_BYTES of it. */
class DeadlineHandler extends NodeHttpHandler {
  constructor(private readonly callMs: number, options: ConstructorParameters<typeof NodeHttpHandler>[0]) {
    super(options);
  }

  override async handle(request: Parameters<Handle>[0], options: Parameters<Handle>[1] = {}): ReturnType<Handle> {
    const ms = options.requestTimeout ?? this.callMs;
    const end = Date.now() + ms;
    const out = await super.handle(request, options);
    const body = out.response.body as Readable | undefined;
    if (typeof body?.destroy !== 'function') return out;
    let size = 0;
    const capped = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > MAX_REPLY_BYTES ? new Error(`it is larger than ${MAX_REPLY_BYTES >> 20} MiB, the most the orb reads of an AWS reply`) : null, chunk);
      },
    });
    const late = netError('ETIMEDOUT', `the answer from ${request.hostname} was not complete within ${seconds(ms)}`);
    const timer = setTimeout(() => capped.destroy(late), Math.max(0, end - Date.now()));
    body.once('error', (err) => capped.destroy(err)).pipe(capped);
    // However the read ends (complete, too large, late, abandoned), the timer goes and an unfinished answer's socket with it.
    capped.once('close', () => {
      clearTimeout(timer);
      if (!body.readableEnded) body.destroy();
    });
    out.response.body = capped;
    return out;
  }
}

/**
 * The handler to give the SDK clients (`new STSClient({ requestHandler })`): https and http agents that route
 * each request through proxyFor's proxy or directly, with `connectMs` (default 2/3 of callMs, at most 10 s) for TCP and the
 * proxy's CONNECT answer, and `callMs` (default httpTimeoutMs(env)) for the whole call, body included. Failures:
 * `code` ETIMEDOUT/ECONNREFUSED/ECONNRESET... with `name` TimeoutError for ETIMEDOUT; a proxy's refusal is a
 * ProxyError with `$metadata.httpStatusCode`; a bad proxy variable an OrbError. `trust.ca` is for https targets.
 */
export function requestHandler(env: Env, timeouts: Partial<HttpTimeouts> = {}, trust: TlsTrust = {}): NodeHttpHandler {
  const callMs = timeouts.callMs ?? httpTimeoutMs(env);
  const connectMs = timeouts.connectMs ?? defaultConnectMs(callMs);
  return new DeadlineHandler(callMs, {
    httpsAgent: new RoutingAgent((target) => proxyFor(target, env), connectMs, true, trust),
    httpAgent: new RoutingAgent((target) => proxyFor(target, env), connectMs, false, {}),
    requestTimeout: callMs,
    throwOnRequestTimeout: true,
  });
}

/**
 * Runs one SDK call (`call(signal)` passes the signal as `client.send(cmd, { abortSignal })`), aborting it
 * after `callMs` milliseconds, or sooner when less is left of retry-max-seconds (retryTimeLeft); then it
 * rejects with `{ name: 'TimeoutError', code: 'ETIMEDOUT' }` naming `what` and the seconds.
 */
export async function withDeadline<T>(callMs: number, what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const left = retryTimeLeft();
  const ms = left !== undefined && left < callMs ? left : callMs;
  const controller = new AbortController();
  const late = netError('ETIMEDOUT', `${what} got no answer within ${seconds(ms)}${ms < callMs ? ' (what was left of retry-max-seconds)' : ''}`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { controller.abort(late); reject(late); }, ms);
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
