// ECR over AWS JSON 1.1: GetAuthorizationToken, CreateRepository, DescribeRepositories, DescribeImages and
// BatchGetImage, SigV4-verified; and ECR Public's GetAuthorizationToken. Images come from a pluggable source
// (the local registry), not from this state.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/Welcome.html
import { awsErrors, type AwsError } from './errors.ts';
import { ECR_JSON, ecrErrorReply, ecrErrors, toJsonError } from './ecr-errors.ts';
import { checkRegistryId, checkRepositoryName, optionalObject, optionalString, optionalStringList, parseBody, requiredString, type Json } from './ecr-params.ts';
import { EcrState, type ImageId, type ImageRecord, type Repository } from './ecr-state.ts';
import type { HttpReply, RawRequest, ServiceHandler } from './server.ts';
import { verifySigV4 } from './sigv4.ts';
import type { IamState } from './state.ts';
import type { EcrOps } from './ecr-ops.ts';

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
/** ECR Public's one call here: its token for public.ecr.aws, signed for service ecr-public in us-east-1. */
const PUBLIC_TOKEN_TARGET = 'SpencerFrontendService.GetAuthorizationToken';
const MUTABILITY = ['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'];
const ENCRYPTION = ['AES256', 'KMS', 'KMS_DSSE'];
const TAG_STATUS = ['TAGGED', 'UNTAGGED', 'ANY'];

/** Who signed an ECR request, and where. */
interface EcrCaller {
  arn: string;
  account: string;
  region: string;
  /** ARNs an allow-list entry may name to mean this caller: the user, or the role and its session. */
  principalArns: string[];
}

