// The ECR calls the steps make, through @aws-sdk/client-ecr and @aws-sdk/client-ecr-public: logins
// (GetAuthorizationToken), repositories (Describe/CreateRepository) and the digest of tags (BatchGetImage).
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
import { BatchGetImageCommand, CreateRepositoryCommand, DescribeRepositoriesCommand, GetAuthorizationTokenCommand, type Repository } from '@aws-sdk/client-ecr';
import { GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand } from '@aws-sdk/client-ecr-public';
import type { Env } from '../params.ts';
import { ecrClient, ecrPublicClient, isLoopback, type AwsKeys } from './clients.ts';
import { endpointOf, InvalidResponseError, quoted } from './errors.ts';
import { httpTimeoutMs, withDeadline } from './http-handler.ts';

/** One registry's login: the docker host, the user name and password from the token, and its expiry. */
export interface RegistryLogin { registryId: string; host: string; proxyEndpoint: string; username: string; password: string; expiresAt: Date }

/** The host docker uses for ECR Public. */
export const PUBLIC_REGISTRY_HOST = 'public.ecr.aws';
export { PUBLIC_REGISTRY_REGION } from './clients.ts';

export { InvalidResponseError } from './errors.ts';

const GET_TOKEN = 'ECR GetAuthorizationToken';

/** Sends one ECR call within the whole-call deadline. */
function within<T>(env: Env, what: string, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  return withDeadline(httpTimeoutMs(env), `ECR ${what}`, call);
}

/** Decodes the authorizationToken of the answer `out` of `call`, which must be base64 of AWS:<password> (printable ASCII without spaces); never quotes it. */
function decodeToken(call: string, out: unknown, token: string | undefined): { username: string; password: string } {
  const text = Buffer.from(token ?? '', 'base64').toString('utf8');
  if (!/^AWS:[\x21-\x7e]+$/.test(text)) throw new InvalidResponseError(call, out, 'an authorization token that is not base64 of AWS:<password>');
  return { username: 'AWS', password: text.slice(4) };
}

/** The docker host of a proxyEndpoint: its host[:port], no scheme. */
export function hostOf(proxyEndpoint: string): string {
  return new URL(proxyEndpoint).host;
}

/**
 * ECR's registry hosts in every partition: <account>.dkr.ecr[-fips].<region>.<domain>, and dual-stack
 * <account>.dkr-ecr[-fips].<region>.on.aws. https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html
 */
