// Which keys a step signs with: the environment's, or a named profile's from the shared files
// (static or session keys, or a credential_process such as a self-refreshing profile of this orb).
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html
import { OrbError } from '../errors.ts';
import { readIfExists } from '../files.ts';
import type { Env } from '../params.ts';
import type { RunProgram } from '../oidc-token.ts';
import { awsFilePaths } from '../aws-files.ts';
import type { SigningKeys } from './sigv4.ts';

/** Keys, where they came from (for messages, never secret), and when they expire if known. */
export interface ResolvedKeys extends SigningKeys { source: string; expiration?: Date | undefined }

/** The `key = value` pairs of one [section] of an INI text; undefined when there is no such section. */
export function iniSection(text: string, header: string): Record<string, string> | undefined {
  let inside = false;
  let found: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const h = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (h) {
      inside = h[1] === header;
      if (inside) found ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (inside && found && eq > 0) found[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return found;
}

/** Splits a credential_process line into words as the AWS CLI does: whitespace, with "double" or 'single' quotes. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1]?.replace(/\\(.)/g, '$1') ?? m[2] ?? m[3] ?? '');
  return words;
}

/** Runs a credential_process and reads its Version 1 JSON. */
async function fromProcess(profile: string, line: string, run: RunProgram): Promise<ResolvedKeys> {
  const [file, ...args] = splitCommandLine(line);
  if (!file) throw new OrbError(`profile ${profile} has an empty credential_process`, 'fix the profile in the AWS config file');
  let out: string;
  try {
    out = await run(file, args);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim().split('\n').slice(-3).join(' / ');
    throw new OrbError(`the credential_process of profile ${profile} failed${stderr ? `: ${stderr}` : ''}`, `run "aws sts get-caller-identity --profile ${profile}" in the job to see why`);
  }
  let j: { Version?: number; AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: string };
  try {
    j = JSON.parse(out) as typeof j;
  } catch {
    throw new OrbError(`the credential_process of profile ${profile} did not print JSON`, 'it must print {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}');
  }
  if (j.Version !== 1 || !j.AccessKeyId || !j.SecretAccessKey) {
    throw new OrbError(`the credential_process of profile ${profile} printed no Version 1 credentials`, 'it must print {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}');
  }
  return { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.SessionToken, source: `profile ${profile} (credential_process)`,
    expiration: j.Expiration ? new Date(j.Expiration) : undefined };
}

/** The keys of a named profile: keys in the credentials file win, then keys or a credential_process in the config file. */
export async function profileKeys(profile: string, env: Env, run: RunProgram): Promise<ResolvedKeys> {
  const paths = awsFilePaths(env);
  const creds = iniSection(readIfExists(paths.credentials), profile) ?? {};
  const config = iniSection(readIfExists(paths.config), profile === 'default' ? 'default' : `profile ${profile}`) ?? {};
  const pick = (k: string) => creds[k] || config[k] || undefined;
  const id = pick('aws_access_key_id');
  const secret = pick('aws_secret_access_key');
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret, sessionToken: pick('aws_session_token'), source: `profile ${profile}` };
  if (config.credential_process) return fromProcess(profile, config.credential_process, run);
  const known = Object.keys(creds).length + Object.keys(config).length > 0;
  throw new OrbError(
    known ? `profile ${profile} has no keys and no credential_process` : `there is no profile named ${profile} in ${paths.config} or ${paths.credentials}`,
    `run assume-role-with-oidc with profile-name: ${profile} earlier in the job`,
  );
}

/** The keys to sign with: `profile` when given, else the environment's keys, else AWS_PROFILE or the default profile. */
export async function resolveKeys(profile: string, env: Env, run: RunProgram): Promise<ResolvedKeys> {
  if (profile) return profileKeys(profile, env, run);
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined, source: 'the environment',
      expiration: env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined };
  }
  const fallback = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE;
  if (fallback) return profileKeys(fallback, env, run);
  try {
    return await profileKeys('default', env, run);
  } catch (err) {
    // A default profile whose credential_process fails has its own, more useful message.
    if (err instanceof OrbError && err.message.includes('credential_process of profile default')) throw err;
    throw new OrbError('no AWS credentials: AWS_ACCESS_KEY_ID is not set and there is no default profile',
      'run assume-role-with-oidc earlier in the job, or set profile-name to a profile it wrote');
  }
}