const epochSeconds = (ms: number) => ms / 1000;
const stripScheme = (url: string) => url.replace(/^[a-z]+:\/\//, '');

/** The ECR service of the local AWS; it answers JSON (X-Amz-Target) calls. */
export class EcrService implements ServiceHandler {
  constructor(
    private readonly iam: IamState,
    private readonly ecr: EcrState,
    private readonly now: () => number,
    /** PutImage, policies and scans (ecr-ops.ts); none in a bare service. */
    private readonly ops?: EcrOps,
  ) {}

  claims(req: RawRequest): boolean {
    return req.headers['x-amz-target'] !== undefined;
  }

  operation(req: RawRequest): string {
    const target = String(req.headers['x-amz-target']);
    if (target === PUBLIC_TOKEN_TARGET) return 'GetAuthorizationToken (ECR Public)';
    return target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
  }

  renderError(err: AwsError): HttpReply {
    return ecrErrorReply(err);
  }

  wireCode(err: AwsError): string {
    return toJsonError(err).code;
  }

  async handle(req: RawRequest): Promise<HttpReply> {
    const target = String(req.headers['x-amz-target']);
    if (target === PUBLIC_TOKEN_TARGET) {
      const caller = this.authenticate(req, 'ecr-public');
      if (caller.region !== 'us-east-1') throw ecrErrors.invalidParameter('region', 'ECR Public tokens are issued in us-east-1 only');
      const p = this.ecr.issuePassword({ account: caller.account, region: caller.region, identityArn: caller.arn, nowMs: this.now() });
      const authorizationData = { authorizationToken: Buffer.from(`AWS:${p.password}`).toString('base64'), expiresAt: epochSeconds(p.expiresAt) };
      return { status: 200, contentType: ECR_JSON, body: JSON.stringify({ authorizationData }) };
    }
    const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const op: ((caller: EcrCaller, body: Json) => Json | Promise<Json>) | undefined = action === 'GetAuthorizationToken' ? this.getAuthorizationToken
      : action === 'CreateRepository' ? this.createRepository
        : action === 'DescribeRepositories' ? this.describeRepositories
          : action === 'DescribeImages' ? this.describeImages
            : action === 'BatchGetImage' ? this.batchGetImage
              : undefined;
    const more = op ? undefined : this.ops?.handler(action);
    // The operation is resolved first, so a mistyped target is reported as such even from an unsigned probe.
    if (!op && !more) throw ecrErrors.unknownOperation();
    const caller = this.authenticate(req);
    if (more) {
      const ctx = { imageRepository: this.imageRepository.bind(this), findImage: this.findImage.bind(this) };
      return { status: 200, contentType: ECR_JSON, body: JSON.stringify(await more(ctx, caller, parseBody(req.body))) };
    }
    if (!op) throw ecrErrors.unknownOperation();
    const result = await op.call(this, caller, parseBody(req.body));
    return { status: 200, contentType: ECR_JSON, body: JSON.stringify(result) };
  }

  /** SigV4 with service `ecr`; a temporary key needs its own session token, a long-term key none. */
  private authenticate(req: RawRequest, service = 'ecr'): EcrCaller {
    const token = req.headers['x-amz-security-token'];
    let found: Omit<EcrCaller, 'region'> | undefined;
    const verified = verifySigV4(req, {
      service,
      now: this.now(),
      secretFor: (accessKeyId) => {
        const caller = this.iam.callerFor(accessKeyId);
        if (!caller) return undefined;
        if (caller.kind === 'user') {
          if (token !== undefined) throw awsErrors.invalidClientTokenId();
          found = { arn: caller.user.arn, account: caller.user.account, principalArns: [caller.user.arn] };
          return caller.user.secretAccessKey;
        }
        const s = caller.session;
        if (token !== s.sessionToken) throw awsErrors.invalidClientTokenId();
        if (this.now() >= s.expiresAt) throw awsErrors.expiredSessionToken();
        found = { arn: s.arn, account: s.role.account, principalArns: [s.arn, s.role.arn] };
        return s.secretAccessKey;
      },
    });
    return { ...found!, region: verified.region };
  }

  private checkAccess(caller: EcrCaller, registry: string, action: string, resource: string): void {
    if (!this.ecr.mayUse(registry, caller.account, caller.principalArns) && !this.ops?.policyAllows(resource, action, caller)) throw ecrErrors.accessDenied(caller.arn, action, resource);
  }

  private getAuthorizationToken(caller: EcrCaller, body: Json): Json {
    const ids = optionalStringList(body, 'registryIds');
    if (ids !== undefined) {
      if (ids.length < 1 || ids.length > 10) throw ecrErrors.invalidParameter('registryIds', 'must have length between 1 and 10');
      for (const id of ids) checkRegistryId(id, 'registryIds');
    }
    const registries = ids ?? [caller.account];
    // GetAuthorizationToken takes no resource-level permissions, so IAM names the resource '*'.
    for (const r of registries) this.checkAccess(caller, r, 'ecr:GetAuthorizationToken', '*');
    const authorizationData = registries.map((account) => {
      const p = this.ecr.issuePassword({ account, region: caller.region, identityArn: caller.arn, nowMs: this.now() });
      return {
        authorizationToken: Buffer.from(`AWS:${p.password}`).toString('base64'),
        expiresAt: epochSeconds(p.expiresAt),
        proxyEndpoint: this.ecr.registryEndpoint(account, caller.region),
      };
    });
    return { authorizationData };
  }

  private createRepository(caller: EcrCaller, body: Json): Json {
    const name = requiredString(body, 'repositoryName');
    checkRepositoryName(name, 'repositoryName');
    const registry = optionalString(body, 'registryId') ?? caller.account;
    checkRegistryId(registry, 'registryId');
    const mutability = optionalString(body, 'imageTagMutability') ?? 'MUTABLE';
    if (!MUTABILITY.includes(mutability)) throw ecrErrors.invalidParameter('imageTagMutability', `must be one of ${MUTABILITY.join(', ')}`);
    const scanOnPush = optionalObject(body, 'imageScanningConfiguration')?.scanOnPush ?? false;
    if (typeof scanOnPush !== 'boolean') throw ecrErrors.serialization('scanOnPush must be a boolean');
    const enc = optionalObject(body, 'encryptionConfiguration');
    const encryptionType = enc === undefined ? 'AES256' : requiredString(enc, 'encryptionType');
    if (!ENCRYPTION.includes(encryptionType)) throw ecrErrors.invalidParameter('encryptionConfiguration.encryptionType', `must be one of ${ENCRYPTION.join(', ')}`);
    const kmsKey = enc === undefined ? undefined : optionalString(enc, 'kmsKey');
    if (kmsKey !== undefined && encryptionType === 'AES256') {
      throw ecrErrors.invalidParameter('encryptionConfiguration.kmsKey', 'must not be set when encryptionType is AES256');
    }
    this.checkAccess(caller, registry, 'ecr:CreateRepository', repositoryArn(caller.region, registry, name));
    const key = EcrState.key(registry, caller.region, name);
    if (this.ecr.repositories.has(key)) throw ecrErrors.repositoryExists(name, registry);
    const repo: Repository = {
      registryId: registry, region: caller.region, repositoryName: name, createdAt: this.now(),
      imageTagMutability: mutability, scanOnPush, encryptionType, kmsKey,
    };
    this.ecr.repositories.set(key, repo);
    return { repository: this.repositoryJson(repo) };
  }

  private describeRepositories(caller: EcrCaller, body: Json): Json {
    const registry = optionalString(body, 'registryId') ?? caller.account;
    checkRegistryId(registry, 'registryId');
    const names = optionalStringList(body, 'repositoryNames');
    if (names !== undefined) {
      if (names.length < 1 || names.length > 100) throw ecrErrors.invalidParameter('repositoryNames', 'must have length between 1 and 100');
      for (const n of names) checkRepositoryName(n, 'repositoryNames');
    }
    this.checkAccess(caller, registry, 'ecr:DescribeRepositories', repositoryArn(caller.region, registry, '*'));
    const inRegistry = [...this.ecr.repositories.values()].filter((r) => r.registryId === registry && r.region === caller.region);
    const repos = names === undefined ? inRegistry : names.map((n) => {
      const r = inRegistry.find((x) => x.repositoryName === n);
      if (!r) throw ecrErrors.repositoryNotFound(n, registry);
      return r;
    });
    return { repositories: repos.map((r) => this.repositoryJson(r)) };
  }

  /** Registry, repository name and access for the image operations; the repository must exist. */
  private imageRepository(caller: EcrCaller, body: Json, action: string): Repository {
    const registry = optionalString(body, 'registryId') ?? caller.account;
    checkRegistryId(registry, 'registryId');
    const name = requiredString(body, 'repositoryName');
    checkRepositoryName(name, 'repositoryName');
    this.checkAccess(caller, registry, action, repositoryArn(caller.region, registry, name));
    const repo = this.ecr.repository(registry, caller.region, name);
    if (!repo) throw ecrErrors.repositoryNotFound(name, registry);
    return repo;
  }

  /** One image of `repo`; with both tag and digest, the tag must point at that digest. */
  private async findImage(repo: Repository, id: ImageId): Promise<ImageRecord | undefined> {
    const found = await this.ecr.imageLookup(repo.registryId, repo.region, repo.repositoryName, id);
    if (!found) return undefined;
    if (id.imageDigest !== undefined && found.digest !== id.imageDigest) return undefined;
    if (id.imageTag !== undefined && !found.tags.includes(id.imageTag)) return undefined;
    return found;
  }

  private async describeImages(caller: EcrCaller, body: Json): Promise<Json> {
    const ids = imageIds(body, 'imageIds', false);
    const maxResults = body.maxResults;
    if (maxResults !== undefined && maxResults !== null) {
      if (typeof maxResults !== 'number' || !Number.isInteger(maxResults)) throw ecrErrors.serialization('maxResults must be an integer');
      if (maxResults < 1 || maxResults > 1000) throw ecrErrors.invalidParameter('maxResults', 'must be between 1 and 1000');
      if (ids !== undefined) throw ecrErrors.invalidParameter('maxResults', 'cannot be used together with imageIds');
    }
    const tagStatus = optionalString(optionalObject(body, 'filter') ?? {}, 'tagStatus') ?? 'ANY';
    if (!TAG_STATUS.includes(tagStatus)) throw ecrErrors.invalidParameter('filter.tagStatus', `must be one of ${TAG_STATUS.join(', ')}`);
    const repo = this.imageRepository(caller, body, 'ecr:DescribeImages');
    let images: ImageRecord[];
    if (ids === undefined) {
      // The registry lists tags only, so every image found this way is tagged.
      images = tagStatus === 'UNTAGGED' ? [] : await this.ecr.imageLister(repo.registryId, repo.region, repo.repositoryName);
    } else {
      images = [];
      for (const id of ids) {
        const found = await this.findImage(repo, id);
        if (!found) throw ecrErrors.imageNotFound(id, repo.repositoryName, repo.registryId);
        if (!images.some((i) => i.digest === found.digest)) images.push(found);
      }
    }
    return { imageDetails: images.map((i) => this.imageDetailJson(repo, i)) };
  }

  private async batchGetImage(caller: EcrCaller, body: Json): Promise<Json> {
    const ids = imageIds(body, 'imageIds', true)!;
    // Accepted and checked, not applied: the registry serves each manifest in the media type it was pushed in.
    const accepted = optionalStringList(body, 'acceptedMediaTypes');
    if (accepted !== undefined && (accepted.length < 1 || accepted.length > 100)) throw ecrErrors.invalidParameter('acceptedMediaTypes', 'must have length between 1 and 100');
    const repo = this.imageRepository(caller, body, 'ecr:BatchGetImage');
    const images: Json[] = [];
    const failures: Json[] = [];
    for (const id of ids) {
      const found = await this.findImage(repo, id);
      if (!found) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
        continue;
      }
      images.push({
        registryId: repo.registryId,
        repositoryName: repo.repositoryName,
        imageId: { imageDigest: found.digest, ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }) },
        imageManifest: found.manifest,
        imageManifestMediaType: found.mediaType,
      });
    }
    return { images, failures };
  }

  private imageDetailJson(repo: Repository, i: ImageRecord): Json {
    return {
      registryId: repo.registryId,
      repositoryName: repo.repositoryName,
      imageDigest: i.digest,
      ...(i.tags.length > 0 ? { imageTags: [...i.tags].sort() } : {}),
      imageSizeInBytes: i.size,
      imagePushedAt: epochSeconds(i.pushedAt),
      imageManifestMediaType: i.mediaType,
      ...(artifactMediaType(i.manifest) === undefined ? {} : { artifactMediaType: artifactMediaType(i.manifest) }),
    };
  }

  private repositoryJson(r: Repository): Json {
    return {
      repositoryArn: repositoryArn(r.region, r.registryId, r.repositoryName),
      registryId: r.registryId,
      repositoryName: r.repositoryName,
      repositoryUri: `${stripScheme(this.ecr.registryEndpoint(r.registryId, r.region))}/${r.repositoryName}`,
      createdAt: epochSeconds(r.createdAt),
      imageTagMutability: r.imageTagMutability,
      imageScanningConfiguration: { scanOnPush: r.scanOnPush },
      encryptionConfiguration: { encryptionType: r.encryptionType, ...(r.kmsKey === undefined ? {} : { kmsKey: r.kmsKey }) },
    };
  }
}

