import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { OrbError } from '../../../src/lib/errors.ts';
import { checkSignature } from '../../../src/commands/doctor/signature.ts';
import { signatureLines } from '../../../src/commands/doctor/check.ts';
import { trustPolicy } from '../../../src/commands/trust-policy/generate.ts';
import { ISS, ORG, PROJECT, claims, cli } from './helpers.ts';
import { rejection } from '../../support/rejection.ts';

interface Key { privateKey: CryptoKey; jwk: JWK }
const keyPair = async (kid: string | undefined, alg: 'RS256' | 'ES256' = 'RS256'): Promise<Key> => {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), ...(kid ? { kid } : {}), alg, use: 'sig' } };
};
const sign = (key: Key, over: object = {}, kid = key.jwk.kid) =>
  new SignJWT(claims(over)).setProtectedHeader({ alg: String(key.jwk.alg), ...(kid ? { kid } : {}), typ: 'JWT' }).sign(key.privateKey);
const jwks = (...keys: Key[]) => JSON.stringify({ keys: keys.map((k) => k.jwk) });
const file = (...keys: Key[]) => ({ file: 'jwks.json', text: jwks(...keys) });
/** A port of 127.0.0.1 that nothing listens on (just closed), for an ECONNREFUSED. */
async function closedPort(): Promise<number> {
  const gone = createServer();
  await new Promise<void>((done) => gone.listen(0, '127.0.0.1', done));
  const port = (gone.address() as AddressInfo).port;
  await new Promise<void>((done) => gone.close(() => done()));
  return port;
}

