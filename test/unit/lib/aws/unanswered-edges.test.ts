// unanswered.ts at its edges: nothing thrown, the lower-case proxy variables, and a call without a known endpoint.
import { describe, expect, it } from 'vitest';
import { OrbError } from '../../../../src/lib/errors.ts';
import { explainUnanswered, proxySettings, unanswered } from '../../../../src/lib/aws/unanswered.ts';

describe('unanswered', () => {
  it.each([undefined, null])('%s thrown is no failure to reach AWS', (err) => {
    expect(unanswered(err)).toBe(false);
  });
});

describe('proxySettings', () => {
  it('names the lower-case variables (curl reads them first) and HTTP_PROXY', () => {
    const env = { https_proxy: 'http://a.test:1', http_proxy: 'http://b.test:2', HTTP_PROXY: 'http://c.test:3', no_proxy: 'internal.test' };
    expect(proxySettings('https://sts.amazonaws.com', env)).toBe('https_proxy=http://a.test:1 http_proxy=http://b.test:2 HTTP_PROXY=http://c.test:3 no_proxy=internal.test, so it went through the proxy a.test:1');
  });
});

describe('explainUnanswered', () => {
  it('without a known endpoint, the fix says "the endpoint"', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = explainUnanswered('STS AssumeRole', refused, { env: {}, endpointSettings: 'sts-endpoint' }) as OrbError;
    expect(err).toBeInstanceOf(OrbError);
    expect(err.hint).toBe('no answer came, so look on the way there: check that the endpoint is the endpoint meant (sts-endpoint choose it), that it is reachable from here, and the proxy settings (HTTPS_PROXY, NO_PROXY)');
  });
});
