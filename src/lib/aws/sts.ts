// The only place that talks to STS: AssumeRoleWithWebIdentity, AssumeRole and GetCallerIdentity through
// @aws-sdk/client-sts. The endpoint is the sts-endpoint parameter when set, else the SDK's own resolution
// (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, FIPS/dual-stack settings, the region's partition).
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, type Credentials } from '@aws-sdk/client-sts';
import type { Env } from '../params.ts';
import { stsClient, type AwsKeys } from './clients.ts';
import { httpTimeoutMs, withDeadline } from './http-handler.ts';
import { withRetry, type RetryDeps, type RetryPolicy } from '../retry.ts';


/** Session credentials from STS: keys whose token and expiry are always there. */
export interface SessionCredentials extends AwsKeys {
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
  assumeRole(credentials: AwsKeys, input: { roleArn: string; sessionName: string; externalId?: string; durationSeconds: number } & SessionPolicies & ChainedSessionControls): Promise<SessionCredentials>;
  getCallerIdentity(credentials: AwsKeys): Promise<CallerIdentity>;
}

/** The credentials of an assume answer; an error naming the call when STS left any of the four out. */
export function sessionCredentials(action: string, c: Credentials | undefined): SessionCredentials {
  const expiration = c?.Expiration;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !(expiration instanceof Date) || Number.isNaN(expiration.getTime())) {
    throw new Error(`STS answered ${action} without credentials`);
  }
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration };
}

/** The session policy fields of a request. */
const policies = (i: SessionPolicies) => ({
  ...(i.policy ? { Policy: i.policy } : {}),
  ...(i.policyArns?.length ? { PolicyArns: i.policyArns.map((arn) => ({ arn })) } : {}),
});

/** The real StsPort for one region, at `endpoint` when one is given; one attempt per call (retries are src/lib/retry.ts's). */
export function createSts(region: string, endpoint: string, env: Env, now: () => number = Date.now): StsPort {
  const deadline = httpTimeoutMs(env);
  const send = <T>(what: string, call: (signal: AbortSignal) => Promise<T>) => withDeadline(deadline, `STS ${what}`, call);
  return {
    // AssumeRoleWithWebIdentity is unsigned: the token is the credential.
    async assumeRoleWithWebIdentity(i) {
      const out = await send('AssumeRoleWithWebIdentity', (abortSignal) => stsClient(region, endpoint, undefined, env, now).send(new AssumeRoleWithWebIdentityCommand({
        RoleArn: i.roleArn, RoleSessionName: i.sessionName, WebIdentityToken: i.token, DurationSeconds: i.durationSeconds, ...policies(i),
      }), { abortSignal }));
      return sessionCredentials('AssumeRoleWithWebIdentity', out.Credentials);
    },
    async assumeRole(keys, i) {
      const out = await send('AssumeRole', (abortSignal) => stsClient(region, endpoint, keys, env, now).send(new AssumeRoleCommand({
        RoleArn: i.roleArn, RoleSessionName: i.sessionName, DurationSeconds: i.durationSeconds, ...policies(i),
        ...(i.externalId ? { ExternalId: i.externalId } : {}),
        ...(i.tags?.length ? { Tags: i.tags.map((t) => ({ Key: t.key, Value: t.value })) } : {}),
        ...(i.transitiveTagKeys?.length ? { TransitiveTagKeys: i.transitiveTagKeys } : {}),
        ...(i.sourceIdentity ? { SourceIdentity: i.sourceIdentity } : {}),
      }), { abortSignal }));
      return sessionCredentials('AssumeRole', out.Credentials);
    },
    async getCallerIdentity(keys) {
      const out = await send('GetCallerIdentity', (abortSignal) => stsClient(region, endpoint, keys, env, now).send(new GetCallerIdentityCommand({}), { abortSignal }));
      return { arn: out.Arn ?? '', account: out.Account ?? '', userId: out.UserId ?? '' };
    },
  };
}

/** An StsPort whose every call is retried by the policy (retry wraps the provider, it is no flag inside it). */
export function retryingSts(sts: StsPort, policy: RetryPolicy, deps: RetryDeps): StsPort {
  return {
    assumeRoleWithWebIdentity: (input) => withRetry('AssumeRoleWithWebIdentity', policy, deps, () => sts.assumeRoleWithWebIdentity(input)),
    assumeRole: (creds, input) => withRetry('AssumeRole', policy, deps, () => sts.assumeRole(creds, input)),
    getCallerIdentity: (creds) => withRetry('GetCallerIdentity', policy, deps, () => sts.getCallerIdentity(creds)),
  };
}
