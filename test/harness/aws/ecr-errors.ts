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

/** Renames a shared (query-protocol) error to its JSON-protocol code, keeping message and status. */
export function toJsonError(err: AwsError): AwsError {
  const code = JSON_CODES[err.code];
  return code === undefined ? err : new AwsError(code, err.message, err.status, err.type);
}

/** Renders an error as ECR sends it. */
export function ecrErrorReply(err: AwsError): HttpReply {
  const e = toJsonError(err);
  return { status: e.status, contentType: ECR_JSON, body: JSON.stringify({ __type: e.code, message: e.message }) };
}
