// `aws-oidc doctor --jwks-file/--jwks-url`: whether the token's signature verifies with the issuer's public keys
// (a JSON Web Key Set, RFC 7517), as STS checks it before any trust policy condition. Verified with jose; only the
// CLI's bundle takes this file (the orb's steps never verify signatures: STS does).
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { OrbError } from '../../lib/errors.ts';
import { withoutCredentials } from '../../lib/aws/http-handler.ts';
import { readCapped } from '../cli/input.ts';
import { tokenText, type SignatureCheck } from './check.ts';

/** Where the keys come from: the --jwks-file's text (read by the caller) or the --jwks-url. */
export type KeySource = { file: string; text: string } | { url: string };

/** The algorithms an issuer signs ID tokens with using a public key (RFC 7518 RS*, PS*, ES*, and EdDSA); never none or a shared secret (HS*). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Where CircleCI (and OIDC discovery generally) publishes an issuer's keys: the jwks_uri of <iss>/.well-known/openid-configuration. */
export const jwksHint = (iss: string | undefined): string =>
  iss ? `the issuer's keys are at the jwks_uri of ${iss}/.well-known/openid-configuration (CircleCI's: ${iss}/.well-known/jwks-pub.json)` : 'use the keys of the token\'s issuer';

/** The local key set of a --jwks-file; an OrbError naming the file when it is not a JWKS. */
function localKeys(file: string, text: string): ReturnType<typeof createLocalJWKSet> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new OrbError(`--jwks-file ${file}: not JSON (${(err as Error).message})`, 'give the JSON the issuer\'s jwks_uri serves ({"keys": [...]})', { cause: err });
  }
  try {
    return createLocalJWKSet(json as JSONWebKeySet);
  } catch (err) {
    throw new OrbError(`--jwks-file ${file}: not a JSON Web Key Set (${(err as Error).message})`, 'give the JSON the issuer\'s jwks_uri serves ({"keys": [...]})', { cause: err });
  }
}

type GetKey = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

/** Verifies with `getKey`; when several keys of the set fit the header (no kid), tries each in turn as jose offers them. */
async function verifyWith(token: string, getKey: GetKey): Promise<void> {
  try {
    await compactVerify(token, getKey, { algorithms: ALGORITHMS });
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    for await (const key of err as unknown as AsyncIterable<CryptoKey>) {
      try {
        await compactVerify(token, key, { algorithms: ALGORITHMS });
        return;
      } catch { /* the next key */ }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/** The failure as doctor reports it: what went wrong and the fix, for the token's `kid`, `alg` and issuer. */
function failure(err: unknown, header: JWSHeaderParameters, iss: string | undefined, keys: string, remote: boolean): SignatureCheck {
  const kid = header.kid === undefined ? 'no kid' : `kid ${tokenText(String(header.kid))}`;
  const fail = (problem: string, fix: string): SignatureCheck => ({ status: 'failed', problem, fix, keys });
  if (err instanceof errors.JWKSNoMatchingKey) return fail(`no key of ${keys} fits the token (${kid}, alg ${tokenText(String(header.alg))})`, `these are not the keys of the token's issuer, or they were rotated: ${jwksHint(iss)}`);
  if (err instanceof errors.JWSSignatureVerificationFailed) return fail(`the signature does not verify with ${header.kid === undefined ? 'any key' : `the key for ${kid}`} of ${keys}`, 'the token was changed after it was signed, or another issuer signed it: take the token again, unmodified, from the job');
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return fail(`the token's alg ${tokenText(String(header.alg))} is not a public-key signature`, 'an issuer\'s ID token is signed with RS256, ES256 or similar; this token is not one STS accepts');
  if (remote) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? 'no answer in time' : cause?.code ?? cause?.message ?? (err as Error).message;
    return { status: 'unfetched', problem: `${keys}: ${why}`, keys, fix: `check the URL (${jwksHint(iss)}); doctor fetches directly, without HTTPS_PROXY: behind a proxy, download the keys (curl -o jwks.json <url>) and pass --jwks-file jwks.json` };
  }
  return fail(`the signature could not be checked with ${keys}: ${(err as Error).message}`, jwksHint(iss));
}

/** A --jwks-url: https, or http only to this machine (a local issuer). */
function keysUrl(url: string): URL {
  let parsed: URL | undefined;
  try { parsed = new URL(url); } catch { parsed = undefined; }
  const local = parsed?.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  const shown = JSON.stringify(withoutCredentials(url));
  if (parsed && (parsed.username || parsed.password)) {
    throw new OrbError(`--jwks-url ${shown}: holds a user and password`, 'give the URL without them: an issuer\'s keys are public');
  }
  if (!parsed || !(parsed.protocol === 'https:' || local)) {
    throw new OrbError(`--jwks-url ${shown}: not an https URL`, 'give the issuer\'s jwks_uri, e.g. https://oidc.circleci.com/org/<org-id>/.well-known/jwks-pub.json');
  }
  return parsed;
}

/** The key set at `url`, fetched within `timeoutMs` (headers and body); a body over 1 MiB (MAX_INPUT_BYTES) is refused unread. */
async function remoteKeys(url: URL, timeoutMs: number): Promise<ReturnType<typeof createLocalJWKSet>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}`);
  }
  const text = await readCapped(res.body as unknown as AsyncIterable<Uint8Array>).catch(async (err: unknown) => {
    await res.body?.cancel().catch(() => undefined);
    throw err;
  });
  return createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
}

/**
 * Checks the signature of `token` (a compact JWS) with the keys of `source` (undefined: not checked), fetching a URL
 * within `timeoutMs`. A --jwks-file that is no JWKS, or a --jwks-url that is no https URL, is an OrbError (bad input);
 * a key set that does not verify the token is a 'failed' check, and a URL that gives no key set an 'unfetched' one (not checked).
 */
export async function checkSignature(token: string, iss: string | undefined, source: KeySource | undefined, timeoutMs: number): Promise<SignatureCheck> {
  if (source === undefined) return { status: 'unchecked' };
  const remote = 'url' in source;
  const keys = remote ? withoutCredentials(source.url) : source.file;
  // Bad input (no https URL, a file that is no key set) is an OrbError before anything is fetched or verified.
  const url = remote ? keysUrl(source.url) : undefined;
  const local = remote ? undefined : localKeys(source.file, source.text);
  let header: JWSHeaderParameters = {};
  try { header = decodeProtectedHeader(token); } catch { /* compactVerify says what is wrong with it */ }
  try {
    const getKey: GetKey = local ?? await remoteKeys(url as URL, timeoutMs);
    await verifyWith(token, getKey);
  } catch (err) {
    return failure(err, header, iss, keys, remote);
  }
  return { status: 'verified', kid: header.kid, alg: String(header.alg), keys };
}
