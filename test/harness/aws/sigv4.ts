// SigV4 header-auth verification, rebuilt from the request as it arrived on the wire.
// Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { awsErrors } from './errors.ts';

/** The parts of an HTTP request that SigV4 covers. `target` is the raw request-target (path?query). */
export interface SignedRequest {
  method: string;
  target: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** The fields of an `Authorization: AWS4-HMAC-SHA256 …` header. */
export interface SigV4Authorization {
  accessKeyId: string;
  date: string; // yyyymmdd from the credential scope
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** What a verified request proves: who signed it and which session token came with it. */
export interface VerifiedCaller {
  accessKeyId: string;
  region: string;
  securityToken: string | undefined;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

/** Parses an Authorization header; undefined when it is not SigV4, IncompleteSignature when malformed. */
export function parseAuthorization(header: string | undefined): SigV4Authorization | undefined {
  if (header === undefined || !header.startsWith('AWS4-HMAC-SHA256 ')) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const scope = credential?.split('/');
  if (!credential || !signedHeaders || !signature || scope?.length !== 5 || scope[4] !== 'aws4_request') {
    throw awsErrors.incompleteSignature(
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${header.split(' ')[0]}`,
    );
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

// RFC 3986 unreserved characters stay; everything else is %XX, as SigV4 requires.
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPath(rawPath: string): string {
  // Non-S3 services normalise the path and encode each segment of the already-encoded path again.
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const trailing = rawPath.endsWith('/') && segments.length > 0 ? '/' : '';
  return '/' + segments.map(uriEncode).join('/') + trailing;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape is signed as sent; the signature check then decides
  }
}

function canonicalQuery(rawQuery: string): string {
  const pairs = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = safeDecode(eq < 0 ? p : p.slice(0, eq));
      const v = eq < 0 ? '' : safeDecode(p.slice(eq + 1));
      return [uriEncode(k), uriEncode(v)] as const;
    })
    .filter(([k]) => k !== 'X-Amz-Signature');
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** Builds the canonical request exactly as the signer must have. Exported for tests and debugging. */
export function canonicalRequest(req: SignedRequest, signedHeaders: string[], payloadHash: string): string {
  const q = req.target.indexOf('?');
  const path = q < 0 ? req.target : req.target.slice(0, q);
  const query = q < 0 ? '' : req.target.slice(q + 1);
  const headerLines = signedHeaders.map((h) => `${h}:${(headerValue(req.headers, h) ?? '').trim().replace(/\s+/g, ' ')}\n`);
  return [req.method.toUpperCase(), canonicalPath(path), canonicalQuery(query), headerLines.join(''), signedHeaders.join(';'), payloadHash].join('\n');
}

/** Derives the SigV4 signing key for a secret and scope. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

function amzDateToMs(amzDate: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

function toAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Verifies a header-signed request. `secretFor` returns the secret of a known access key, or
 * undefined (→ InvalidClientTokenId); callers check the session token themselves afterwards.
 */
export function verifySigV4(
  req: SignedRequest,
  opts: { service: string; now: number; secretFor: (accessKeyId: string) => string | undefined },
): VerifiedCaller {
  const auth = parseAuthorization(headerValue(req.headers, 'authorization'));
  if (!auth) throw awsErrors.missingAuthenticationToken();
  if (auth.service !== opts.service) {
    throw awsErrors.signatureDoesNotMatch(`Credential should be scoped to correct service: '${opts.service}'. `);
  }
  if (!auth.signedHeaders.includes('host')) {
    throw awsErrors.signatureDoesNotMatch("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const amzDate = headerValue(req.headers, 'x-amz-date');
  const signedAt = amzDate === undefined ? undefined : amzDateToMs(amzDate);
  if (amzDate === undefined || signedAt === undefined) {
    throw awsErrors.incompleteSignature('Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.');
  }
  if (!amzDate.startsWith(auth.date)) {
    throw awsErrors.signatureDoesNotMatch(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
  }
  const secret = opts.secretFor(auth.accessKeyId);
  if (secret === undefined) throw awsErrors.invalidClientTokenId();
  if (signedAt < opts.now - MAX_SKEW_MS) {
    throw awsErrors.signatureDoesNotMatch(
      `Signature expired: ${amzDate} is now earlier than ${toAmzDate(opts.now - MAX_SKEW_MS)} (${toAmzDate(opts.now)} - 15 min.)`,
    );
  }
  if (signedAt > opts.now + MAX_SKEW_MS) {
    throw awsErrors.signatureDoesNotMatch(
      `Signature not yet current: ${amzDate} is still later than ${toAmzDate(opts.now + MAX_SKEW_MS)} (${toAmzDate(opts.now)} + 15 min.)`,
    );
  }
  const bodyHash = sha256Hex(req.body);
  const claimedHash = headerValue(req.headers, 'x-amz-content-sha256');
  // XAmzContentSHA256Mismatch is S3's; other services just find that the signature does not match.
  if (claimedHash !== undefined && claimedHash !== bodyHash) throw awsErrors.signatureDoesNotMatch();
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest(req, auth.signedHeaders, bodyHash))].join('\n');
  const expected = createHmac('sha256', signingKey(secret, auth.date, auth.region, auth.service)).update(stringToSign).digest();
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw awsErrors.signatureDoesNotMatch();
  return { accessKeyId: auth.accessKeyId, region: auth.region, securityToken: headerValue(req.headers, 'x-amz-security-token') };
}
