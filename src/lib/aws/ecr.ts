// The ECR calls the steps make, through @aws-sdk/client-ecr and @aws-sdk/client-ecr-public: logins
// (GetAuthorizationToken), repositories (Describe/CreateRepository) and the digest of tags (BatchGetImage).
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
import { BatchGetImageCommand, CreateRepositoryCommand, DescribeRepositoriesCommand, GetAuthorizationTokenCommand, type Repository } from '@aws-sdk/client-ecr';
import { GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand } from '@aws-sdk/client-ecr-public';
import type { Env } from '../params.ts';
import { ecrClient, ecrPublicClient, type AwsKeys } from './clients.ts';
import { httpTimeoutMs, withDeadline } from './http-handler.ts';

/** One registry's login: the docker host, the user name and password from the token, and its expiry. */
export interface RegistryLogin { registryId: string; host: string; proxyEndpoint: string; username: string; password: string; expiresAt: Date }

/** The host docker uses for ECR Public. */
export const PUBLIC_REGISTRY_HOST = 'public.ecr.aws';
export { PUBLIC_REGISTRY_REGION } from './clients.ts';

/** An answer that is not what the API documents (the SDK parsed it, but a field we need is missing). */
export class InvalidResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidResponse';
  }
}

/** Sends one ECR call within the whole-call deadline. */
function within<T>(env: Env, what: string, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  return withDeadline(httpTimeoutMs(env), `ECR ${what}`, call);
}

/** Decodes one authorizationToken (base64 of user:password). */
function decodeToken(token: string | undefined): { username: string; password: string } {
  const text = Buffer.from(token ?? '', 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 1) throw new InvalidResponseError('ECR returned an authorization token that is not user:password');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The docker host of a proxyEndpoint: its host[:port], no scheme. */
export function hostOf(proxyEndpoint: string): string {
  return new URL(proxyEndpoint).host;
}

/** One GetAuthorizationToken call for every registry id (empty: the caller's own registry). */
export async function getAuthorizationTokens(keys: AwsKeys, region: string, registryIds: readonly string[], env: Env, now: () => number = Date.now): Promise<RegistryLogin[]> {
  const out = await within(env, 'GetAuthorizationToken', (abortSignal) => ecrClient(region, keys, env, now).send(
    new GetAuthorizationTokenCommand(registryIds.length ? { registryIds: [...registryIds] } : {}), { abortSignal }));
  const data = out.authorizationData ?? [];
  if (data.length === 0) throw new InvalidResponseError('ECR returned no authorization data');
  return data.map((d, i) => {
    if (!d.proxyEndpoint || !d.expiresAt) throw new InvalidResponseError('ECR returned authorization data without proxyEndpoint or expiresAt');
    const host = hostOf(d.proxyEndpoint);
    // The registry id is the host's first label on AWS; a local registry's host has none, so fall back to the order asked.
    const registryId = /^(\d{12})\.dkr\./.exec(host)?.[1] ?? registryIds[i] ?? '';
    return { registryId, host, proxyEndpoint: d.proxyEndpoint, ...decodeToken(d.authorizationToken), expiresAt: d.expiresAt };
  });
}

/** GetAuthorizationToken of ECR Public (us-east-1), for public.ecr.aws. */
export async function getPublicAuthorizationToken(keys: AwsKeys, env: Env, now: () => number = Date.now): Promise<RegistryLogin> {
  const out = await within(env, 'Public GetAuthorizationToken', (abortSignal) => ecrPublicClient(keys, env, now).send(new GetPublicAuthorizationTokenCommand({}), { abortSignal }));
  const d = out.authorizationData;
  if (!d?.expiresAt) throw new InvalidResponseError('ECR Public returned no authorization data');
  return { registryId: 'public', host: PUBLIC_REGISTRY_HOST, proxyEndpoint: `https://${PUBLIC_REGISTRY_HOST}`, ...decodeToken(d.authorizationToken), expiresAt: d.expiresAt };
}

/** A repository as ECR describes it (the fields the steps use). */
export interface RepositoryInfo { registryId: string; repositoryName: string; repositoryUri: string; imageTagMutability: string; scanOnPush: boolean; encryptionType: string }

function repositoryInfo(r: Repository | undefined): RepositoryInfo {
  if (!r?.repositoryUri) throw new InvalidResponseError('ECR described a repository without its URI');
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
    return r ? repositoryInfo(r) : undefined;
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
  return repositoryInfo(out.repository);
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
