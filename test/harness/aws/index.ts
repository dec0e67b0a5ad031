// The local AWS (STS and ECR) that the real SDK and CLI reach through AWS_ENDPOINT_URL_<SERVICE>.
import { EcrService } from './ecr.ts';
import { EcrState, type EcrPassword, type ImageLister, type ImageLookup, type ImageWriter, type RegistryEndpoint, type Repository } from './ecr-state.ts';
import { EcrOps } from './ecr-ops.ts';
import type { ScanPlan } from './ecr-scans.ts';
import type { Fault, RequestRecord } from './server.ts';
import { AwsHttpServer } from './server.ts';
import { IamState } from './state.ts';
import { StsService } from './sts.ts';

export type { Fault, RequestRecord } from './server.ts';
export type { EcrPassword, ImageId, ImageLister, ImageLookup, ImageRecord, ImageWriter, RegistryEndpoint, Repository } from './ecr-state.ts';
export type { PlantedFinding, ScanPlan } from './ecr-scans.ts';

/** A strict stand-in for IAM/STS and ECR on 127.0.0.1: verifies tokens and signatures, evaluates trust policies. */
export class LocalAws {
  private constructor(
    private readonly http: AwsHttpServer,
    private readonly state: IamState,
    private readonly ecr: EcrState,
    private readonly now: () => number,
    private readonly ops: EcrOps,
  ) {}

  /** Starts the server; `now` (epoch ms) lets tests move the clock for expiry checks. */
  static async start(opts: { now?: () => number; registryEndpoint?: RegistryEndpoint } = {}): Promise<LocalAws> {
    const now = opts.now ?? Date.now;
    const state = new IamState();
    const ecr = new EcrState(state.issuedSecrets);
    if (opts.registryEndpoint) ecr.registryEndpoint = opts.registryEndpoint;
    // Services are tried in order; ECR (X-Amz-Target JSON) goes before STS, which takes the rest.
    const ops = new EcrOps(ecr, now);
    const http = await AwsHttpServer.start([new EcrService(state, ecr, now, ops), new StsService(state, now)], now);
    return new LocalAws(http, state, ecr, now, ops);
  }

  /** The endpoint for AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_ECR: http://127.0.0.1:<port>. */
  get url(): string {
    return this.http.url;
  }

  /** Registers an IAM OIDC provider; returns arn:aws:iam::<acct>:oidc-provider/<url without scheme>. */
  addOidcProvider(p: { account: string; url: string; clientIds: string[] }): string {
    return this.state.addOidcProvider(p);
  }

  /** Creates a role with a trust policy (object or JSON); maxSessionDuration 3600..43200, default 3600. */
  addRole(r: { account: string; name: string; trustPolicy: object | string; maxSessionDuration?: number }): string {
    return this.state.addRole(r);
  }

  /** Creates an IAM user with long-term AKIA keys. */
  addUser(u: { account: string; name: string }): { accessKeyId: string; secretAccessKey: string } {
    return this.state.addUser(u);
  }

  /** Lets `principalArn` (a role, meaning its sessions, or a user) use ECR in `account`; own account is always allowed. */
  allowEcr(a: { account: string; principalArn: string }): void {
    this.ecr.allow(a.account, a.principalArn);
  }

  /** Points proxyEndpoint and repositoryUri at another registry host, e.g. a local registry on 127.0.0.1. */
  setRegistryEndpoint(fn: RegistryEndpoint): void {
    this.ecr.registryEndpoint = fn;
  }

  /**
   * Where DescribeImages and BatchGetImage find images (the local registry holds them): `lookup` finds one
   * image by tag and/or digest, `list` every tagged image of a repository (DescribeImages without imageIds).
   */
  setImageSource(lookup: ImageLookup, list?: ImageLister, write?: ImageWriter): void {
    this.ecr.imageLookup = lookup;
    this.ecr.imageLister = list ?? (() => Promise.resolve([]));
    if (write) this.ecr.imageWriter = write;
  }

