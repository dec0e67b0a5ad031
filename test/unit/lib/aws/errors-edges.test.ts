// How an AWS failure is read at its edges: errors without a status, call, endpoint, name or message, codes
// that only look like AWS's or Node's, and server text at the exact length a message quotes.
import { describe, expect, it } from 'vitest';
import { awsErrorInfo, endpointOf, InvalidResponseError, MAX_QUOTED_CHARS, networkCode, NO_ERROR_CODE, quoted, serverText } from '../../../../src/lib/aws/errors.ts';

describe('an answer the orb cannot use', () => {
  it('without an SDK output (so no endpoint) names the call alone', () => {
    expect(endpointOf(undefined)).toBeUndefined();
    expect(new InvalidResponseError('STS GetCallerIdentity', undefined, 'no usable identity').message).toBe('STS GetCallerIdentity answered no usable identity');
  });
});

describe('server text in a message', () => {
  it(`keeps a line of exactly ${MAX_QUOTED_CHARS} characters whole`, () => {
    expect(serverText('x'.repeat(MAX_QUOTED_CHARS))).toBe('x'.repeat(MAX_QUOTED_CHARS));
  });

  it('quotes a short field as JSON, cut to 100 characters', () => {
    expect(quoted(`arn:aws:iam::123456789012:user/${'a'.repeat(300)}`)).toBe(JSON.stringify(`arn:aws:iam::123456789012:user/${'a'.repeat(100 - 31)}`));
  });
});

describe('an error reply that names no AWS error code', () => {
  it('without a status, call, endpoint or message: says what is known, no "Unknown"', () => {
    expect(awsErrorInfo({ name: 'Unknown', $fault: 'client', message: '', $metadata: {} })).toEqual({ code: NO_ERROR_CODE, message: 'the HTTP ? reply names no AWS error code', status: undefined });
  });

  it.each(['403', ''])('named %j (the status, or nothing): no AWS error code, with the server\'s text', (name) => {
    const err = { name, $fault: 'client', message: 'Forbidden', $metadata: { httpStatusCode: 403 }, call: 'GetCallerIdentity', endpoint: 'https://sts.example.test' };
    expect(awsErrorInfo(err)).toEqual({ code: NO_ERROR_CODE, message: 'the HTTP 403 reply to GetCallerIdentity from https://sts.example.test names no AWS error code: Forbidden', status: 403 });
  });
});

describe('AWS\'s code', () => {
  it('of an error without a name is Error', () => {
    expect(awsErrorInfo({ message: 'boom' })).toEqual({ code: 'Error', message: 'boom', status: undefined });
  });

  it('drops only the SDK\'s Exception suffix, not the word inside a code', () => {
    expect(awsErrorInfo({ name: 'ExceptionListFullException', message: 'm', $fault: 'client', $metadata: { httpStatusCode: 400 } }).code).toBe('ExceptionListFull');
  });
});

describe('Node\'s network code', () => {
  it.each([
    ['nothing thrown', undefined, undefined],
    ['null thrown', null, undefined],
    ['a DNS failure', { code: 'EAI_AGAIN' }, 'EAI_AGAIN'],
    ['an expired TLS certificate (an answer came, it is no network failure)', { code: 'CERT_HAS_EXPIRED' }, undefined],
    ['an AWS code that starts with E', { code: 'EC2ThrottledException' }, undefined],
  ])('of %s: %s', (_what, err, code) => {
    expect(networkCode(err)).toBe(code);
  });
});
