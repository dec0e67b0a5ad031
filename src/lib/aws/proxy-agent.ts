// Connections for the SDK's HTTP handler: an agent that, per request, connects directly or through a proxy
// (CONNECT tunnels for https, absolute-form requests for http), within a connect deadline, and network
// failures with a Node-style `code` and a `name` that retry classification reads.
import type { Agent as HttpAgent, ClientRequest } from 'node:http';
import { connect as netConnect, isIPv6 } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type SecureContextOptions } from 'node:tls';
import { Agent, type AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { OrbError } from '../errors.ts';

/** Trust for https targets, as an https.Agent takes it: `ca` replaces Node's bundled CAs (PEM text). */
export type TlsTrust = Pick<SecureContextOptions, 'ca'>;

/** The proxy for a target URL, or undefined to connect directly (proxyFor in http-handler.ts). */
export type Route = (target: URL) => URL | undefined;

/** A network failure: an Error with a Node-style `code`. */
export type NetError = Error & { code: string };

/** `ms` milliseconds as messages show them: `0.25s`, `15s`. */
export const seconds = (ms: number): string => `${ms / 1000}s`;
const hostPort = (host: string, port: number): string => `${isIPv6(host) ? `[${host}]` : host}:${port}`;

/** A network failure as retry classification reads it: `code` (ETIMEDOUT, ECONNREFUSED, ...) and `name` (TimeoutError for ETIMEDOUT, else NetworkError). */
export function netError(code: string, message: string, cause?: unknown): NetError {
  const err = new Error(message, cause === undefined ? undefined : { cause }) as NetError;
  err.code = code;
  err.name = code === 'ETIMEDOUT' ? 'TimeoutError' : 'NetworkError';
  return err;
}

/** `err` with `where` in front of its message, keeping its code (ECONNRESET when it has none, as for a proxy that hangs up). */
function asNetError(err: unknown, where: string): Error {
  if (err instanceof OrbError) return err;
  const e = err as { code?: unknown; message?: string };
  return netError(typeof e.code === 'string' ? e.code : 'ECONNRESET', `${where}: ${e.message ?? String(err)}`, err);
}

/** Runs `open`, which stops when `controller` aborts, within `ms`: late, it fails with ETIMEDOUT and `late`; other failures keep their code, with `where` in front. */
async function within<T>(ms: number, controller: AbortController, where: string, late: string, open: () => Promise<T>): Promise<T> {
  const timeout = netError('ETIMEDOUT', `${where} ${late} within ${seconds(ms)}`);
  const timer = setTimeout(() => controller.abort(timeout), ms);
  try {
    return await open();
  } catch (err) {
    throw controller.signal.reason === timeout ? timeout : asNetError(err, where);
  } finally {
    clearTimeout(timer);
  }
}

/** A direct connection (TLS for https), destroyed with ETIMEDOUT when TCP has not connected within `ms`. */
function direct(opts: AgentConnectOpts, ms: number): Duplex {
  const socket = opts.secureEndpoint ? tlsConnect(opts) : netConnect(opts); // Node's agent has set servername (none for IPs)
  const where = hostPort(opts.host ?? 'localhost', opts.port);
  const timer = setTimeout(() => socket.destroy(netError('ETIMEDOUT', `no connection to ${where} within ${seconds(ms)}`)), ms);
  const settled = (): void => clearTimeout(timer);
  socket.once('connect', settled).once('close', settled);
  return socket;
}

/** TLS to an https target through `proxy`'s CONNECT tunnel; a refusal by the proxy is an error with its HTTP status in `$metadata.httpStatusCode`. */
async function tunnel(req: ClientRequest, opts: AgentConnectOpts, proxy: URL, ms: number): Promise<Duplex> {
  const where = `the proxy ${proxy.hostname}:${proxy.port || 80} (for ${hostPort(opts.host ?? 'localhost', opts.port)})`;
  const controller = new AbortController();
  const dropped = (): void => controller.abort(); // the request ended before the tunnel was up
  let answer: { statusCode: number; statusText: string } | undefined;
  req.once('close', dropped).once('proxyConnect', (reply: typeof answer) => { answer = reply; });
  try {
    const agent = new HttpsProxyAgent(proxy.href, { keepAlive: true, signal: controller.signal });
    const socket = await within(ms, controller, where, 'opened no tunnel', () => agent.connect(req, opts));
    if (answer?.statusCode === 200) return socket;
    socket.destroy();
    const status = answer?.statusCode ?? 0;
    throw Object.assign(new Error(`${where} refused CONNECT: HTTP ${status} ${answer?.statusText ?? ''}`.trim()), { name: 'ProxyError', $metadata: { httpStatusCode: status } });
  } finally {
    req.off('close', dropped);
  }
}

/** One plain-http request through a proxy, in absolute form (no CONNECT), within the connect deadline; not kept alive. */
class ProxiedHttpAgent extends HttpProxyAgent<string> {
  private readonly controller: AbortController;

  constructor(private readonly proxyUrl: URL, private readonly ms: number) {
    const controller = new AbortController(); // its signal reaches net.connect through the agent's options
    super(proxyUrl.href, { keepAlive: false, signal: controller.signal });
    this.controller = controller;
  }

  override connect(req: Parameters<HttpProxyAgent<string>['connect']>[0], opts: AgentConnectOpts): ReturnType<HttpProxyAgent<string>['connect']> {
    const where = `the proxy ${this.proxyUrl.hostname}:${this.proxyUrl.port || 80} (for ${hostPort(opts.host ?? 'localhost', opts.port)})`;
    return within(this.ms, this.controller, where, 'accepted no connection', () => super.connect(req, opts));
  }
}

/** An agent for one scheme (`secure`: https) that, per request, connects directly or through the proxy `route` picks for the target, with `connectMs` for TCP and a proxy's CONNECT answer; kept alive like the SDK's own (50 sockets). A refusal by the proxy is a ProxyError whose `$metadata.httpStatusCode` is its status. */
export class RoutingAgent extends Agent {
  constructor(private readonly route: Route, private readonly connectMs: number, private readonly secure: boolean, trust: TlsTrust) {
    super({ keepAlive: true, maxSockets: 50, ...trust });
    this.protocol = secure ? 'https:' : 'http:';
  }

  override isSecureEndpoint(): boolean {
    return this.secure;
  }

  override connect(req: ClientRequest, opts: AgentConnectOpts): Promise<Duplex> | Duplex | HttpAgent {
    const host = opts.host ?? 'localhost';
    const target = new URL(`${this.secure ? 'https' : 'http'}://${hostPort(host, opts.port)}`);
    const proxy = this.route(target);
    if (!proxy) return direct(opts, this.connectMs);
    return opts.secureEndpoint ? tunnel(req, opts, proxy, this.connectMs) : new ProxiedHttpAgent(proxy, this.connectMs);
  }
}
