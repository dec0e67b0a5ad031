// The local ECR's calls beyond logins and listings: PutImage (a tag for a manifest, written into the registry),
// lifecycle and repository policies (kept as text, checked as ECR checks them), image scans (ecr-scans.ts),
// and the cross-account access a repository policy grants. Refusals use ECR's codes and texts.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Operations.html
import { createHash } from 'node:crypto';
import { AwsError } from './errors.ts';
import { ecrErrors } from './ecr-errors.ts';
import { optionalObject, optionalString, requiredString, type Json } from './ecr-params.ts';
import { EcrState, type ImageId, type ImageRecord, type Repository } from './ecr-state.ts';
import { ScanState } from './ecr-scans.ts';

/** Who signed an ECR request (as ecr.ts authenticates it). */
export interface OpsCaller { arn: string; account: string; region: string; principalArns: string[] }

/** What the operations need from the ECR service: the repository of a request (access checked) and image lookup. */
export interface OpsContext {
  imageRepository(caller: OpsCaller, body: Json, action: string): Repository;
  findImage(repo: Repository, id: ImageId): Promise<ImageRecord | undefined>;
}

const err = (code: string, message: string) => new AwsError(code, message, 400);
const where = (r: Repository) => `the repository with name '${r.repositoryName}' in the registry with id '${r.registryId}'`;

/** The extra operations, their state (policies, scans), and the repository-policy check of cross-account calls. */
export class EcrOps {
  readonly scans = new ScanState();
  private readonly lifecycle = new Map<string, string>();
  private readonly policies = new Map<string, string>();

  constructor(private readonly ecr: EcrState, private readonly now: () => number) {}

  /** The handler of `action`, or undefined when this module does not serve it. */
  handler(action: string | undefined): ((ctx: OpsContext, caller: OpsCaller, body: Json) => Promise<Json>) | undefined {
    const ops: Record<string, (ctx: OpsContext, caller: OpsCaller, body: Json) => Promise<Json>> = {
      PutImage: (c, who, b) => this.putImage(c, who, b),
      PutLifecyclePolicy: async (c, who, b) => this.setPolicy(c.imageRepository(who, b, 'ecr:PutLifecyclePolicy'), 'lifecycle', requiredString(b, 'lifecyclePolicyText')),
      GetLifecyclePolicy: async (c, who, b) => this.getPolicy(c.imageRepository(who, b, 'ecr:GetLifecyclePolicy'), 'lifecycle'),
      SetRepositoryPolicy: async (c, who, b) => this.setPolicy(c.imageRepository(who, b, 'ecr:SetRepositoryPolicy'), 'repository', requiredString(b, 'policyText')),
      GetRepositoryPolicy: async (c, who, b) => this.getPolicy(c.imageRepository(who, b, 'ecr:GetRepositoryPolicy'), 'repository'),
      DescribeImageScanFindings: (c, who, b) => this.describeScan(c, who, b),
      StartImageScan: (c, who, b) => this.startScan(c, who, b),
    };
    return action === undefined ? undefined : ops[action];
  }

