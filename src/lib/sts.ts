// The only place that talks to STS: three query-protocol calls (src/lib/aws/sts-query.ts) sent with the
// project's own HTTP and SigV4 (src/lib/aws/http.ts), no SDK. The endpoint is sts-endpoint, else
// AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, else the region's, as the AWS CLI finds it (stsTarget).
import type { Env } from './params.ts';
import { stsTarget } from './proxy.ts';
import { sendSigned } from './aws/http.ts';
import type { SigningKeys } from './aws/sigv4.ts';
import { assumeRoleBody, callerIdentityBody, callerIdentityOf, credentialsOf, FORM_CONTENT_TYPE, stsReply, webIdentityBody } from './aws/sts-query.ts';

/** Session credentials from STS. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Who a set of credentials is, per GetCallerIdentity. */
export interface CallerIdentity { arn: string; account: string; userId: string }

/** What only sts:AssumeRole takes: session tags, transitive keys, a source identity. */
export interface ChainedSessionControls { tags?: { key: string; value: string }[]; transitiveTagKeys?: string[]; sourceIdentity?: string }

/** The optional session policies of one hop. */
export interface SessionPolicies { policy?: string; policyArns?: string[] }

/** The STS calls the steps make; the real one is createSts(), tests inject fakes or run it against the rig's local AWS. */
export interface StsPort {
  assumeRoleWithWebIdentity(input: { roleArn: string; sessionName: string; token: string; durationSeconds: number } & SessionPolicies): Promise<SessionCredentials>;
  assumeRole(credentials: SessionCredentials, input: { roleArn: string; sessionName: string; externalId?: string; durationSeconds: number } & SessionPolicies & ChainedSessionControls): Promise<SessionCredentials>;
  getCallerIdentity(credentials: SessionCredentials): Promise<CallerIdentity>;
}

/** An AWS error as the SDK (or AwsCallError) shapes it: its code and message, and the HTTP status. */
export interface AwsErrorInfo { code: string; message: string; status: number | undefined }

/** Reads the code, message and status off an AWS error. */
export function awsErrorInfo(err: unknown): AwsErrorInfo {
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  // The SDK names modeled errors after their shape (InvalidIdentityTokenException); AWS's code drops the
  // suffix, except for ExpiredTokenException, whose code has it.
  const name = e.Code ?? e.name ?? 'Error';
  const code = name === 'ExpiredTokenException' ? name : name.replace(/Exception$/, '');
  return { code, message: e.message ?? String(err), status: e.$metadata?.httpStatusCode };
}

/** The real StsPort for one region, at `endpoint` when one is given, through the HTTPS proxy `env` names. */
export function createSts(region: string, endpoint: string, env: Env, now: () => number = Date.now): StsPort {
  const target = stsTarget(region, endpoint, env);
  // One attempt per call: retries are ours (src/lib/retry.ts), classified, logged and bounded in time.
  const call = async (action: string, keys: SigningKeys | undefined, body: string): Promise<string> =>
    stsReply(action, await sendSigned({ endpoint: target, service: 'sts', region, keys, env, now: now(), headers: { 'content-type': FORM_CONTENT_TYPE }, body }));
  return {
    // AssumeRoleWithWebIdentity is unsigned: the token is the credential.
    async assumeRoleWithWebIdentity(input) {
      return credentialsOf('AssumeRoleWithWebIdentity', await call('AssumeRoleWithWebIdentity', undefined, webIdentityBody(input)));
    },
    async assumeRole(credentials, input) {
      return credentialsOf('AssumeRole', await call('AssumeRole', credentials, assumeRoleBody(input)));
    },
    async getCallerIdentity(credentials) {
      return callerIdentityOf(await call('GetCallerIdentity', credentials, callerIdentityBody()));
    },
  };
}
