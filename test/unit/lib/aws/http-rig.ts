// Servers for the HTTP transport tests, all on loopback and started by the tests: an https origin with a
// throwaway certificate, an HTTP proxy (CONNECT tunnels and absolute-form requests) that records what it
// was asked, a proxy that accepts and never answers, and a server that trickles its answer.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest } from '@smithy/core/protocols';
import { streamCollector, type NodeHttpHandler } from '@smithy/node-http-handler';

/** A listening server, its port, the sockets it accepted (open or closed) and a way to stop it. */
export interface Running { port: number; sockets: Socket[]; close(): Promise<void> }

/** Starts `server` on `host` port 0 and tracks its sockets (tunnels included) so close() ends them all. */
export async function listen(server: Server | ReturnType<typeof createNetServer>, host = '127.0.0.1'): Promise<Running> {
  const sockets: Socket[] = [];
  server.on('connection', (s: Socket) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const close = () => new Promise<void>((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); });
  return { port: (server.address() as AddressInfo).port, sockets, close };
}

/** A self-signed certificate for 127.0.0.1, ::1 and localhost, made with openssl in a temp dir (removed after). */
export function throwawayCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'http-handler-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An https origin that answers `hello <path>` and records the headers of each request it got. */
export async function httpsOrigin(tls: { key: string; cert: string }, host: string): Promise<Running & { heard: IncomingHttpHeaders[] }> {
  const heard: IncomingHttpHeaders[] = [];
  const server = createHttpsServer(tls, (req, res) => { heard.push(req.headers); res.end(`hello ${req.url}`); });
  return { ...(await listen(server as unknown as Server, host)), heard };
}

/** What the proxy was asked: the method, the request target, and the Proxy-Authorization header if any. */
export interface ProxyAsk { method: string; target: string; auth: string | undefined }

/** An HTTP proxy: CONNECT opens a tunnel, an absolute-form request is forwarded; `auth` (when set) must match, else 407. */
export async function recordingProxy(auth?: string): Promise<Running & { asked: ProxyAsk[] }> {
  const asked: ProxyAsk[] = [];
  const allowed = (given: string | undefined) => auth === undefined || given === auth;
  const server = createHttpServer((req, res) => {
    asked.push({ method: req.method ?? '', target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    if (!allowed(req.headers['proxy-authorization'])) { res.writeHead(407).end(); return; }
    const { 'proxy-authorization': _auth, 'proxy-connection': _conn, ...headers } = req.headers;
    req.pipe(httpRequest(req.url ?? '', { method: req.method ?? 'GET', headers }, (up) => { res.writeHead(up.statusCode ?? 502, up.headers); up.pipe(res); }));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    asked.push({ method: 'CONNECT', target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    if (!allowed(req.headers['proxy-authorization'])) { client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'); return; }
    const [, host = '', port = '0'] = /^\[?([^\]]+?)\]?:(\d+)$/.exec(req.url ?? '') ?? [];
    const upstream = connect(Number(port), host, () => { client.write('HTTP/1.1 200 Connection Established\r\n\r\n'); upstream.write(head); upstream.pipe(client).pipe(upstream); });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return { ...(await listen(server)), asked };
}

/** A TCP server that accepts connections, reads what comes and never sends a byte (a proxy stuck before answering CONNECT). */
export function silentServer(): Promise<Running> {
  return listen(createNetServer((socket) => { socket.on('error', () => undefined).resume(); }));
}

/** An HTTP server that sends `answer` one byte every `everyMs` on each connection, from the first byte of the status line or from the body. */
export function tricklingServer(from: 'status line' | 'body', everyMs: number): Promise<Running> {
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n';
  return listen(createNetServer((socket) => {
    socket.on('error', () => undefined).resume(); // read, so the client's close is seen
    let rest = from === 'body' ? 'x'.repeat(1000) : `${head}${'x'.repeat(1000)}`;
    if (from === 'body') socket.write(head);
    const timer = setInterval(() => { socket.write(rest.slice(0, 1)); rest = rest.slice(1); }, everyMs);
    socket.on('close', () => clearInterval(timer));
  }));
}

/** A request as the SDK builds one for `url` (hostname bracketed for IPv6, as the SDK's endpoints are). */
export function requestFor(url: string): HttpRequest {
  const u = new URL(url);
  return new HttpRequest({ protocol: u.protocol, hostname: u.hostname, ...(u.port ? { port: Number(u.port) } : {}), method: 'GET', path: u.pathname, headers: { host: u.host } });
}

/** Sends `url` through `handler` and reads the whole answer: status and body text. */
export async function fetchVia(handler: NodeHttpHandler, url: string, abortSignal?: AbortSignal): Promise<{ status: number; body: string }> {
  const { response } = await handler.handle(requestFor(url), abortSignal ? { abortSignal } : {});
  const bytes = await streamCollector(response.body);
  return { status: response.statusCode, body: Buffer.from(bytes).toString('utf8') };
}

/** Resolves when every socket in `sockets` has closed (the call left nothing open); rejects after `ms` when given, else waits as long as the test may. */
export function allClosed(sockets: Socket[], ms?: number): Promise<void> {
  const open = sockets.filter((s) => !s.destroyed);
  return new Promise((resolve, reject) => {
    const timer = ms === undefined ? undefined : setTimeout(() => reject(new Error(`${open.filter((s) => !s.destroyed).length} socket(s) still open after ${ms} ms`)), ms);
    Promise.all(open.map((s) => new Promise((r) => s.once('close', r)))).then(() => { clearTimeout(timer); resolve(); }, reject);
  });
}

/**
 * A port where TCP connections hang: a listener (python3: Node always accepts) with a backlog of 0 that never
 * accepts, its one queue slot taken by a filler connection, so Linux drops every later SYN and a connect
 * waits until its own deadline. close() ends the filler and the listener.
 */
export async function unacceptingPort(): Promise<{ port: number; close(): Promise<void> }> {
  const script = 'import socket, sys\ns = socket.socket()\ns.bind(("127.0.0.1", 0))\ns.listen(0)\nprint(s.getsockname()[1], flush=True)\nsys.stdin.read()';
  const py = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    py.once('error', reject);
    py.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  const filler = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => filler.once('connect', resolve).once('error', reject));
  return {
    port,
    close: () => new Promise<void>((resolve) => { filler.destroy(); py.once('exit', () => resolve()); py.stdin.end(); }),
  };
}
