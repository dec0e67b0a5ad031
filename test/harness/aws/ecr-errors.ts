// ECR's refusals and their JSON 1.1 wire shape: {"__type": code, "message": text}.
import { AwsError } from './errors.ts';
import type { HttpReply } from './server.ts';

/** The content type of every ECR request and response. */
export const ECR_JSON = 'application/x-amz-json-1.1';

/** ECR refusals, one factory per AWS error code; texts follow what ECR returns in practice. */
export const ecrErrors = {
  unknownOperation: () => new AwsError('UnknownOperationException', 'The action or operation requested is invalid. Verify that the action is typed correctly.', 400),
  serialization: (message: string) => new AwsError('SerializationException', message, 400),
  invalidParameter: (field: string, constraint: string) =>
    new AwsError('InvalidParameterException', `Invalid parameter at '${field}' failed to satisfy constraint: '${constraint}'`, 400),
  accessDenied: (arn: string, action: string, resource: string) =>
    new AwsError('AccessDeniedException', `User: ${arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`, 400),
  repositoryNotFound: (name: string, registry: string) =>
    new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${registry}'`, 400),
  imageNotFound: (id: { imageTag?: string; imageDigest?: string }, name: string, registry: string) =>
    new AwsError('ImageNotFoundException', `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${name}' in the registry with id '${registry}'`, 400),
  repositoryExists: (name: string, registry: string) =>
    new AwsError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${registry}'`, 400),
};

// The shared SigV4 verifier throws the query-protocol codes; JSON services name the same refusals differently.
const JSON_CODES: Record<string, string> = {
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  ExpiredToken: 'ExpiredTokenException',
  IncompleteSignature: 'IncompleteSignatureException',
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  Throttling: 'ThrottlingException',
  InternalFailure: 'ServerException',
  ServiceUnavailable: 'ServiceUnavailableException',
};

// ECR's front end answers authentication refusals with 400, not STS's 403: SDK reports show
// "400 Bad Request" with UnrecognizedClientException (aws/aws-sdk-php#1114) and "Status Code: 400" with
// MissingAuthenticationTokenException (jenkinsci/aws-credentials-plugin#270).
const AUTH_CODES = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'IncompleteSignatureException', 'MissingAuthenticationTokenException']);
const JSON_MESSAGES: Record<string, string> = { MissingAuthenticationTokenException: 'Missing Authentication Token' };

/** Renames a shared (query-protocol) error to its JSON-protocol code and ECR's status and wording. */
export function toJsonError(err: AwsError): AwsError {
  const code = JSON_CODES[err.code];
  if (code === undefined) return err;
  return new AwsError(code, JSON_MESSAGES[code] ?? err.message, AUTH_CODES.has(code) ? 400 : err.status, err.type);
}

/** Renders an error as ECR sends it. */
export function ecrErrorReply(err: AwsError): HttpReply {
  const e = toJsonError(err);
  return { status: e.status, contentType: ECR_JSON, body: JSON.stringify({ __type: e.code, message: e.message }) };
}
