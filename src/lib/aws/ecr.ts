// ECR's GetAuthorizationToken (private and Public) and STS GetCallerIdentity, as plain signed calls:
// two small JSON/query APIs do not need an SDK client in every inlined step.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
import type { Env } from '../params.ts';
import { stsTarget } from '../proxy.ts';
import { AwsCallError, sendSigned, type AwsReply } from './http.ts';
import type { SigningKeys } from './sigv4.ts';

/** One registry's login: the docker host, the user name and password from the token, and its expiry. */
export interface RegistryLogin { registryId: string; host: string; proxyEndpoint: string; username: string; password: string; expiresAt: Date }

/** The host docker uses for ECR Public. */
export const PUBLIC_REGISTRY_HOST = 'public.ecr.aws';
/** ECR Public's API lives in us-east-1 only. */
export const PUBLIC_REGISTRY_REGION = 'us-east-1';

const dnsSuffix = (region: string) => (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');

/** The ECR API endpoint: AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL, else the region's. */
export function ecrEndpoint(region: string, env: Env): string {
  return env.AWS_ENDPOINT_URL_ECR || env.AWS_ENDPOINT_URL || `https://api.ecr.${region}.${dnsSuffix(region)}`;
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

/** One GetAuthorizationToken call for every registry id (empty: the caller's own registry). */
export async function getAuthorizationTokens(keys: SigningKeys, region: string, registryIds: readonly string[], env: Env, now = Date.now()): Promise<RegistryLogin[]> {
  const reply = await sendSigned({
    endpoint: ecrEndpoint(region, env), service: 'ecr', region, keys, env, now,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' },
    body: JSON.stringify(registryIds.length ? { registryIds } : {}),
  });
  const data = jsonReply(reply).authorizationData;
  if (!Array.isArray(data) || data.length === 0) throw new AwsCallError('InvalidResponse', 'ECR returned no authorization data', reply.status);
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

const xmlField = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** STS GetCallerIdentity over the query protocol: who these keys are. */
export async function callerIdentity(keys: SigningKeys, region: string, env: Env, now = Date.now()): Promise<{ arn: string; account: string }> {
  const reply = await sendSigned({
    endpoint: stsTarget(region, '', env), service: 'sts', region, keys, env, now,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
  });
  if (reply.status >= 300) {
    throw new AwsCallError(xmlField(reply.body, 'Code') ?? 'UnknownError', xmlField(reply.body, 'Message') ?? `HTTP ${reply.status}`, reply.status);
  }
  const arn = xmlField(reply.body, 'Arn');
  const account = xmlField(reply.body, 'Account');
  if (!arn || !account) throw new AwsCallError('InvalidResponse', 'STS answered GetCallerIdentity without an Arn and Account', reply.status);
  return { arn, account };
}
