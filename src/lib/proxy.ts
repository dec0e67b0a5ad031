// HTTPS through a proxy from the environment (HTTPS_PROXY, NO_PROXY), which the AWS SDK does not read
// by itself: an https.Agent that opens each connection with an HTTP CONNECT tunnel.
import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { OrbError } from './errors.ts';
import type { Env } from './params.ts';

/** The proxy for an https URL per HTTPS_PROXY/https_proxy and NO_PROXY/no_proxy, or undefined. */
export function proxyFor(target: string, env: Env): URL | undefined {
  const t = new URL(target);
  if (t.protocol !== 'https:') return undefined;
  const raw = env.HTTPS_PROXY || env.https_proxy;
  if (!raw) return undefined;
  const host = t.hostname.toLowerCase();
  const noProxy = (env.NO_PROXY || env.no_proxy || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const entry of noProxy) {
    if (entry === '*') return undefined;
    const [name = '', port] = entry.split(':');
    const bare = name.replace(/^\*?\./, '');
    if ((host === bare || host.endsWith(`.${bare}`)) && (!port || port === (t.port || '443'))) return undefined;
  }
  let proxy: URL;
  try {
    proxy = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw new OrbError('HTTPS_PROXY is not a URL', 'set HTTPS_PROXY to http://host:port');
  }
  if (proxy.protocol !== 'http:') throw new OrbError(`HTTPS_PROXY uses ${proxy.protocol}, which is not supported`, 'use an http:// proxy URL (the tunnel inside it is TLS)');
  return proxy;
}

/** Reads the proxy's answer to CONNECT up to the blank line; resolves with its status code. */
function readConnectReply(socket: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      // Anything after the header belongs to the TLS stream; a proxy sends nothing before the client hello.
      if (end + 4 < buf.length) socket.unshift(buf.subarray(end + 4));
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf.toString('latin1'))?.[1] ?? 0));
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => reject(new Error('the proxy closed the connection')));
  });
}

/** An https.Agent whose connections go through `proxy` with CONNECT; TLS is end to end. */
export class TunnelAgent extends Agent {
  constructor(private readonly proxy: URL, options: AgentOptions = {}) {
    super({ keepAlive: true, ...options });
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const done = callback ?? (() => undefined);
    const host = String(options.host ?? options.hostname);
    const port = Number(options.port ?? 443);
    const socket = netConnect(Number(this.proxy.port || 80), this.proxy.hostname);
    const auth = this.proxy.username
      ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(this.proxy.username)}:${decodeURIComponent(this.proxy.password)}`).toString('base64')}\r\n`
      : '';
    socket.once('connect', () => socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n${auth}\r\n`));
    readConnectReply(socket).then((status) => {
      if (status !== 200) {
        socket.destroy();
        done(new Error(`the proxy ${this.proxy.host} answered CONNECT ${host}:${port} with HTTP ${status}`), socket);
        return;
      }
      done(null, tlsConnect({ ...(options as Record<string, unknown>), host, port, socket, servername: String(options.servername ?? host) }));
    }, (err: Error) => done(err, socket));
    return undefined;
  }
}

/** The DNS suffix of AWS endpoints in a region: China regions live under amazonaws.com.cn. */
export function awsDnsSuffix(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** The URL STS calls go to, for the NO_PROXY check: the parameter, the SDK's endpoint settings, else the regional endpoint. */
export function stsTarget(region: string, endpoint: string, env: Env): string {
  return endpoint || env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || `https://sts.${region}.${awsDnsSuffix(region)}`;
}
