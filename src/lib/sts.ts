// The only place that constructs STS clients. The SDK finds a custom endpoint itself
// (AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL), as the AWS CLI does.
import { TunnelAgent } from './proxy.ts';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';

/** Session credentials from STS. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Who a set of credentials is, per GetCallerIdentity. */
export interface CallerIdentity { arn: string; account: string; userId: string }

/** The STS calls the steps make; the real one is createSts(), tests inject fakes or mock the client. */
/** What only sts:AssumeRole takes: session tags, transitive keys, a source identity. */
export interface ChainedSessionControls { tags?: { key: string; value: string }[]; transitiveTagKeys?: string[]; sourceIdentity?: string }

/** The optional session policies of one hop. */
export interface SessionPolicies { policy?: string; policyArns?: string[] }

export interface StsPort {
  assumeRoleWithWebIdentity(input: { roleArn: string; sessionName: string; token: string; durationSeconds: number } & SessionPolicies): Promise<SessionCredentials>;
  assumeRole(credentials: SessionCredentials, input: { roleArn: string; sessionName: string; externalId?: string; durationSeconds: number } & SessionPolicies & ChainedSessionControls): Promise<SessionCredentials>;
  getCallerIdentity(credentials: SessionCredentials): Promise<CallerIdentity>;
}

/** The credentials out of an STS answer, or an error when STS left them out. */
function sessionCredentials(action: string, c: Credentials | undefined): SessionCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new Error(`STS answered ${action} without credentials`);
  }
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
}

/** An AWS error as the SDK parsed it: its code and message, and the HTTP status. */
export interface AwsErrorInfo { code: string; message: string; status: number | undefined }

/** Reads the code, message and status off an SDK error. */
export function awsErrorInfo(err: unknown): AwsErrorInfo {
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  // The SDK names modeled errors after their shape (InvalidIdentityTokenException); AWS's code drops the
  // suffix, except for ExpiredTokenException, whose code has it.
  const name = e.Code ?? e.name ?? 'Error';
  const code = name === 'ExpiredTokenException' ? name : name.replace(/Exception$/, '');
  return { code, message: e.message ?? String(err), status: e.$metadata?.httpStatusCode };
}

/** The SDK's form of the session policies. */
function policyInput(p: SessionPolicies): { Policy?: string; PolicyArns?: { arn: string }[] } {
  return { ...(p.policy ? { Policy: p.policy } : {}), ...(p.policyArns?.length ? { PolicyArns: p.policyArns.map((arn) => ({ arn })) } : {}) };
}

/** The real StsPort for one region, at a custom endpoint when one is given, through an HTTPS proxy when one is given. */
export function createSts(region: string, endpoint = '', proxy?: URL): StsPort {
  // maxAttempts 1: retries are ours (src/lib/retry.ts), classified, logged and bounded in time.
  const base = {
    region, maxAttempts: 1, ...(endpoint ? { endpoint } : {}),
    ...(proxy ? { requestHandler: { httpsAgent: new TunnelAgent(proxy) } } : {}),
  };
  const anonymous = new STSClient(base);
  return {
    async assumeRoleWithWebIdentity({ roleArn, sessionName, token, durationSeconds, ...policies }) {
      const out = await anonymous.send(new AssumeRoleWithWebIdentityCommand({
        RoleArn: roleArn, RoleSessionName: sessionName, WebIdentityToken: token, DurationSeconds: durationSeconds, ...policyInput(policies),
      }));
      return sessionCredentials('AssumeRoleWithWebIdentity', out.Credentials);
    },
    async assumeRole(credentials, { roleArn, sessionName, externalId, durationSeconds, tags, transitiveTagKeys, sourceIdentity, ...policies }) {
      const client = new STSClient({ ...base, credentials });
      try {
        const out = await client.send(new AssumeRoleCommand({
          RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: durationSeconds, ...(externalId ? { ExternalId: externalId } : {}), ...policyInput(policies),
          ...(tags?.length ? { Tags: tags.map((t) => ({ Key: t.key, Value: t.value })) } : {}),
          ...(transitiveTagKeys?.length ? { TransitiveTagKeys: transitiveTagKeys } : {}),
          ...(sourceIdentity ? { SourceIdentity: sourceIdentity } : {}),
        }));
        return sessionCredentials('AssumeRole', out.Credentials);
      } finally {
        client.destroy();
      }
    },
    async getCallerIdentity(credentials) {
      const client = new STSClient({ ...base, credentials });
      try {
        const out = await client.send(new GetCallerIdentityCommand({}));
        return { arn: out.Arn ?? '', account: out.Account ?? '', userId: out.UserId ?? '' };
      } finally {
        client.destroy();
      }
    },
  };
}
