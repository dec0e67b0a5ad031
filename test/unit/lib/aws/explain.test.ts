// build-and-push's report of a failed ECR call: the call, where, AWS's answer, what the retries tried, and a fix.
import { describe, expect, it } from 'vitest';
import { explainAwsCall } from '../../../../src/lib/aws/explain.ts';
import { ECRServiceException } from '@aws-sdk/client-ecr';

/** An error shaped as the SDK throws a parsed AWS answer. */
const awsError = (name: string, message: string, status: number) =>
  new ECRServiceException({ name, message, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
/** A network failure as Node reports it. */
const networkError = (code: string, message: string) => Object.assign(new Error(message), { code });
import { OrbError } from '../../../../src/lib/errors.ts';

const WHERE = 'for webapp in ECR registry 111111111111 (eu-west-1)';
const withTried = <E extends Error>(e: E, tried: string): E => Object.assign(e, { retrySummary: tried });

describe('explainAwsCall', () => {
  it('AccessDenied: refused, with the permission to grant', () => {
    const err = explainAwsCall('DescribeRepositories', WHERE, awsError('AccessDeniedException', 'User: x is not authorized', 400)) as OrbError;
    expect(err).toBeInstanceOf(OrbError);
    expect(err.message).toBe(`DescribeRepositories ${WHERE} was refused: User: x is not authorized`);
    expect(err.hint).toMatch(/^allow ecr:DescribeRepositories to the role/);
  });

  it('a retried 503: the answer and what was tried, and to re-run or raise retry-max-seconds', () => {
    const err = explainAwsCall('BatchGetImage', WHERE, withTried(awsError('ServiceUnavailable', 'Service is unavailable', 503), 'BatchGetImage failed 4 time(s) over 1.2s; last: ServiceUnavailable (HTTP 503)')) as OrbError;
    expect(err.message).toBe(`BatchGetImage ${WHERE} failed: ServiceUnavailable (HTTP 503): Service is unavailable; BatchGetImage failed 4 time(s) over 1.2s; last: ServiceUnavailable (HTTP 503)`);
    expect(err.hint).toMatch(/retry-max-seconds/);
  });

  it('a network failure names its code', () => {
    const err = explainAwsCall('CreateRepository', WHERE, networkError('ECONNRESET', 'socket hang up')) as OrbError;
    expect(err.message).toBe(`CreateRepository ${WHERE} failed: ECONNRESET: socket hang up`);
    expect(err.hint).toMatch(/ORB_DEBUG=1/);
  });

  it('passes OrbErrors and errors that are no AWS answer through unchanged', () => {
    const orb = new OrbError('m', 'h');
    const bug = new TypeError('x is undefined');
    expect(explainAwsCall('GetCallerIdentity', 'in eu-west-1', orb)).toBe(orb);
    expect(explainAwsCall('GetCallerIdentity', 'in eu-west-1', bug)).toBe(bug);
  });
});
