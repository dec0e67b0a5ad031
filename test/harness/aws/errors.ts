// AWS error values shared by every local service; each service renders them in its own wire shape.

/** An error the local AWS answers with: AWS's code, message, HTTP status and fault side. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

// Message texts below follow what STS returns in practice (seen in SDK and CLI error reports), so that
// code matching on them behaves as it would against AWS.

/** STS and IAM refusals the local AWS produces, one factory per AWS error code. */
export const awsErrors = {
  validation: (message: string) => new AwsError('ValidationError', message, 400),
  invalidIdentityToken: (message: string) => new AwsError('InvalidIdentityToken', message, 400),
  expiredWebToken: (nowSec: number, expSec: number) =>
    new AwsError(
      'ExpiredTokenException',
      `Token expired: current date/time ${nowSec} must be before the expiration date/time ${expSec}`,
      400,
    ),
  idpCommunication: () =>
    new AwsError(
      'IDPCommunicationError',
      "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
      400,
    ),
  accessDenied: (message: string) => new AwsError('AccessDenied', message, 403),
  signatureDoesNotMatch: (message?: string) =>
    new AwsError(
      'SignatureDoesNotMatch',
      message ??
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      403,
    ),
  incompleteSignature: (message: string) => new AwsError('IncompleteSignature', message, 400),
  invalidClientTokenId: () =>
    new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
  expiredSessionToken: () =>
    new AwsError('ExpiredToken', 'The security token included in the request is expired', 403),
  missingAuthenticationToken: () =>
    new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
  malformedPolicy: (message: string) => new AwsError('MalformedPolicyDocument', message, 400),
  throttling: () => new AwsError('Throttling', 'Rate exceeded', 400),
  internalFailure: () =>
    new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500, 'Receiver'),
  serviceUnavailable: () =>
    new AwsError('ServiceUnavailable', 'Service is unavailable. Please try again later.', 503, 'Receiver'),
};

/** Collects member constraint failures and throws them as one ValidationError, worded like AWS. */
export class ValidationErrors {
  private readonly problems: string[] = [];

  /** Records that `value` at member `field` broke `constraint` (AWS prints null when absent). */
  add(field: string, value: string | undefined, constraint: string): void {
    const shown = value === undefined ? 'null' : `'${value}'`;
    this.problems.push(`Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`);
  }

  /** Throws the collected problems, if any, in AWS's "N validation error(s) detected" form. */
  throwIfAny(): void {
    const n = this.problems.length;
    if (n === 0) return;
    const head = `${n} validation error${n === 1 ? '' : 's'} detected: `;
    throw awsErrors.validation(head + this.problems.join('; '));
  }
}
