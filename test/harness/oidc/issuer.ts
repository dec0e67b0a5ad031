// A stand-in for CircleCI's per-org OIDC issuer (https://oidc.circleci.com/org/<org-id>) on 127.0.0.1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { circleClaims, jobIdentityProblem, type JobIdentity } from './claims.ts';

export type { JobIdentity } from './claims.ts';

/** How to mint one token; defaults are CircleCI's (V2, aud = org id, one hour). */
export interface MintOptions {
  version?: 1 | 2;
  audience?: string;
  ttlSeconds?: number;
  /** Issued-at in epoch seconds; lets tests make already expired tokens. */
  iat?: number;
  /** Sign with a key that is not in the JWKS, for refusal tests. */
  signWithForeignKey?: boolean;
  /** Override `iss`, for refusal tests. */
  issuer?: string;
}

const KID = 'circleci-oidc-local-1';

interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKeyPair(kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The OIDC issuer: discovery document, JWKS, and RS256 tokens with CircleCI's claims. */
export class OidcIssuer {
  readonly issuedTokens: string[] = [];
  private jwksFailures = 0;
  private foreign: KeyPair | undefined;

  private constructor(
    private readonly server: Server,
    private readonly key: KeyPair,
    readonly orgId: string,
    readonly url: string,
    readonly hostPath: string,
    readonly mintUrl: string,
    private readonly now: () => number,
  ) {}

  /** Starts the issuer for one org on an ephemeral port; `now` (epoch ms) is the clock for iat/exp. */
  static async start(opts: { orgId: string; now?: () => number }): Promise<OidcIssuer> {
    if (!/^[\w-]+$/.test(opts.orgId)) throw new Error(`orgId must be a UUID-like token, got '${opts.orgId}'`);
    const key = await newKeyPair(KID);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const url = `${origin}/org/${opts.orgId}`;
    // The mint endpoint sits outside the issuer path: it is the rig's, not part of CircleCI's issuer.
    const self = new OidcIssuer(server, key, opts.orgId, url, url.replace(/^http:\/\//, ''), `${origin}/_rig/mint`, opts.now ?? Date.now);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void self.serve(req, res));
    return self;
  }

  /** Mints a job token the way CircleCI does for $CIRCLE_OIDC_TOKEN(_V2) or `circleci run oidc get`. */
  async mint(job: JobIdentity, opts: MintOptions = {}): Promise<string> {
    const problem = jobIdentityProblem(job);
    if (problem) throw new Error(problem);
    const iat = opts.iat ?? Math.floor(this.now() / 1000);
    const key = opts.signWithForeignKey ? (this.foreign ??= await newKeyPair(KID)) : this.key;
    // The foreign key reuses the real kid, so only the signature (not a kid lookup) can reject it.
    const token = await new SignJWT(circleClaims(job, opts.version ?? 2, opts.audience ?? this.orgId))
      .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid!, typ: 'JWT' })
      .setIssuer(opts.issuer ?? this.url)
      .setIssuedAt(iat)
      .setExpirationTime(iat + (opts.ttlSeconds ?? 3600))
      .sign(key.privateKey);
    this.issuedTokens.push(token);
    return token;
  }

  /** Makes the next `times` JWKS fetches answer 503. */
  failJwks(times: number): void {
    this.jwksFailures += times;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const issuerPath = `/org/${this.orgId}`;
    if (req.method === 'GET' && path === `${issuerPath}/.well-known/openid-configuration`) {
      return send(res, 200, {
        issuer: this.url,
        jwks_uri: `${this.url}/.well-known/jwks-pub.json`,
        subject_types_supported: ['public'],
        response_types_supported: ['id_token'],
        id_token_signing_alg_values_supported: ['RS256'],
        claims_supported: ['aud', 'exp', 'iat', 'iss', 'sub', 'oidc.circleci.com/org-id', 'oidc.circleci.com/project-id',
          'oidc.circleci.com/context-ids', 'oidc.circleci.com/vcs-origin', 'oidc.circleci.com/vcs-ref', 'oidc.circleci.com/ssh-rerun'],
      });
    }
    if (req.method === 'GET' && path === `${issuerPath}/.well-known/jwks-pub.json`) {
      if (this.jwksFailures > 0) {
        this.jwksFailures--;
        return send(res, 503, { message: 'Service Unavailable' });
      }
      return send(res, 200, { keys: [this.key.publicJwk] });
    }
    if (req.method === 'POST' && path === '/_rig/mint') return this.serveMint(req, res);
    send(res, 404, { message: 'Not Found' });
  }

  // POST {job, version?, audience?} -> {token}; used by the `circleci run oidc get` shim.
  private async serveMint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: { job?: unknown; version?: unknown; audience?: unknown };
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      if (typeof body !== 'object' || body === null) throw new Error();
    } catch {
      return send(res, 400, { error: 'body must be a JSON object {job, version?, audience?}' });
    }
    const problem = jobIdentityProblem(body.job);
    if (problem) return send(res, 400, { error: problem });
    if (body.version !== undefined && body.version !== 1 && body.version !== 2) return send(res, 400, { error: 'version must be 1 or 2' });
    if (body.audience !== undefined && (typeof body.audience !== 'string' || body.audience === '')) {
      return send(res, 400, { error: 'audience must be a non-empty string' });
    }
    const token = await this.mint(body.job as JobIdentity, {
      ...(body.version !== undefined ? { version: body.version } : {}),
      ...(body.audience !== undefined ? { audience: body.audience } : {}),
    });
    send(res, 200, { token });
  }

  /** Stops the server. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
