// The OIDC issuer: discovery, JWKS, CircleCI claim shapes (V1/V2), the mint endpoint and fault injection.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcIssuer, type JobIdentity } from './issuer.ts';

const ORG = 'c6a1b2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
const JOB: JobIdentity = {
  orgId: ORG, projectId: 'p-1234', userId: 'u-5678', vcsOrigin: 'github.com/acme/webapp', vcsRef: 'refs/heads/main', contextIds: ['ctx-1'],
};

let issuer: OidcIssuer;
beforeAll(async () => {
  issuer = await OidcIssuer.start({ orgId: ORG });
});
afterAll(() => issuer.close());

async function jwks(): Promise<JSONWebKeySet> {
  const discovery = (await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  return (await (await fetch(discovery.jwks_uri)).json()) as JSONWebKeySet;
}

describe('OidcIssuer', () => {
  it('names itself like CircleCI: .../org/<org-id>, on loopback', () => {
    expect(issuer.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/org/${ORG}$`));
    expect(issuer.hostPath).toBe(issuer.url.slice('http://'.length));
  });

  it('serves a discovery document pointing at its JWKS', async () => {
    const res = await fetch(`${issuer.url}/.well-known/openid-configuration`);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: issuer.url,
      jwks_uri: `${issuer.url}/.well-known/jwks-pub.json`,
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
      response_types_supported: ['id_token'],
    });
    expect(doc.claims_supported).toEqual(expect.arrayContaining(['sub', 'aud', 'oidc.circleci.com/project-id', 'oidc.circleci.com/vcs-ref']));
    const keys = (await jwks()).keys;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(keys[0]).not.toHaveProperty('d'); // never the private part
  });

  it('mints V2 tokens with CircleCI claims, verifiable with the served JWKS', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await issuer.mint(JOB);
    const after = Math.floor(Date.now() / 1000);
    const { payload } = await jwtVerify(token, createLocalJWKSet(await jwks()), { issuer: issuer.url, audience: ORG });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    expect(payload).toMatchObject({
      sub: `org/${ORG}/project/p-1234/user/u-5678/vcs-origin/github.com/acme/webapp/vcs-ref/refs/heads/main`,
      aud: ORG,
      'oidc.circleci.com/org-id': ORG,
      'oidc.circleci.com/project-id': 'p-1234',
      'oidc.circleci.com/context-ids': ['ctx-1'],
      'oidc.circleci.com/vcs-origin': 'github.com/acme/webapp',
      'oidc.circleci.com/vcs-ref': 'refs/heads/main',
      'oidc.circleci.com/ssh-rerun': false,
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
    // Issued while mint ran: between the whole seconds before and after it.
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(after);
    expect(issuer.issuedTokens).toContain(token);
  });

  it('mints V1 tokens whose sub stops at the user', async () => {
    const payload = decodeJwt(await issuer.mint(JOB, { version: 1 }));
    expect(payload.sub).toBe(`org/${ORG}/project/p-1234/user/u-5678`);
  });

  it('honours audience, iat, ttl and issuer overrides', async () => {
    const payload = decodeJwt(await issuer.mint(JOB, { audience: 'sts.amazonaws.com', iat: 1_700_000_000, ttlSeconds: 60, issuer: 'https://elsewhere' }));
    expect(payload).toMatchObject({ aud: 'sts.amazonaws.com', iat: 1_700_000_000, exp: 1_700_000_060, iss: 'https://elsewhere' });
  });

  it('signs with a foreign key on request, which the JWKS cannot verify', async () => {
    const token = await issuer.mint(JOB, { signWithForeignKey: true });
    await expect(jwtVerify(token, createLocalJWKSet(await jwks()))).rejects.toThrow(/signature/i);
  });

  it('answers 503 for the next N JWKS fetches when asked', async () => {
    issuer.failJwks(2);
    const uri = `${issuer.url}/.well-known/jwks-pub.json`;
    expect((await fetch(uri)).status).toBe(503);
    expect((await fetch(uri)).status).toBe(503);
    expect((await fetch(uri)).status).toBe(200);
  });

  it('mints over HTTP for the circleci shim, and refuses bad input with 400', async () => {
    const post = (body: unknown) => fetch(issuer.mintUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await post({ job: JOB, version: 1, audience: 'custom' });
    expect(ok.status).toBe(200);
    const { token } = (await ok.json()) as { token: string };
    expect(decodeJwt(token)).toMatchObject({ aud: 'custom', sub: `org/${ORG}/project/p-1234/user/u-5678` });
    for (const bad of [{}, { job: { ...JOB, vcsRef: '' } }, { job: JOB, version: 3 }, { job: JOB, audience: 7 }, 'text']) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect(await res.json()).toHaveProperty('error');
    }
  });

  it('is 404 for paths CircleCI does not serve', async () => {
    expect((await fetch(`${issuer.url}/.well-known/jwks.json`)).status).toBe(404);
  });
});
