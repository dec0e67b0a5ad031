// The only place that talks to STS: AssumeRoleWithWebIdentity, AssumeRole and GetCallerIdentity through
// @aws-sdk/client-sts. The endpoint is the sts-endpoint parameter when set, else the SDK's own resolution
// (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, FIPS/dual-stack settings, the region's partition).
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, type Credentials } from '@aws-sdk/client-sts';
import type { Env } from '../params.ts';
import { stsClient, type AwsKeys } from './clients.ts';
import { httpTimeoutMs, withDeadline } from './http-handler.ts';
import { InvalidResponseError, quoted } from './errors.ts';
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

/** What each credential field must look like to be used: AccessKeyId as the STS API reference says (16 to 128 word characters), the secret and the token printable ASCII without spaces (they go into files and variables). */
const KEY_FIELDS = { AccessKeyId: /^\w{16,128}$/, SecretAccessKey: /^[\x21-\x7e]+$/, SessionToken: /^[\x21-\x7e]+$/ } as const;

/**
 * The credentials of an assume answer (`action` names the call); an InvalidResponseError naming the call and
 * the fields that are missing or malformed (never their values) unless all four are there: AccessKeyId,
 * SecretAccessKey, SessionToken and a valid Expiration. https://docs.aws.amazon.com/STS/latest/APIReference/API_Credentials.html
 */
export function sessionCredentials(action: string, out: { Credentials?: Credentials | undefined }): SessionCredentials {
  const c = out.Credentials;
  const bad = Object.entries(KEY_FIELDS).filter(([k, re]) => !re.test(String(c?.[k as keyof typeof KEY_FIELDS] ?? ''))).map(([k]) => k);
  const expiration = c?.Expiration;
  if (!(expiration instanceof Date) || Number.isNaN(expiration.getTime())) bad.push('Expiration');
  if (bad.length) throw new InvalidResponseError(`STS ${action}`, out, `credentials without a usable ${bad.join(', ')}`);
  return { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken!, expiration: expiration as Date };
}

/**
 * Who GetCallerIdentity says the caller is; an InvalidResponseError quoting what came unless Arn is an IAM
 * or STS ARN (arn:<partition>:iam|sts::<account>:<resource>) of the 12-digit Account it names.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export function callerIdentity(out: { Arn?: string | undefined; Account?: string | undefined; UserId?: string | undefined }): CallerIdentity {
  const arn = out.Arn ?? '';
  const account = out.Account ?? '';
  if (!/^\d{12}$/.test(account) || !new RegExp(`^arn:aws[a-z-]*:(iam|sts)::${account}:[\\x21-\\x7e]+$`).test(arn)) {
    throw new InvalidResponseError('STS GetCallerIdentity', out, `no usable identity (Arn ${quoted(arn)}, Account ${quoted(account)}): it must be an IAM or STS ARN in a 12-digit account`);
  }
  return { arn, account, userId: out.UserId ?? '' };
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
      return sessionCredentials('AssumeRoleWithWebIdentity', out);
    },
    async assumeRole(keys, i) {
      const out = await send('AssumeRole', (abortSignal) => stsClient(region, endpoint, keys, env, now).send(new AssumeRoleCommand({
        RoleArn: i.roleArn, RoleSessionName: i.sessionName, DurationSeconds: i.durationSeconds, ...policies(i),
        ...(i.externalId ? { ExternalId: i.externalId } : {}),
        ...(i.tags?.length ? { Tags: i.tags.map((t) => ({ Key: t.key, Value: t.value })) } : {}),
        ...(i.transitiveTagKeys?.length ? { TransitiveTagKeys: i.transitiveTagKeys } : {}),
        ...(i.sourceIdentity ? { SourceIdentity: i.sourceIdentity } : {}),
      }), { abortSignal }));
      return sessionCredentials('AssumeRole', out);
    },
    async getCallerIdentity(keys) {
      const out = await send('GetCallerIdentity', (abortSignal) => stsClient(region, endpoint, keys, env, now).send(new GetCallerIdentityCommand({}), { abortSignal }));
      return callerIdentity(out);
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
