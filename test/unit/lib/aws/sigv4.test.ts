// The orb's SigV4 signer against the AWS SDK's own signer (@smithy/signature-v4): same request,
// same keys, same instant, so the Authorization headers must be identical.
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { amzDate, signRequest } from '../../../../src/lib/aws/sigv4.ts';

/** The hash the SDK signer asks for (its own comes from another package): plain or keyed SHA-256. */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined || typeof secret === 'string' ? secret
      : secret instanceof ArrayBuffer ? new Uint8Array(secret) : new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength);
    this.h = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

const KEYS = { accessKeyId: 'ASIAEXAMPLEEXAMPLE12', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes==' };
const NOW = Date.UTC(2026, 10, 23, 12, 34, 56);

async function sdkAuthorization(url: URL, headers: Record<string, string>, body: string, service: string, region: string, keys: typeof KEYS | Omit<typeof KEYS, 'sessionToken'>) {
  const signer = new SignatureV4({ credentials: keys, region, service, sha256: Sha256, applyChecksum: false });
  const query = Object.fromEntries(url.searchParams.entries());
  const signed = await signer.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), path: url.pathname, query,
    headers: { ...headers, host: url.host }, body }, { signingDate: new Date(NOW) });
  return signed.headers.authorization;
}

describe('signRequest', () => {
  it('formats x-amz-date as AWS does', () => {
    expect(amzDate(NOW)).toBe('20261123T123456Z');
  });

  it.each([
    ['ecr', 'ap-northeast-1', 'https://api.ecr.ap-northeast-1.amazonaws.com/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' }, '{"registryIds":["111111111111"]}'],
    ['sts', 'cn-north-1', 'https://sts.cn-north-1.amazonaws.com.cn/', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, 'Action=GetCallerIdentity&Version=2011-06-15'],
    ['ecr-public', 'us-east-1', 'http://127.0.0.1:4566/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SpencerFrontendService.GetAuthorizationToken' }, '{}'],
  ])('%s in %s: the same Authorization as the SDK signer', async (service, region, endpoint, headers, body) => {
    const url = new URL(endpoint);
    for (const keys of [KEYS, { accessKeyId: 'AKIAEXAMPLEEXAMPLE12', secretAccessKey: KEYS.secretAccessKey }]) {
      const ours = signRequest({ method: 'POST', url, headers, body }, keys, region, service, NOW);
      expect(ours.authorization).toBe(await sdkAuthorization(url, { ...headers, 'x-amz-date': amzDate(NOW), ...('sessionToken' in keys ? { 'x-amz-security-token': keys.sessionToken } : {}) }, body, service, region, keys));
      expect(ours['x-amz-security-token']).toBe('sessionToken' in keys ? keys.sessionToken : undefined);
    }
  });

  it('changes the signature when the body changes', () => {
    const url = new URL('https://api.ecr.us-east-1.amazonaws.com/');
    const a = signRequest({ method: 'POST', url, headers: {}, body: '{}' }, KEYS, 'us-east-1', 'ecr', NOW).authorization;
    const b = signRequest({ method: 'POST', url, headers: {}, body: '{ }' }, KEYS, 'us-east-1', 'ecr', NOW).authorization;
    expect(a).not.toBe(b);
  });
});