function repositoryArn(region: string, account: string, name: string): string {
  return `arn:${region.startsWith('cn-') ? 'aws-cn' : 'aws'}:ecr:${region}:${account}:repository/${name}`;
}

/** The image ids of a request: each names a tag, a digest or both; `required` for BatchGetImage. */
function imageIds(body: Json, field: string, required: boolean): ImageId[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required) throw ecrErrors.invalidParameter(field, 'must not be null');
    return undefined;
  }
  if (!Array.isArray(v)) throw ecrErrors.serialization(`${field} must be a list of structures`);
  if (v.length < 1 || v.length > 100) throw ecrErrors.invalidParameter(field, 'must have length between 1 and 100');
  return v.map((item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw ecrErrors.serialization(`${field} must be a list of structures`);
    const imageTag = optionalString(item as Json, 'imageTag');
    const imageDigest = optionalString(item as Json, 'imageDigest');
    if (imageTag === undefined && imageDigest === undefined) throw ecrErrors.invalidParameter(field, 'each imageId must have an imageTag or an imageDigest');
    return { ...(imageDigest === undefined ? {} : { imageDigest }), ...(imageTag === undefined ? {} : { imageTag }) };
  });
}

/** The config media type of an image manifest (ECR's artifactMediaType); none for a manifest list. */
function artifactMediaType(manifest: string): string | undefined {
  try {
    const m = JSON.parse(manifest) as { config?: { mediaType?: unknown } };
    return typeof m.config?.mediaType === 'string' ? m.config.mediaType : undefined;
  } catch {
    return undefined;
  }
}
