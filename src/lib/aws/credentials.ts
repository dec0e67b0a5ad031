// Which keys a step signs with: the environment's, or a named profile's, resolved by the SDK's fromIni
// (static keys, source_profile chains, role_arn with web_identity_token_file, credential_process such as
// a self-refreshing profile of this orb). Role assumptions inside a profile go through the project's STS.
// https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { parseKnownFiles } from '@smithy/core/config';
import { OrbError } from '../errors.ts';
import { awsErrorInfo } from './errors.ts';
import type { Env } from '../params.ts';
import { awsFilePaths } from './files.ts';
import { createSts } from './sts.ts';
import type { AwsKeys } from './clients.ts';

/** Keys, where they came from (for messages, never secret), and when they expire if known. */
export interface ResolvedKeys extends AwsKeys { source: string; expiration?: Date | undefined }

/** The settings of a profile that give it credentials, one of which fromIni needs. */
const CREDENTIAL_KEYS = ['aws_access_key_id', 'credential_process', 'role_arn', 'web_identity_token_file', 'sso_session', 'sso_start_url', 'credential_source', 'login_session'];

/** Assumes roles for fromIni (source_profile and web_identity_token_file profiles) with the project's STS. */
function roleAssumers(region: string, env: Env) {
  const sts = () => createSts(region, '', env);
  const identity = (c: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }) => ({ ...c });
  return {
    roleAssumer: async (source: AwsKeys, p: { RoleArn: string; RoleSessionName: string; ExternalId?: string | undefined; DurationSeconds?: number | undefined }) =>
      identity(await sts().assumeRole(source, { roleArn: p.RoleArn, sessionName: p.RoleSessionName, durationSeconds: p.DurationSeconds ?? 3600, ...(p.ExternalId ? { externalId: p.ExternalId } : {}) })),
    roleAssumerWithWebIdentity: async (p: { RoleArn: string; RoleSessionName: string; WebIdentityToken: string; DurationSeconds?: number | undefined }) =>
      identity(await sts().assumeRoleWithWebIdentity({ roleArn: p.RoleArn, sessionName: p.RoleSessionName, token: p.WebIdentityToken, durationSeconds: p.DurationSeconds ?? 3600 })),
  };
}

/** What a credential_process must print. https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html */
const PROCESS_FORMAT = 'it must print {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...} (and SessionToken, Expiration for session keys)';

/** The failure of a profile's credential_process: the last lines of its stderr, or the SDK's verdict on what it printed. */
function processFailure(profile: string, err: unknown): OrbError {
  // node's exec reports "Command failed: <line>\n<stderr>"; otherwise the SDK's own check of the JSON speaks.
  const text = String((err as Error).message ?? err);
  if (!text.startsWith('Command failed:')) {
    return new OrbError(`the credential_process of profile ${profile} printed no usable credentials: ${text}`, PROCESS_FORMAT, { cause: err });
  }
  const said = text.split('\n').slice(1).map((l) => l.trim()).filter(Boolean).slice(-3).join(' / ');
  return new OrbError(`the credential_process of profile ${profile} failed${said ? `: ${said}` : ''}`,
    `run "aws sts get-caller-identity --profile ${profile}" in the job to see why`, { cause: err });
}

/**
 * The keys of a named profile as the AWS SDKs resolve it (credentials file, then config file). `region` is
 * where a role in the profile is assumed. Throws OrbError when the profile is missing, gives no
 * credentials, or its credential_process or role assumption fails.
 */
export async function profileKeys(profile: string, env: Env, region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1'): Promise<ResolvedKeys> {
  const paths = awsFilePaths(env);
  const files = { profile, filepath: paths.credentials, configFilepath: paths.config, ignoreCache: true };
  const data = (await parseKnownFiles(files))[profile];
  if (!data) throw new OrbError(`there is no profile named ${profile} in ${paths.config} or ${paths.credentials}`, `run assume-role-with-oidc with profile-name: ${profile} earlier in the job`);
  const has = (k: string) => typeof data[k] === 'string' && data[k] !== '';
  if (!CREDENTIAL_KEYS.some(has) || (has('aws_access_key_id') && !has('aws_secret_access_key') && !CREDENTIAL_KEYS.slice(1).some(has))) {
    throw new OrbError(`profile ${profile} has no keys and no credential_process`, `run assume-role-with-oidc with profile-name: ${profile} earlier in the job`);
  }
  const usesProcess = !has('aws_access_key_id') && !has('role_arn') && has('credential_process');
  if (usesProcess && String(data.credential_process).replace(/["'\s]/g, '') === '') {
    throw new OrbError(`profile ${profile} has an empty credential_process`, 'fix the profile in the AWS config file');
  }
  try {
    const c = await fromIni({ ...files, ...roleAssumers(region, env) })();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken,
      source: usesProcess ? `profile ${profile} (credential_process)` : `profile ${profile}`, expiration: c.expiration };
  } catch (err) {
    if (err instanceof OrbError) throw err;
    throw usesProcess ? processFailure(profile, err) : profileFailure(profile, paths.config, err);
  }
}

/** A profile that could not be resolved (a source_profile loop, a role that refused, a missing token file), in one line. */
function profileFailure(profile: string, configFile: string, err: unknown): OrbError {
  const e = awsErrorInfo(err);
  const said = e.status === undefined ? e.message : `${e.code}: ${e.message}`;
  return new OrbError(`profile ${profile} gave no credentials: ${said}`,
    `check role_arn, source_profile, external_id and web_identity_token_file of profile ${profile} in ${configFile}`, { cause: err });
}

/** The keys to sign with: `profile` when given, else the environment's keys, else AWS_PROFILE or the default profile. */
export async function resolveKeys(profile: string, env: Env, region?: string): Promise<ResolvedKeys> {
  if (profile) return profileKeys(profile, env, region);
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined, source: 'the environment',
      expiration: env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined };
  }
  const fallback = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE;
  if (fallback) return profileKeys(fallback, env, region);
  try {
    return await profileKeys('default', env, region);
  } catch (err) {
    // A default profile whose credential_process fails has its own, more useful message.
    if (err instanceof OrbError && err.message.includes('credential_process of profile default')) throw err;
    throw new OrbError('no AWS credentials: AWS_ACCESS_KEY_ID is not set and there is no default profile',
      'run assume-role-with-oidc earlier in the job, or set profile-name to a profile it wrote');
  }
}