const REGISTRY_HOST = /^(\d{12})\.dkr[.-]ecr(?:-fips)?\.([a-z\d-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws|amazonaws\.eu|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/;

/**
 * The account of the registry that ECR's `proxyEndpoint` names, checked before a password goes there: an
 * https URL of a registry host (REGISTRY_HOST) in `region`, of an account in `accounts` (any when empty: the
 * caller's own), or '' for any loopback URL when the ECR API that answered (`api`) is on this machine too (a
 * local stand-in; `out` is the answer, which names it). Anything else is an InvalidResponseError.
 */
export function registryAccount(proxyEndpoint: string, region: string, accounts: readonly string[], out: unknown): string {
  const api = endpointOf(out);
  let url: URL | undefined;
  try {
    url = new URL(proxyEndpoint);
  } catch { /* not a URL: refused below */ }
  const m = REGISTRY_HOST.exec(url?.hostname ?? '');
  if (url?.protocol === 'https:' && m && m[2] === region && (accounts.length === 0 || accounts.includes(m[1]!))) return m[1]!;
  if (url && /^https?:$/.test(url.protocol) && isLoopback(url.hostname) && api && isLoopback(new URL(api).hostname)) return '';
  throw new InvalidResponseError(GET_TOKEN, out, `proxyEndpoint ${quoted(proxyEndpoint)}, which is no ECR registry of ${accounts.length ? `account ${accounts.join(', ')}` : 'the caller'} in ${region}`);
}

/** One GetAuthorizationToken call for every registry id (empty: the caller's own); each login checked by registryAccount and decodeToken. */
export async function getAuthorizationTokens(keys: AwsKeys, region: string, registryIds: readonly string[], env: Env, now: () => number = Date.now): Promise<RegistryLogin[]> {
  const out = await within(env, 'GetAuthorizationToken', (abortSignal) => ecrClient(region, keys, env, now).send(
    new GetAuthorizationTokenCommand(registryIds.length ? { registryIds: [...registryIds] } : {}), { abortSignal }));
  const data = out.authorizationData ?? [];
  if (data.length === 0) throw new InvalidResponseError(GET_TOKEN, out, 'no authorization data');
  return data.map((d, i) => {
    if (!d.proxyEndpoint || !d.expiresAt) throw new InvalidResponseError(GET_TOKEN, out, 'authorization data without proxyEndpoint or expiresAt');
    // A local registry's host names no account: it is the one asked for at that place.
    const registryId = registryAccount(d.proxyEndpoint, region, registryIds, out) || (registryIds[i] ?? '');
    return { registryId, host: hostOf(d.proxyEndpoint), proxyEndpoint: d.proxyEndpoint, ...decodeToken(GET_TOKEN, out, d.authorizationToken), expiresAt: d.expiresAt };
  });
}

/** GetAuthorizationToken of ECR Public (us-east-1), for public.ecr.aws. */
export async function getPublicAuthorizationToken(keys: AwsKeys, env: Env, now: () => number = Date.now): Promise<RegistryLogin> {
  const out = await within(env, 'Public GetAuthorizationToken', (abortSignal) => ecrPublicClient(keys, env, now).send(new GetPublicAuthorizationTokenCommand({}), { abortSignal }));
  const d = out.authorizationData;
  const call = 'ECR Public GetAuthorizationToken';
  if (!d?.expiresAt) throw new InvalidResponseError(call, out, 'no authorization data');
  return { registryId: 'public', host: PUBLIC_REGISTRY_HOST, proxyEndpoint: `https://${PUBLIC_REGISTRY_HOST}`, ...decodeToken(call, out, d.authorizationToken), expiresAt: d.expiresAt };
}

/** A repository as ECR describes it (the fields the steps use). */
export interface RepositoryInfo { registryId: string; repositoryName: string; repositoryUri: string; imageTagMutability: string; scanOnPush: boolean; encryptionType: string }

function repositoryInfo(call: string, out: unknown, r: Repository | undefined): RepositoryInfo {
  if (!r?.repositoryUri) throw new InvalidResponseError(call, out, 'a repository without its URI');
  return {
    registryId: r.registryId ?? '', repositoryName: r.repositoryName ?? '', repositoryUri: r.repositoryUri,
    imageTagMutability: r.imageTagMutability ?? 'MUTABLE', scanOnPush: Boolean(r.imageScanningConfiguration?.scanOnPush),
    encryptionType: r.encryptionConfiguration?.encryptionType ?? 'AES256',
  };
}

/** DescribeRepositories for one name; undefined when ECR says RepositoryNotFoundException. */
export async function describeRepository(keys: AwsKeys, region: string, registryId: string, name: string, env: Env): Promise<RepositoryInfo | undefined> {
  try {
    const out = await within(env, 'DescribeRepositories', (abortSignal) => ecrClient(region, keys, env).send(
      new DescribeRepositoriesCommand({ registryId, repositoryNames: [name] }), { abortSignal }));
    const r = out.repositories?.[0];
    return r ? repositoryInfo('ECR DescribeRepositories', out, r) : undefined;
  } catch (err) {
    if ((err as { name?: string }).name === 'RepositoryNotFoundException') return undefined;
    throw err;
  }
}

/** The settings CreateRepository takes here. */
export interface NewRepository { scanOnPush: boolean; tagMutability: string; encryptionType: string; kmsKey: string }

/** CreateRepository with the given settings; the repository as ECR describes it. */
export async function createRepository(keys: AwsKeys, region: string, registryId: string, name: string, s: NewRepository, env: Env): Promise<RepositoryInfo> {
  const out = await within(env, 'CreateRepository', (abortSignal) => ecrClient(region, keys, env).send(new CreateRepositoryCommand({
    registryId, repositoryName: name, imageTagMutability: s.tagMutability as 'MUTABLE', imageScanningConfiguration: { scanOnPush: s.scanOnPush },
    encryptionConfiguration: { encryptionType: s.encryptionType as 'AES256', ...(s.kmsKey ? { kmsKey: s.kmsKey } : {}) },
  }), { abortSignal }));
  return repositoryInfo('ECR CreateRepository', out, out.repository);
}

/** The manifest media types the steps read back: docker v2 and OCI, single images and lists. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json',
];

/** The digest each tag points at; a tag ECR does not have is missing from the map (one call for all tags). */
export async function tagDigests(keys: AwsKeys, region: string, registryId: string, name: string, tags: readonly string[], env: Env): Promise<Map<string, string>> {
  // DescribeImages fails as a whole on one unknown tag, so BatchGetImage, which lists failures per tag.
  const out = await within(env, 'BatchGetImage', (abortSignal) => ecrClient(region, keys, env).send(new BatchGetImageCommand({
    registryId, repositoryName: name, imageIds: tags.map((imageTag) => ({ imageTag })), acceptedMediaTypes: MANIFEST_MEDIA_TYPES,
  }), { abortSignal }));
  const found = new Map<string, string>();
  for (const img of out.images ?? []) {
    if (img.imageId?.imageTag && img.imageId.imageDigest) found.set(img.imageId.imageTag, img.imageId.imageDigest);
  }
  return found;
}
