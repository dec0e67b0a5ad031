// The one model of an AWS failure the steps act on: the error code (AWS's own, as the SDK parsed it),
// the message, the HTTP status, and for failures that never reached AWS, Node's network error code.

/** An AWS error as the SDK shapes it: AWS's code (without the SDK's Exception suffix), message and HTTP status. */
export interface AwsErrorInfo { code: string; message: string; status: number | undefined }

/** Reads the code, message and status off an SDK error (or a network error, whose status is undefined). */
export function awsErrorInfo(err: unknown): AwsErrorInfo {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  // The SDK names modeled errors after their shape (InvalidIdentityTokenException); AWS's code drops the
  // suffix, except for ExpiredTokenException, whose code has it.
  const name = e.name ?? 'Error';
  const code = name === 'ExpiredTokenException' ? name : name.replace(/Exception$/, '');
  return { code, message: e.message ?? String(err), status: e.$metadata?.httpStatusCode };
}

/** Node's code of a failure that never got an answer (ECONNREFUSED, ETIMEDOUT, ...), else undefined. */
export function networkCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) ? code : undefined;
}

/**
 * AWS's codes (as awsErrorInfo gives them) for each kind of failure the steps act on: one list, so the
 * retries and every message read an error the same way. Sources: the Common Errors of the STS and ECR
 * API references (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html).
 */
const CODES = {
  accessDenied: ['AccessDenied'],
  expired: ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired'],
  badKeys: ['InvalidClientTokenId', 'UnrecognizedClient', 'InvalidSignature', 'SignatureDoesNotMatch', 'IncompleteSignature', 'MissingAuthenticationToken'],
  badRequest: ['InvalidParameter', 'InvalidParameterValue', 'RegistryNotFound', 'ValidationError'],
  throttled: ['Throttling', 'RequestLimitExceeded', 'TooManyRequests', 'RequestThrottled', 'SlowDown'],
} as const;

/** A kind of AWS failure. */
export type FailureKind = keyof typeof CODES;

/** Which kind of failure `err` is, from AWS's code alone (never the message), or undefined. */
export function failureKind(err: unknown): FailureKind | undefined {
  const { code } = awsErrorInfo(err);
  return (Object.keys(CODES) as FailureKind[]).find((kind) => (CODES[kind] as readonly string[]).includes(code));
}