let issuerKey: Key;
let otherKey: Key;
let server: Server;
let base = '';
beforeAll(async () => {
  [issuerKey, otherKey] = await Promise.all([keyPair('k1'), keyPair('k2')]);
  // A local jwks_uri: the issuer's keys at /jwks, a 404 elsewhere. Test traffic stays on 127.0.0.1.
  server = createServer((req, res) => {
    if (req.url === '/jwks') res.writeHead(200, { 'content-type': 'application/json' }).end(jwks(issuerKey));
    else res.writeHead(404).end('not here');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('checkSignature', () => {
  it('no keys: not checked, and the report says so plainly', async () => {
    expect(await checkSignature(await sign(issuerKey), ISS, undefined, 5000)).toEqual({ status: 'unchecked' });
    expect(signatureLines({ status: 'unchecked' })).toEqual(['signature: not checked (give --jwks-file or --jwks-url): doctor checks the token\'s claims against the policy, not who signed it']);
  });

  it('verified with the key the token names, from a file or a URL', async () => {
    const token = await sign(issuerKey);
    expect(await checkSignature(token, ISS, file(otherKey, issuerKey), 5000)).toEqual({ status: 'verified', kid: 'k1', alg: 'RS256', keys: 'jwks.json' });
    expect(await checkSignature(token, ISS, { url: `${base}/jwks` }, 5000)).toEqual({ status: 'verified', kid: 'k1', alg: 'RS256', keys: `${base}/jwks` });
    expect(signatureLines({ status: 'verified', kid: 'k1', alg: 'RS256', keys: 'jwks.json' })).toEqual(['signature: verified with key "k1" (RS256) of jwks.json']);
  });

  it('a token without a kid: each key that fits is tried', async () => {
    const [a, b] = await Promise.all([keyPair(undefined), keyPair(undefined)]);
    expect(await checkSignature(await sign(b), ISS, file(a, b), 5000)).toMatchObject({ status: 'verified', kid: undefined });
    expect(await checkSignature(await sign(b), ISS, file(a), 5000)).toMatchObject({ status: 'failed', problem: 'the signature does not verify with any key of jwks.json' });
  });

  it.each([
    ['keys of another issuer', async () => sign(otherKey), () => file(issuerKey), /^no key of jwks\.json fits the token \(kid "k2", alg "RS256"\)$/, /jwks_uri of https:\/\/oidc\.circleci\.com\/org\/.*\/\.well-known\/openid-configuration/],
    ['a token changed after signing', async () => { const [h, , s] = (await sign(issuerKey)).split('.'); return `${h}.${Buffer.from(JSON.stringify(claims({ sub: 'x' }))).toString('base64url')}.${s}`; },
      () => file(issuerKey), /^the signature does not verify with the key for kid "k1" of jwks\.json$/, /take the token again, unmodified/],
    ['another key under the same kid', async () => sign(otherKey, {}, 'k1'), () => file(issuerKey), /^the signature does not verify with the key for kid "k1"/, /changed after it was signed, or another issuer signed it/],
    ['alg none', async () => `${Buffer.from('{"alg":"none","kid":"k1"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`,
      () => file(issuerKey), /^the token's alg "none" is not a public-key signature$/, /RS256, ES256/],
    ['HS256 (a shared secret, never an issuer\'s key)', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode('s'.repeat(32))),
      () => file(issuerKey), /^the token's alg "HS256" is not a public-key signature$/, /./],
  ])('%s: a clear failure and the fix', async (_what, token, source, problem, fix) => {
    const check = await checkSignature(await token(), ISS, source(), 5000);
    expect(check.status).toBe('failed');
    if (check.status !== 'failed') return;
    expect(check.problem).toMatch(problem);
    expect(check.fix).toMatch(fix);
    expect(signatureLines(check)[0]).toBe(`SIGNATURE FAILED: ${check.problem}`);
  });

  it('a URL that answers 404: not checked (never "failed"), with the fix', async () => {
    const check = await checkSignature(await sign(issuerKey), ISS, { url: `${base}/nope` }, 5000);
    expect(check).toMatchObject({ status: 'unfetched', problem: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/nope: /) as string });
    if (check.status !== 'unfetched') return;
    expect(check.fix).toMatch(/download the keys \(curl -o jwks\.json <url>\) and pass --jwks-file/);
    expect(signatureLines(check)).toEqual([`signature: not checked: the keys could not be fetched (${check.problem})`, `    fix:    ${check.fix}`]);
  });

  it('a URL nobody answers at: not checked, with the network code', async () => {
    const port = await closedPort();
    expect(await checkSignature(await sign(issuerKey), ISS, { url: `http://127.0.0.1:${port}/jwks` }, 5000)).toMatchObject({ status: 'unfetched', problem: `http://127.0.0.1:${port}/jwks: ECONNREFUSED` });
  });

  it.each([
    [{ file: 'k.json', text: '{nope' }, /^--jwks-file k\.json: not JSON/],
    [{ file: 'k.json', text: '{"keys": 1}' }, /^--jwks-file k\.json: not a JSON Web Key Set/],
    [{ url: 'http://keys.example/jwks' }, /^--jwks-url "http:\/\/keys\.example\/jwks": not an https URL$/],
    [{ url: 'jwks.json' }, /^--jwks-url "jwks\.json": not an https URL$/],
  ])('bad input %j is an OrbError naming the flag', async (source, message) => {
    const err = await rejection(checkSignature(await sign(issuerKey), ISS, source, 5000), OrbError);
    expect(err.message).toMatch(message);
  });
});

describe('aws-oidc doctor with keys', () => {
  const policy = JSON.stringify({ trustPolicy: trustPolicy({ orgId: ORG, projectId: PROJECT, partition: 'aws', issuerUrl: ISS, accountId: '123456789012' }).policy });

  it('a signature that verifies and a policy that admits: exit 0, both said', async () => {
    const r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'p.json', '--jwks-file', 'jwks.json'], { files: { token: await sign(issuerKey), 'p.json': policy, 'jwks.json': jwks(issuerKey) } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[1]).toBe('signature: verified with key "k1" (RS256) of jwks.json');
    expect(r.stdout).toContain('result: the policy admits this token, and its signature verifies');
  });

  it('a policy that admits but a signature that fails: exit 1, STS would refuse it', async () => {
    const r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'p.json', '--jwks-url', `${base}/jwks`], { files: { token: await sign(otherKey, {}, 'k1'), 'p.json': policy } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('SIGNATURE FAILED: the signature does not verify with the key for kid "k1"');
    expect(r.stdout).toContain('result: the policy admits this token\'s claims, but its signature failed: STS refuses it (InvalidIdentityToken)');
  });

  it('a policy that admits but keys that cannot be fetched: exit 3, the signature not checked, no claim that STS refuses it', async () => {
    const port = await closedPort();
    const r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'p.json', '--jwks-url', `http://127.0.0.1:${port}/jwks`], { files: { token: await sign(issuerKey), 'p.json': policy } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout.split('\n')[1]).toBe(`signature: not checked: the keys could not be fetched (http://127.0.0.1:${port}/jwks: ECONNREFUSED)`);
    expect(r.stdout.split('\n')[2]).toMatch(/^ {4}fix: {4}check the URL/);
    expect(r.stdout).not.toMatch(/SIGNATURE FAILED|STS refuses|InvalidIdentityToken/);
    expect(r.stdout).toContain('result: the policy admits this token\'s claims; its signature is not checked, as the keys could not be fetched\n');
    const refused = await cli(['doctor', '--token-file', 'token', '--policy-file', 'p.json', '--jwks-url', `http://127.0.0.1:${port}/jwks`], { files: { token: await sign(issuerKey, { aud: 'other' }), 'p.json': policy } });
    expect(refused.code).toBe(1);
  });

  it('no keys: exit 0 on the claims alone, and the report says the signature was not checked', async () => {
    const r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'p.json'], { files: { token: await sign(issuerKey), 'p.json': policy } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('signature: not checked (give --jwks-file or --jwks-url)');
    expect(r.stdout).toContain('result: the policy admits this token\'s claims\n');
  });

  it('both --jwks-file and --jwks-url, or a file that is not there: refused, naming the flag', async () => {
    const files = { token: await sign(issuerKey), 'p.json': policy };
    let r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'p.json', '--jwks-file', 'j', '--jwks-url', `${base}/jwks`], { files });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('aws-oidc doctor: --jwks-file and --jwks-url both given');
    r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'p.json', '--jwks-file', 'missing.json'], { files });
    expect(r.stderr).toContain('aws-oidc doctor: --jwks-file missing.json: cannot read it (ENOENT');
  });
});
