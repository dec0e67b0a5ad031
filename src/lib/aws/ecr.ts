// ECR's GetAuthorizationToken (private and Public) and STS GetCallerIdentity, as plain signed calls:
// two small JSON/query APIs do not need an SDK client in every inlined step.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
import type { Env } from '../params.ts';
import { awsDnsSuffix, stsTarget } from '../proxy.ts';
import { AwsCallError, sendSigned, type AwsReply } from './http.ts';
import { callerIdentityBody, callerIdentityOf, FORM_CONTENT_TYPE, stsReply } from './sts-query.ts';
import type { SigningKeys } from './sigv4.ts';

/** One registry's login: the docker host, the user name and password from the token, and its expiry. */
export interface RegistryLogin { registryId: string; host: string; proxyEndpoint: string; username: string; password: string; expiresAt: Date }

/** The host docker uses for ECR Public. */
export const PUBLIC_REGISTRY_HOST = 'public.ecr.aws';
/** ECR Public's API lives in us-east-1 only. */
export const PUBLIC_REGISTRY_REGION = 'us-east-1';


/** The ECR API endpoint: AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL, else the region's. */
export function ecrEndpoint(region: string, env: Env): string {
  return env.AWS_ENDPOINT_URL_ECR || env.AWS_ENDPOINT_URL || `https://api.ecr.${region}.${awsDnsSuffix(region)}`;
}

/** The ECR Public API endpoint: AWS_ENDPOINT_URL_ECR_PUBLIC, AWS_ENDPOINT_URL, else us-east-1's. */
export function ecrPublicEndpoint(env: Env): string {
  return env.AWS_ENDPOINT_URL_ECR_PUBLIC || env.AWS_ENDPOINT_URL || `https://api.ecr-public.${PUBLIC_REGISTRY_REGION}.amazonaws.com`;
}

/** Throws the AWS error of a JSON-protocol reply (X-Amzn-ErrorType or __type, and message). */
function jsonReply(reply: AwsReply): Record<string, unknown> {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(reply.body || '{}') as Record<string, unknown>;
  } catch {
    if (reply.status < 300) throw new AwsCallError('InvalidResponse', 'ECR answered with something that is not JSON', reply.status);
  }
  if (reply.status >= 300) {
    const type = String(body.__type ?? 'UnknownError');
    const code = type.slice(type.lastIndexOf('#') + 1).split(':')[0] || 'UnknownError';
    const message = String(body.message ?? body.Message ?? `HTTP ${reply.status}`);
    throw new AwsCallError(code, message, reply.status);
  }
  return body;
}

