// The local AWS HTTP endpoint: reads requests, routes them to a service by wire shape, injects faults, logs.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError, awsErrors } from './errors.ts';

/** A request as it arrived: method, raw request-target, headers (lower-cased by Node) and body bytes. */
export interface RawRequest {
  method: string;
  target: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A response a service produced. */
export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
}

/** One AWS service behind the shared endpoint (STS now; ECR, a JSON 1.1 X-Amz-Target service, later). */
export interface ServiceHandler {
  /** True when the request has this service's wire shape. */
  claims(req: RawRequest): boolean;
  /** The operation name, for the request log and fault injection. */
  operation(req: RawRequest): string;
  /** Answers the request, throwing AwsError for refusals. */
  handle(req: RawRequest, requestId: string): Promise<HttpReply>;
  /** Renders an error in this service's protocol. */
  renderError(err: AwsError, requestId: string): HttpReply;
  /** The code this service sends for a shared error, when its protocol names it differently (for the log). */
  wireCode?(err: AwsError): string;
}

/** A fault to inject into the next `times` calls of an operation. */
export interface Fault {
  /**
   * `no-key`: STS's InvalidIdentityToken "Couldn't retrieve verification key" (the issuer's keys not fetched yet).
   * `raw`: a hostile or broken server; `raw(res)` writes the whole reply itself (status, headers, body, at any pace).
   */
  kind: 'throttle' | '500' | '503' | 'reset' | 'delay' | 'idp' | 'no-key' | 'raw';
  times: number;
  delayMs?: number;
  raw?: (res: ServerResponse) => void;
}

/** One entry of the request log. `status` is 0 when the connection was reset instead of answered. */
export interface RequestRecord {
  action: string;
  accessKeyId?: string;
  status: number;
  errorCode?: string;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function faultError(kind: Fault['kind']): AwsError | undefined {
  if (kind === 'throttle') return awsErrors.throttling();
  if (kind === '500') return awsErrors.internalFailure();
  if (kind === '503') return awsErrors.serviceUnavailable();
  if (kind === 'idp') return awsErrors.idpCommunication();
  if (kind === 'no-key') {
    return awsErrors.invalidIdentityToken("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements");
  }
  return undefined;
}

/** The HTTP server shared by all local AWS services. */
export class AwsHttpServer {
  readonly requests: RequestRecord[] = [];
  private readonly faults = new Map<string, Fault[]>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens on 127.0.0.1 at an ephemeral port. */
  static async start(services: ServiceHandler[], now: () => number): Promise<AwsHttpServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const self = new AwsHttpServer(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void self.serve(services, now, req, res));
    return self;
  }

  /** Queues a fault for the next calls of `action`; faults for one action are used in order. */
  injectFault(action: string, fault: Fault): void {
    if (!Number.isInteger(fault.times) || fault.times < 1) throw new Error(`fault.times must be a positive integer, got ${fault.times}`);
    if (fault.kind === 'delay' && !(fault.delayMs! >= 0)) throw new Error('a delay fault needs delayMs');
    if (fault.kind === 'raw' && typeof fault.raw !== 'function') throw new Error('a raw fault needs raw(res)');
    const queue = this.faults.get(action) ?? [];
    queue.push({ ...fault });
    this.faults.set(action, queue);
  }

  /** Drops every queued fault (a test that injected more than it used leaves none for the next). */
  clearFaults(): void {
    this.faults.clear();
  }

  private takeFault(action: string): Fault | undefined {
    const queue = this.faults.get(action);
    const fault = queue?.[0];
    if (!fault) return undefined;
    if (--fault.times === 0) queue!.shift();
    return fault;
  }

  private async serve(services: ServiceHandler[], now: () => number, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const raw: RawRequest = { method: req.method ?? 'GET', target: req.url ?? '/', headers: req.headers, body: await readBody(req).catch(() => Buffer.alloc(0)) };
    const service = services.find((s) => s.claims(raw));
    const action = service?.operation(raw) ?? '(unrouted)';
    const keyMatch = /Credential=([A-Z0-9]+)\//.exec(String(req.headers.authorization ?? ''));
    const record: RequestRecord = { action, status: 0, ...(keyMatch ? { accessKeyId: keyMatch[1]! } : {}) };
    this.requests.push(record);
    if (!service) {
      record.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no local AWS service handles this request\n');
      return;
    }
    let reply: HttpReply;
    const fault = this.takeFault(action);
    if (fault?.kind === 'reset') {
      record.errorCode = 'ConnectionReset';
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'raw') {
      record.errorCode = 'RawReply';
      res.once('close', () => { record.status = res.statusCode; });
      fault.raw!(res);
      return;
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.delayMs));
    const injected = fault && faultError(fault.kind);
    try {
      if (injected) throw injected;
      reply = await service.handle(raw, requestId);
    } catch (e) {
      const err = e instanceof AwsError ? e : awsErrors.internalFailure();
      // A bug in the rig must be visible, but never with request data (it may carry secrets).
      if (!(e instanceof AwsError)) console.error(`local AWS: ${action} failed: ${(e as Error).stack ?? String(e)}`);
      record.errorCode = service.wireCode?.(err) ?? err.code;
      reply = service.renderError(err, requestId);
    }
    record.status = reply.status;
    res.writeHead(reply.status, {
      'content-type': reply.contentType,
      'x-amzn-RequestId': requestId,
      // SDKs correct their clock skew from this header, so it follows the rig's clock.
      date: new Date(now()).toUTCString(),
    });
    res.end(reply.body);
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
