// ECR state of the local AWS: repositories, who may use which registry, and the registry passwords issued.
import { randomBytes } from 'node:crypto';

/** Builds a registry's proxy endpoint (with scheme) from its account and region. */
export type RegistryEndpoint = (account: string, region: string) => string;

/** AWS's own registry host naming; China regions live under amazonaws.com.cn. */
export const defaultRegistryEndpoint: RegistryEndpoint = (account, region) =>
  `https://${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;

/** A repository as CreateRepository stored it. */
export interface Repository {
  registryId: string;
  region: string;
  repositoryName: string;
  createdAt: number; // epoch ms
  imageTagMutability: string;
  scanOnPush: boolean;
  encryptionType: string;
  kmsKey: string | undefined;
}

/** Names one image of a repository: by tag, by digest, or both (then both must match). */
export interface ImageId {
  imageTag?: string;
  imageDigest?: string;
}

/** One image (manifest) as the registry holds it. */
export interface ImageRecord {
  /** sha256:<hex> of the manifest bytes. */
  digest: string;
  /** The manifest's media type, e.g. application/vnd.docker.distribution.manifest.v2+json. */
  mediaType: string;
  /** The manifest text, exactly as the registry serves it. */
  manifest: string;
  /** Every tag of the repository that points at this digest. */
  tags: string[];
  /** Bytes of the layers the manifest names (of the manifests it names, for a list). */
  size: number;
  /** When the manifest was pushed, epoch ms. */
  pushedAt: number;
}

/** Finds one image of `repositoryName` in the registry of `account` and `region`; undefined when there is none. */
export type ImageLookup = (account: string, region: string, repositoryName: string, imageId: ImageId) => Promise<ImageRecord | undefined>;

/** Lists every tagged image of a repository (one record per digest). */
export type ImageLister = (account: string, region: string, repositoryName: string) => Promise<ImageRecord[]>;

/** Writes a manifest into a repository under `reference` (a tag or its digest), as PutImage does; rejects with the registry's `code` (MANIFEST_BLOB_UNKNOWN...). */
export type ImageWriter = (account: string, region: string, repositoryName: string, reference: string, manifest: string, mediaType: string) => Promise<void>;

/** A registry password from GetAuthorizationToken, and who it stands for. */
export interface EcrPassword {
  password: string;
  account: string;
  region: string;
  identityArn: string;
  expiresAt: number; // epoch ms
}

/** How long an authorization token is valid: ECR issues them for 12 hours. */
export const TOKEN_LIFETIME_MS = 12 * 3600 * 1000;

/** ECR state; the only place registry passwords are made, so each lands in the shared secret list. */
export class EcrState {
  readonly repositories = new Map<string, Repository>();
  readonly passwords: EcrPassword[] = [];
  private readonly allowed = new Map<string, Set<string>>();
  registryEndpoint: RegistryEndpoint = defaultRegistryEndpoint;
  /** Where DescribeImages and BatchGetImage find images: the registry, not this state. None by default. */
  imageLookup: ImageLookup = () => Promise.resolve(undefined);
  imageLister: ImageLister = () => Promise.resolve([]);
  imageWriter: ImageWriter = () => Promise.reject(new Error('no registry holds the images of the local ECR (startRegistries connects one)'));

  constructor(private readonly issuedSecrets: string[]) {}

  /** Lets `principalArn` (a role, meaning its sessions, or a user) use ECR in `account`. */
  allow(account: string, principalArn: string): void {
    if (!/^\d{12}$/.test(account)) throw new Error(`account must be 12 digits, got '${account}'`);
    if (!/^arn:aws[\w-]*:iam::\d{12}:(role|user)\/.+$/.test(principalArn)) throw new Error(`not a role or user ARN: '${principalArn}'`);
    const set = this.allowed.get(account) ?? new Set<string>();
    set.add(principalArn);
    this.allowed.set(account, set);
  }

  /** True when a caller of `callerAccount`, known by `principalArns`, may use the registry `account`. */
  mayUse(account: string, callerAccount: string, principalArns: string[]): boolean {
    if (account === callerAccount) return true;
    const set = this.allowed.get(account);
    return set !== undefined && principalArns.some((a) => set.has(a));
  }

  /** Issues and records a registry password valid for 12 hours from `nowMs`. */
  issuePassword(p: { account: string; region: string; identityArn: string; nowMs: number }): EcrPassword {
    // Real passwords are a long opaque base64 blob; the shape matters for docker's and the leak scan's handling.
    const issued: EcrPassword = {
      password: randomBytes(540).toString('base64'),
      account: p.account,
      region: p.region,
      identityArn: p.identityArn,
      expiresAt: p.nowMs + TOKEN_LIFETIME_MS,
    };
    this.passwords.push(issued);
    this.issuedSecrets.push(issued.password);
    return issued;
  }

  /** The account and identity a password was issued for, if it is known and unexpired at `nowMs`. */
  validPassword(password: string, nowMs: number): { account: string; identityArn: string } | undefined {
    const p = this.passwords.find((x) => x.password === password);
    if (!p || nowMs >= p.expiresAt) return undefined;
    return { account: p.account, identityArn: p.identityArn };
  }

  /** The repository `name` of `account` in `region`, if CreateRepository (or a test) made it. */
  repository(account: string, region: string, name: string): Repository | undefined {
    return this.repositories.get(EcrState.key(account, region, name));
  }

  /** The key a repository is stored under: registries are per account and region. */
  static key(account: string, region: string, name: string): string {
    return `${account}/${region}/${name}`;
  }
}