  private async putImage(ctx: OpsContext, caller: OpsCaller, body: Json): Promise<Json> {
    const manifest = requiredString(body, 'imageManifest');
    const repo = ctx.imageRepository(caller, body, 'ecr:PutImage');
    const tag = optionalString(body, 'imageTag');
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    const given = optionalString(body, 'imageDigest');
    if (given !== undefined && given !== digest) throw err('ImageDigestDoesNotMatchException', `Provided digest ${given} does not match the calculated digest ${digest}`);
    let mediaType = optionalString(body, 'imageManifestMediaType');
    try {
      mediaType ??= (JSON.parse(manifest) as { mediaType?: string }).mediaType;
    } catch {
      throw ecrErrors.invalidParameter('imageManifest', 'Invalid parameter at \'imageManifest\' failed to satisfy constraint: \'Invalid JSON syntax\'');
    }
    if (!mediaType) throw ecrErrors.invalidParameter('imageManifestMediaType', 'must be provided when the manifest has no mediaType');
    if (tag !== undefined) {
      const tagged = await ctx.findImage(repo, { imageTag: tag });
      if (tagged?.digest === digest) throw err('ImageAlreadyExistsException', `Image with digest '${digest}' and tag '${tag}' already exists in ${where(repo)}`);
      if (tagged && repo.imageTagMutability.startsWith('IMMUTABLE')) {
        throw err('ImageTagAlreadyExistsException', `The image tag '${tag}' already exists in the '${repo.repositoryName}' repository and cannot be overwritten because the repository is immutable.`);
      }
    }
    try {
      await this.ecr.imageWriter(repo.registryId, repo.region, repo.repositoryName, tag ?? digest, manifest, mediaType);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'MANIFEST_BLOB_UNKNOWN') throw err('LayersNotFoundException', `The image manifest references layers that are not in ${where(repo)}`);
      if (code === 'MANIFEST_UNKNOWN') throw err('ReferencedImagesNotFoundException', `The image index references images that are not in ${where(repo)}`);
      throw e;
    }
    return { image: { registryId: repo.registryId, repositoryName: repo.repositoryName, imageId: { imageDigest: digest, ...(tag ? { imageTag: tag } : {}) }, imageManifest: manifest, imageManifestMediaType: mediaType } };
  }

  private setPolicy(repo: Repository, kind: 'lifecycle' | 'repository', text: string): Json {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw ecrErrors.invalidParameter(kind === 'lifecycle' ? 'lifecyclePolicyText' : 'policyText', kind === 'lifecycle' ? 'Lifecycle policy validation failure: could not parse the JSON' : 'Invalid repository policy provided');
    }
    const rules = (doc as { rules?: unknown }).rules;
    if (kind === 'lifecycle' && (!Array.isArray(rules) || rules.length === 0)) throw ecrErrors.invalidParameter('lifecyclePolicyText', 'Lifecycle policy validation failure: object has missing required properties (["rules"])');
    if (kind === 'repository' && !Array.isArray((doc as { Statement?: unknown }).Statement)) throw ecrErrors.invalidParameter('policyText', 'Invalid repository policy provided');
    (kind === 'lifecycle' ? this.lifecycle : this.policies).set(EcrState.key(repo.registryId, repo.region, repo.repositoryName), text);
    const base = { registryId: repo.registryId, repositoryName: repo.repositoryName };
    return kind === 'lifecycle' ? { ...base, lifecyclePolicyText: text } : { ...base, policyText: text };
  }

  private getPolicy(repo: Repository, kind: 'lifecycle' | 'repository'): Json {
    const text = (kind === 'lifecycle' ? this.lifecycle : this.policies).get(EcrState.key(repo.registryId, repo.region, repo.repositoryName));
    const base = { registryId: repo.registryId, repositoryName: repo.repositoryName };
    if (kind === 'lifecycle') {
      if (text === undefined) throw err('LifecyclePolicyNotFoundException', `Lifecycle policy does not exist for ${where(repo)}`);
      return { ...base, lifecyclePolicyText: text, lastEvaluatedAt: this.now() / 1000 };
    }
    if (text === undefined) throw err('RepositoryPolicyNotFoundException', `Repository policy does not exist for ${where(repo)}`);
    return { ...base, policyText: text };
  }

  /** The image of a scan call: imageId must name it, and it must exist. */
  private async scanImage(ctx: OpsContext, caller: OpsCaller, body: Json, action: string): Promise<{ repo: Repository; digest: string; key: string }> {
    const id = optionalObject(body, 'imageId');
    if (!id) throw ecrErrors.invalidParameter('imageId', 'must not be null');
    const repo = ctx.imageRepository(caller, body, action);
    const imageDigest = optionalString(id, 'imageDigest');
    const imageTag = optionalString(id, 'imageTag');
    const imageId: ImageId = { ...(imageDigest === undefined ? {} : { imageDigest }), ...(imageTag === undefined ? {} : { imageTag }) };
    const image = await ctx.findImage(repo, imageId);
    if (!image) throw ecrErrors.imageNotFound(imageId, repo.repositoryName, repo.registryId);
    return { repo, digest: image.digest, key: EcrState.key(repo.registryId, repo.region, repo.repositoryName) };
  }

  private async describeScan(ctx: OpsContext, caller: OpsCaller, body: Json): Promise<Json> {
    const { repo, digest, key } = await this.scanImage(ctx, caller, body, 'ecr:DescribeImageScanFindings');
    const found = this.scans.describe(key, digest, repo.registryId, this.now());
    if (!found) throw err('ScanNotFoundException', `Image scan does not exist for the image with '{imageDigest:'${digest}'}' in ${where(repo)}`);
    return { registryId: repo.registryId, repositoryName: repo.repositoryName, imageId: { imageDigest: digest }, ...found };
  }

  private async startScan(ctx: OpsContext, caller: OpsCaller, body: Json): Promise<Json> {
    const { repo, digest, key } = await this.scanImage(ctx, caller, body, 'ecr:StartImageScan');
    if (this.scans.isEnhanced(repo.registryId)) throw err('ValidationException', 'This operation is not supported for registries with enhanced scanning');
    if (!this.scans.start(key, digest, this.now())) throw err('LimitExceededException', 'The scan quota per image has been exceeded. Wait and try again.');
    return { registryId: repo.registryId, repositoryName: repo.repositoryName, imageId: { imageDigest: digest }, imageScanStatus: { status: 'IN_PROGRESS', description: 'The scan is in progress.' } };
  }

  /** True when the repository policy of `resource` (a repository ARN) allows `action` to a caller of another account. */
  policyAllows(resource: string, action: string, caller: OpsCaller): boolean {
    const m = /^arn:aws[\w-]*:ecr:([^:]+):(\d{12}):repository\/(.+)$/.exec(resource);
    const text = m ? this.policies.get(EcrState.key(m[2]!, m[1]!, m[3]!)) : undefined;
    if (!text) return false;
    const list = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    const statements = (JSON.parse(text) as { Statement: { Effect?: string; Principal?: unknown; Action?: unknown; Condition?: unknown }[] }).Statement;
    return statements.some((s) => {
      if (s.Effect !== 'Allow' || s.Condition !== undefined) return false;
      const principals = s.Principal === '*' ? ['*'] : list((s.Principal as { AWS?: unknown } | undefined)?.AWS);
      const who = principals.some((p) => p === '*' || p === caller.account || p === `arn:aws:iam::${caller.account}:root` || caller.principalArns.includes(p));
      return who && list(s.Action).some((a) => a === action || a === 'ecr:*');
    });
  }
}
