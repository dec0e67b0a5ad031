// explainAwsCall at its edges: an answer the orb already explained, and a reply that is not AWS's without retries.
import { ECRServiceException } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { explainAwsCall } from '../../../../src/lib/aws/explain.ts';
import { InvalidResponseError, NOT_AWS_HINT } from '../../../../src/lib/aws/errors.ts';
import { OrbError } from '../../../../src/lib/errors.ts';

const WHERE = 'for webapp in ECR registry 111111111111 (eu-west-1)';

describe('explainAwsCall', () => {
  it('passes an unusable 200 answer (already an OrbError with its fix) through unchanged', () => {
    const invalid = new InvalidResponseError('ECR DescribeImages', { endpoint: 'https://api.ecr.eu-west-1.amazonaws.com' }, 'no imageDetails');
    expect(explainAwsCall('DescribeImages', WHERE, invalid)).toBe(invalid);
  });

  it('an error reply without an AWS code, not retried: the endpoint may not be AWS, check the endpoint settings', () => {
    const noCode = new ECRServiceException({ name: 'UnknownError', message: 'UnknownError', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    const err = explainAwsCall('GetAuthorizationToken', WHERE, noCode) as OrbError;
    expect(err).toBeInstanceOf(OrbError);
    expect(err.message).toBe(`GetAuthorizationToken ${WHERE} failed: NoErrorCode (HTTP 403): the HTTP 403 reply names no AWS error code`);
    expect(err.hint).toBe(NOT_AWS_HINT);
  });
});