  /** The repository `name` of `account` in `region` as CreateRepository (or ensureRepository) made it, if it exists. */
  repository(r: { account: string; region: string; name: string }): Repository | undefined {
    return this.ecr.repository(r.account, r.region, r.name);
  }

  /** Sets a repository's tag mutability, as PutImageTagMutability would. */
  setTagMutability(r: { account: string; region: string; name: string }, mutability: 'MUTABLE' | 'IMMUTABLE'): void {
    const repo = this.ensureRepository(r);
    repo.imageTagMutability = mutability;
  }

  /** Scans of images pushed to this repository from now on find what `plan` says (default: nothing, after one IN_PROGRESS poll). */
  planScans(r: { account: string; region: string; name: string }, plan: ScanPlan): void {
    this.ops.scans.plan(EcrState.key(r.account, r.region, r.name), plan);
  }

  /** The registry of `account` uses enhanced scanning: every push is scanned, findings come as enhancedFindings. `on` false: basic scanning again. */
  useEnhancedScanning(account: string, on = true): void {
    this.ops.scans.useEnhanced(account, on);
  }

  /** A manifest `digest` was pushed to a repository (the registry front tells): starts its scan when the repository or registry scans on push. */
  imagePushed(r: { account: string; region: string; name: string }, digest: string): void {
    const repo = this.ecr.repository(r.account, r.region, r.name);
    if (repo) this.ops.scans.pushed(r.account, EcrState.key(r.account, r.region, r.name), digest, repo.scanOnPush, this.now());
  }

  /**
   * Makes repository `name` in the registry of `account` and `region` unless it exists, as CreateRepository
   * would with default settings; returns it. For tests whose pushes need the repository to exist.
   */
  ensureRepository(r: { account: string; region: string; name: string }): Repository {
    if (!/^\d{12}$/.test(r.account)) throw new Error(`account must be 12 digits, got '${r.account}'`);
    const found = this.ecr.repository(r.account, r.region, r.name);
    if (found) return found;
    const repo: Repository = {
      registryId: r.account, region: r.region, repositoryName: r.name, createdAt: this.now(),
      imageTagMutability: 'MUTABLE', scanOnPush: false, encryptionType: 'AES256', kmsKey: undefined,
    };
    this.ecr.repositories.set(EcrState.key(r.account, r.region, r.name), repo);
    return repo;
  }

  /** True when repository `name` exists in the registry of `account` and `region`. */
  hasRepository(r: { account: string; region: string; name: string }): boolean {
    return this.ecr.repository(r.account, r.region, r.name) !== undefined;
  }

  /** The local AWS's clock (epoch ms): the rig clock in the rig. */
  time(): number {
    return this.now();
  }

  /** Every registry password GetAuthorizationToken issued, with its account, identity and expiry. */
  get ecrPasswords(): readonly EcrPassword[] {
    return this.ecr.passwords;
  }

  /** Who a registry password stands for, if it was issued here and is unexpired at `now` (epoch ms). */
  validEcrPassword(password: string, now: number = this.now()): { account: string; identityArn: string } | undefined {
    return this.ecr.validPassword(password, now);
  }

  /** Every access key id, secret, session token and registry password ever issued, for the leak scan. */
  get issuedSecrets(): readonly string[] {
    return this.state.issuedSecrets;
  }

  /** Every request seen: operation, signing key id, status (0 = connection reset) and error code. */
  get requests(): readonly RequestRecord[] {
    return this.http.requests;
  }

  /** Makes the next `times` calls of `action` fail (or wait) as described. */
  injectFault(action: string, fault: Fault): void {
    this.http.injectFault(action, fault);
  }

  /** Drops every fault still queued. */
  clearFaults(): void {
    this.http.clearFaults();
  }

  /** Stops the server. */
  close(): Promise<void> {
    return this.http.close();
  }
}
