// The local AWS (STS now, ECR later) that the real SDK and CLI reach through AWS_ENDPOINT_URL_<SERVICE>.
import type { Fault, RequestRecord } from './server.ts';
import { AwsHttpServer } from './server.ts';
import { IamState } from './state.ts';
import { StsService } from './sts.ts';

export type { Fault, RequestRecord } from './server.ts';

/** A strict stand-in for IAM/STS on 127.0.0.1: verifies tokens and signatures, evaluates trust policies. */
export class LocalAws {
  private constructor(
    private readonly http: AwsHttpServer,
    private readonly state: IamState,
  ) {}

  /** Starts the server; `now` (epoch ms) lets tests move the clock for expiry checks. */
  static async start(opts: { now?: () => number } = {}): Promise<LocalAws> {
    const now = opts.now ?? Date.now;
    const state = new IamState();
    // Services are tried in order; ECR (X-Amz-Target JSON) goes before STS, which takes the rest.
    const http = await AwsHttpServer.start([new StsService(state, now)], now);
    return new LocalAws(http, state);
  }

  /** The endpoint for AWS_ENDPOINT_URL_STS (and later AWS_ENDPOINT_URL_ECR): http://127.0.0.1:<port>. */
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

  /** Every access key id, secret and session token ever issued, for the leak scan. */
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

  /** Stops the server. */
  close(): Promise<void> {
    return this.http.close();
  }
}
