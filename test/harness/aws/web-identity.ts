// How STS checks an OIDC token: find the provider by `iss`, fetch the issuer's keys, verify, check aud/exp.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, type JWTPayload } from 'jose';
import { AwsError, awsErrors } from './errors.ts';
import type { IamState, OidcProvider } from './state.ts';

/** A token that passed every check STS makes before looking at the trust policy. */
export interface VerifiedWebIdentity {
  provider: OidcProvider;
  claims: JWTPayload & { iss: string; sub: string; exp: number };
  audience: string; // the aud value that matched one of the provider's client ids
}

// The algorithms IAM accepts for OIDC ID tokens.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
const FETCH_TIMEOUT_MS = 5000;

// This rig never talks to the internet: an issuer that is not loopback is, to us, an unreachable IdP.
function isLoopback(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === '127.0.0.1' || h === 'localhost' || h === '[::1]';
  } catch {
    return false;
  }
}

async function fetchJson(url: string): Promise<unknown> {
  if (!isLoopback(url)) throw awsErrors.idpCommunication();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return await res.json();
  } catch {
    throw awsErrors.idpCommunication();
  }
}

/** Fetches the issuer's discovery document, then its JWKS, fresh on every call (no cache, like a cold STS). */
export async function fetchIssuerKeys(issuer: string): Promise<JSONWebKeySet> {
  const discovery = await fetchJson(`${issuer}/.well-known/openid-configuration`);
  const jwksUri = (discovery as { jwks_uri?: unknown } | null)?.jwks_uri;
  if (typeof jwksUri !== 'string') throw awsErrors.idpCommunication();
  const jwks = await fetchJson(jwksUri);
  if (!Array.isArray((jwks as { keys?: unknown } | null)?.keys)) throw awsErrors.idpCommunication();
  return jwks as JSONWebKeySet;
}

function decode(token: string): JWTPayload {
  try {
    decodeProtectedHeader(token);
    return decodeJwt(token);
  } catch {
    throw awsErrors.invalidIdentityToken('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  }
}

/** Runs STS's checks on a web identity token presented for a role in `account`. */
export async function verifyWebIdentityToken(
  token: string,
  opts: { account: string; state: IamState; nowMs: number },
): Promise<VerifiedWebIdentity> {
  const claims = decode(token);
  const iss = typeof claims.iss === 'string' ? claims.iss : '';
  const provider = opts.state.findProvider(opts.account, iss);
  if (!provider) throw awsErrors.invalidIdentityToken(`No OpenIDConnect provider found in your account for ${iss}`);

  const jwks = await fetchIssuerKeys(provider.url);
  try {
    await compactVerify(token, createLocalJWKSet(jwks), { algorithms: ALGORITHMS });
  } catch (e) {
    if (e instanceof AwsError) throw e;
    throw awsErrors.invalidIdentityToken('Couldn\'t verify the signature of the web identity token with the keys of the provider.');
  }

  const auds = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  const audience = auds.find((a) => provider.clientIds.includes(a));
  if (audience === undefined) throw awsErrors.invalidIdentityToken('Incorrect token audience');

  if (typeof claims.exp !== 'number') throw awsErrors.invalidIdentityToken('Token is missing the exp claim');
  const nowSec = Math.floor(opts.nowMs / 1000);
  if (nowSec >= claims.exp) throw awsErrors.expiredWebToken(nowSec, claims.exp);
  if (typeof claims.sub !== 'string') throw awsErrors.invalidIdentityToken('Token is missing the sub claim');

  return { provider, claims: { ...claims, iss, sub: claims.sub, exp: claims.exp }, audience };
}
