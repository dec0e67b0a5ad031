// The one model of an AWS failure the steps act on: the error code (AWS's own, as the SDK parsed it),
// the message, the HTTP status, and for failures that never reached AWS, Node's network error code.
// Every message that describes an AWS failure reads it through awsErrorInfo, so what a server sent is
// always quoted on one line and cut short, and a reply the SDK could not read has a name of its own.
import { OrbError } from '../errors.ts';
import { processSecrets } from '../log.ts';

/** An AWS error as the SDK shapes it: AWS's code (without the SDK's Exception suffix), message and HTTP status. */
export interface AwsErrorInfo { code: string; message: string; status: number | undefined }

/** The code of a reply the orb cannot use although the server answered: unreadable (not XML/JSON, nested too deep, over MAX_REPLY_BYTES) or without what the call must return. */
export const INVALID_RESPONSE = 'InvalidResponse';

/** The code of an error reply that names no AWS error code (the SDK's "Unknown"/"UnknownError"): often a proxy or something else than AWS answering. */
export const NO_ERROR_CODE = 'NoErrorCode';

/** The most characters of a server's text that a message quotes. */
export const MAX_QUOTED_CHARS = 300;

/** The fix for a reply AWS would not send (INVALID_RESPONSE, NO_ERROR_CODE): something else answers at the endpoint. */
export const NOT_AWS_HINT = 'the endpoint does not answer as AWS does: check AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, sts-endpoint and HTTPS_PROXY/NO_PROXY';

/** The endpoint a call went to (scheme://host[:port]), set by the client's middleware (clients.ts) on its error, or (not enumerable) on its output. */
export function endpointOf(errOrOutput: unknown): string | undefined {
  return (errOrOutput as { endpoint?: string } | undefined)?.endpoint;
}

/**
 * A 200 reply the SDK read but the orb cannot use (a field missing or malformed): an OrbError, so every step
 * prints it as it is, "<call> at <endpoint> answered <problem>" (the endpoint from the SDK output `out`), with
 * NOT_AWS_HINT. `problem` never holds a secret. awsErrorInfo reads it as INVALID_RESPONSE, HTTP 200 (never retried).
 */
export class InvalidResponseError extends OrbError {
  readonly $metadata = { httpStatusCode: 200 };
  constructor(call: string, out: unknown, problem: string) {
    const at = endpointOf(out);
    super(`${call}${at ? ` at ${at}` : ''} answered ${problem}`, NOT_AWS_HINT);
    this.name = INVALID_RESPONSE;
  }
}

/** `value` from a server as a message quotes a short field: JSON-quoted serverText, at most 100 characters. */
export const quoted = (value: string): string => JSON.stringify(serverText(value).slice(0, 100));

/**
 * Text a server sent, as a message quotes it: on one line (control, bidi and line-break characters and runs
 * of white space as one space), at most MAX_QUOTED_CHARS characters, cut at a space when there is one, then
 * "...". The process's secrets (src/lib/log.ts) are masked before the cut, so a cut never leaves a piece of
 * one too short for the log to recognise (a server may echo a token back).
 */
export function serverText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = processSecrets.redact(text).replace(/[\s\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  if (line.length <= MAX_QUOTED_CHARS) return line;
  const space = line.lastIndexOf(' ', MAX_QUOTED_CHARS);
  return `${line.slice(0, space > 0 ? space : MAX_QUOTED_CHARS)}...`;
}

/** The line the SDK adds to an error it threw while reading a reply (its deserializer middleware). */
const SDK_HINT = /\s*Deserialization error: to see the raw response.*$/s;

type SdkError = { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $fault?: string; endpoint?: string; call?: string };

/** "the HTTP <status> reply to <call> from <endpoint>", with what is known (call and endpoint: clients.ts sets them on errors). */
const replyOf = (e: SdkError, status: number | undefined): string =>
  `the HTTP ${status ?? '?'} reply${e.call ? ` to ${e.call}` : ''}${e.endpoint ? ` from ${e.endpoint}` : ''}`;

/**
 * Reads the code, message and status off an SDK error (or a network error, whose status is undefined).
 * The message is serverText (one line, cut). A reply the SDK could not read (it sets a hidden $response
 * on such errors, and no $fault; a connection lost mid-reply keeps its network code) is INVALID_RESPONSE, "the HTTP <status> reply to <call> from <endpoint>
 * could not be read: <why>"; an error reply without a code is NO_ERROR_CODE, so no message reads "Unknown: Unknown".
 */
export function awsErrorInfo(err: unknown): AwsErrorInfo {
  const e = (err !== null && typeof err === 'object' ? err : {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const text = serverText(String(e.message ?? err).replace(SDK_HINT, ''));
  if ('$response' in e && !e.$fault && networkCode(err) === undefined) {
    // A parser that ran out of stack (XML nested thousands deep) says only "Maximum call stack size exceeded".
    return { code: INVALID_RESPONSE, message: `${replyOf(e, status)} could not be read: ${e.name === 'RangeError' ? 'it is nested too deep' : text}`, status };
  }
  // The SDK names modeled errors after their shape (InvalidIdentityTokenException); AWS's code drops the
  // suffix, except for ExpiredTokenException, whose code has it.
  const name = serverText(e.name ?? 'Error');
  if (e.$fault && /^(Unknown(Error)?|\d*)$/.test(name)) {
    return { code: NO_ERROR_CODE, message: `${replyOf(e, status)} names no AWS error code${/^(Unknown(Error)?)?$/.test(text) ? '' : `: ${text}`}`, status };
  }
  return { code: name === 'ExpiredTokenException' ? name : name.replace(/Exception$/, ''), message: text, status };
}

/** Node's code of a failure that never got an answer (ECONNREFUSED, ETIMEDOUT, ENOTFOUND...), else undefined. */
export function networkCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) ? code : undefined;
}

/**
 * Failures that never reached an answer and may pass, so they are retried: Node's codes (a DNS lookup that
 * failed, ENOTFOUND or EAI_AGAIN, among them: resolvers fail for a while too), and the SDK's and AWS's names for a timeout.
 */
export const TRANSIENT_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout']);

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
  // The orb's own codes: the endpoint answered, but not as AWS does.
  notAws: [INVALID_RESPONSE, NO_ERROR_CODE],
} as const;

/** A kind of AWS failure. */
export type FailureKind = keyof typeof CODES;

/** Which kind of failure `err` is, from AWS's code alone (never the message), or undefined. */
export function failureKind(err: unknown): FailureKind | undefined {
  const { code } = awsErrorInfo(err);
  return (Object.keys(CODES) as FailureKind[]).find((kind) => (CODES[kind] as readonly string[]).includes(code));
}