/** Decodes one authorizationToken (base64 of user:password). */
function decodeToken(token: unknown): { username: string; password: string } {
  const text = Buffer.from(String(token ?? ''), 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 1) throw new AwsCallError('InvalidResponse', 'ECR returned an authorization token that is not user:password', 200);
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The docker host of a proxyEndpoint: its host[:port], no scheme. */
export function hostOf(proxyEndpoint: string): string {
  return new URL(proxyEndpoint).host;
}

/** One call of the private ECR API: `action` with a JSON body; the parsed answer, or the AWS error thrown. */
export async function ecrCall(keys: SigningKeys, region: string, action: string, body: object, env: Env, now = Date.now()): Promise<Record<string, unknown>> {
  const reply = await sendSigned({
    endpoint: ecrEndpoint(region, env), service: 'ecr', region, keys, env, now,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${action}` },
    body: JSON.stringify(body),
  });
  return jsonReply(reply);
}

/** One GetAuthorizationToken call for every registry id (empty: the caller's own registry). */
export async function getAuthorizationTokens(keys: SigningKeys, region: string, registryIds: readonly string[], env: Env, now = Date.now()): Promise<RegistryLogin[]> {
  const data = (await ecrCall(keys, region, 'GetAuthorizationToken', registryIds.length ? { registryIds } : {}, env, now)).authorizationData;
  if (!Array.isArray(data) || data.length === 0) throw new AwsCallError('InvalidResponse', 'ECR returned no authorization data', 200);
  return (data as Record<string, unknown>[]).map((d) => {
    const proxyEndpoint = String(d.proxyEndpoint ?? '');
    const host = hostOf(proxyEndpoint);
    // The registry id is the host's first label on AWS; a local registry's host has none, so fall back to the order asked.
    const registryId = /^(\d{12})\.dkr\./.exec(host)?.[1] ?? registryIds[(data as unknown[]).indexOf(d)] ?? '';
    return { registryId, host, proxyEndpoint, ...decodeToken(d.authorizationToken), expiresAt: new Date(Number(d.expiresAt) * 1000) };
  });
}

/** GetAuthorizationToken of ECR Public (us-east-1), for public.ecr.aws. */
export async function getPublicAuthorizationToken(keys: SigningKeys, env: Env, now = Date.now()): Promise<RegistryLogin> {
  const reply = await sendSigned({
    endpoint: ecrPublicEndpoint(env), service: 'ecr-public', region: PUBLIC_REGISTRY_REGION, keys, env, now,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SpencerFrontendService.GetAuthorizationToken' },
    body: '{}',
  });
  const d = jsonReply(reply).authorizationData as Record<string, unknown> | undefined;
  if (!d) throw new AwsCallError('InvalidResponse', 'ECR Public returned no authorization data', reply.status);
  return { registryId: 'public', host: PUBLIC_REGISTRY_HOST, proxyEndpoint: `https://${PUBLIC_REGISTRY_HOST}`, ...decodeToken(d.authorizationToken),
    expiresAt: new Date(Number(d.expiresAt) * 1000) };
}

/** STS GetCallerIdentity over the query protocol: who these keys are. */
export async function callerIdentity(keys: SigningKeys, region: string, env: Env, now = Date.now()): Promise<{ arn: string; account: string }> {
  const reply = await sendSigned({
    endpoint: stsTarget(region, '', env), service: 'sts', region, keys, env, now,
    headers: { 'content-type': FORM_CONTENT_TYPE }, body: callerIdentityBody(),
  });
  const { arn, account } = callerIdentityOf(stsReply('GetCallerIdentity', reply));
  return { arn, account };
}

/** A repository as ECR describes it (the fields the steps use). */
export interface RepositoryInfo { registryId: string; repositoryName: string; repositoryUri: string; imageTagMutability: string; scanOnPush: boolean; encryptionType: string }

function repositoryInfo(r: Record<string, unknown>): RepositoryInfo {
  return {
    registryId: String(r.registryId ?? ''), repositoryName: String(r.repositoryName ?? ''), repositoryUri: String(r.repositoryUri ?? ''),
    imageTagMutability: String(r.imageTagMutability ?? 'MUTABLE'),
    scanOnPush: Boolean((r.imageScanningConfiguration as { scanOnPush?: boolean } | undefined)?.scanOnPush),
    encryptionType: String((r.encryptionConfiguration as { encryptionType?: string } | undefined)?.encryptionType ?? 'AES256'),
  };
}

/** DescribeRepositories for one name; undefined when ECR says RepositoryNotFoundException. */
export async function describeRepository(keys: SigningKeys, region: string, registryId: string, name: string, env: Env): Promise<RepositoryInfo | undefined> {
  try {
    const out = await ecrCall(keys, region, 'DescribeRepositories', { registryId, repositoryNames: [name] }, env);
    const r = (out.repositories as Record<string, unknown>[] | undefined)?.[0];
    return r ? repositoryInfo(r) : undefined;
  } catch (err) {
    if ((err as { Code?: string }).Code === 'RepositoryNotFoundException') return undefined;
    throw err;
  }
}

/** The settings CreateRepository takes here. */
export interface NewRepository { scanOnPush: boolean; tagMutability: string; encryptionType: string; kmsKey: string }

export async function createRepository(keys: SigningKeys, region: string, registryId: string, name: string, s: NewRepository, env: Env): Promise<RepositoryInfo> {
  const out = await ecrCall(keys, region, 'CreateRepository', {
    registryId, repositoryName: name, imageTagMutability: s.tagMutability, imageScanningConfiguration: { scanOnPush: s.scanOnPush },
    encryptionConfiguration: { encryptionType: s.encryptionType, ...(s.kmsKey ? { kmsKey: s.kmsKey } : {}) },
  }, env);
  return repositoryInfo(out.repository as Record<string, unknown>);
}

/** The digest each tag points at; a tag ECR does not have is missing from the map (one call for all tags). */
export async function tagDigests(keys: SigningKeys, region: string, registryId: string, name: string, tags: readonly string[], env: Env): Promise<Map<string, string>> {
  // DescribeImages fails as a whole on one unknown tag, so BatchGetImage, which lists failures per tag.
  const out = await ecrCall(keys, region, 'BatchGetImage', {
    registryId, repositoryName: name, imageIds: tags.map((imageTag) => ({ imageTag })),
    acceptedMediaTypes: [
      'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json',
    ],
  }, env);
  const found = new Map<string, string>();
  for (const img of (out.images as { imageId?: { imageTag?: string; imageDigest?: string } }[] | undefined) ?? []) {
    if (img.imageId?.imageTag && img.imageId.imageDigest) found.set(img.imageId.imageTag, img.imageId.imageDigest);
  }
  return found;
}
