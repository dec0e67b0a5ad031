// sigv4.ts against signatures made by @smithy/signature-v4 (the SDK's signer), so the check is not circular.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { parseAuthorization, verifySigV4, type SignedRequest } from './sigv4.ts';

// The signer needs a hash constructor; node:crypto supplies the primitive, smithy the algorithm.
class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret as string));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

const KEY = { accessKeyId: 'AKIAJTESTTESTTESTTES', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

async function signed(opts: { body?: string; path?: string; query?: Record<string, string>; service?: string; at?: number; token?: string }): Promise<SignedRequest> {
  const signer = new SignatureV4({
    service: opts.service ?? 'sts', region: 'us-east-1', sha256: NodeSha256,
    credentials: { ...KEY, ...(opts.token ? { sessionToken: opts.token } : {}) },
  });
  const body = opts.body ?? 'Action=GetCallerIdentity&Version=2011-06-15';
  const req = await signer.sign(
    {
      method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: opts.path ?? '/', query: opts.query ?? {},
      headers: { host: '127.0.0.1:4566', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
    },
    { signingDate: new Date(opts.at ?? NOW) },
  );
  const qs = new URLSearchParams(req.query as Record<string, string>).toString().replace(/\+/g, '%20');
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: req.method, target: req.path + (qs ? `?${qs}` : ''), headers, body: Buffer.from(body) };
}

const verify = (req: SignedRequest, secret = KEY.secretAccessKey, service = 'sts', now = NOW) =>
  verifySigV4(req, { service, now, secretFor: (id) => (id === KEY.accessKeyId ? secret : undefined) });

describe('verifySigV4', () => {
  it('accepts what the SDK signer signed, with path and query, and returns the caller', async () => {
    const req = await signed({ path: '/some/./path/', query: { b: '2', a: 'x y*', c: 'é' }, token: 'tok' });
    expect(verify(req)).toEqual({ accessKeyId: KEY.accessKeyId, region: 'us-east-1', securityToken: 'tok' });
  });

  it('rejects a different secret, a changed body and a changed signed header', async () => {
    const req = await signed({});
    expect(() => verify(req, KEY.secretAccessKey.replace('w', 'W'))).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
    expect(() => verify({ ...req, body: Buffer.from('Action=AssumeRole&Version=2011-06-15') })).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
    expect(() => verify({ ...req, headers: { ...req.headers, host: '127.0.0.1:4567' } })).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
  });

  it('rejects a body that does not match x-amz-content-sha256, and hashes the body when the header is absent', async () => {
    const req = await signed({});
    expect(req.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(req.body).digest('hex'));
    req.headers['x-amz-content-sha256'] = createHash('sha256').update('other').digest('hex');
    expect(() => verify(req)).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
    const bare = await signed({});
    delete bare.headers['x-amz-content-sha256'];
    // The header was signed, so dropping it must break the signature rather than be ignored.
    expect(() => verify(bare)).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
  });

  it('refuses unknown keys, missing auth and the wrong service scope', async () => {
    const req = await signed({});
    expect(() => verifySigV4(req, { service: 'sts', now: NOW, secretFor: () => undefined })).toThrow(expect.objectContaining({ code: 'InvalidClientTokenId', status: 403 }));
    expect(() => verify({ ...req, headers: { host: '127.0.0.1:4566' } })).toThrow(expect.objectContaining({ code: 'MissingAuthenticationToken' }));
    const ecr = await signed({ service: 'ecr' });
    expect(() => verify(ecr)).toThrow(expect.objectContaining({ message: "Credential should be scoped to correct service: 'sts'. " }));
  });

  it('refuses signatures more than 15 minutes off the server clock, in AWS words', async () => {
    const old = await signed({ at: NOW - 16 * 60_000 });
    expect(() => verify(old)).toThrow(
      expect.objectContaining({ code: 'SignatureDoesNotMatch', message: 'Signature expired: 20250601T114400Z is now earlier than 20250601T114500Z (20250601T120000Z - 15 min.)' }),
    );
    expect(() => verify(old, KEY.secretAccessKey, 'sts', NOW - 60_000)).not.toThrow();
    const future = await signed({ at: NOW + 16 * 60_000 });
    expect(() => verify(future)).toThrow(expect.objectContaining({ message: expect.stringMatching(/^Signature not yet current/) }));
  });
});

describe('parseAuthorization', () => {
  it('reads the credential scope and signed headers', () => {
    const auth = parseAuthorization('AWS4-HMAC-SHA256 Credential=AKIAX/20250601/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd');
    expect(auth).toEqual({ accessKeyId: 'AKIAX', date: '20250601', region: 'eu-west-1', service: 'sts', signedHeaders: ['host', 'x-amz-date'], signature: 'abcd' });
  });

  it('is undefined for other schemes and IncompleteSignature for a broken header', () => {
    expect(parseAuthorization('Bearer abc')).toBeUndefined();
    expect(() => parseAuthorization('AWS4-HMAC-SHA256 Credential=AKIAX/20250601')).toThrow(expect.objectContaining({ code: 'IncompleteSignature' }));
  });
});
