// assume-role-with-oidc: exchange the job's OIDC token for role credentials and hand them to later steps.
import { OrbError } from '../../lib/errors.ts';
import { retrySummary } from '../../lib/retry.ts';
import { decodeClaims, getUsableToken, type RunProgram } from '../../lib/oidc-token.ts';
import { awsErrorInfo } from '../../lib/aws/errors.ts';
import type { StsPort, SessionCredentials, CallerIdentity, SessionPolicies } from '../../lib/aws/sts.ts';
import { maskKeyId, type Log } from '../../lib/log.ts';
import type { Env } from '../../lib/params.ts';
import type { AssumeRoleParams } from './params.ts';
import { explainChainRefusal, explainRefusal } from './explain.ts';
import { staticKeysWarning } from './static-keys.ts';

/** Everything run() touches outside itself. */
export interface Deps {
  env: Env;
  sts: StsPort;
  runProgram: RunProgram;
  log: Log;
  now(): number;
  writeExports(entries: Record<string, string | null>): void;
  /** Writes the named profile (keys, or with self-refresh a credential_process); returns the two file paths. */
  writeProfile(p: AssumeRoleParams, creds: SessionCredentials): { credentials: string; config: string };
  writeResult(name: string, result: object): void;
}

/** What the step reports (also the JSON result file); no secrets. */
export interface AssumeRoleResult {
  roleArn: string; assumedRoleArn: string; account: string; region: string; expiration: string; sessionName: string;
}

/** The session policies, for the hop whose credentials are exported. */
function finalHopPolicies(p: AssumeRoleParams): SessionPolicies {
  return { ...(p.controls.policy ? { policy: p.controls.policy } : {}), ...(p.controls.policyArns.length ? { policyArns: p.controls.policyArns } : {}) };
}

/** Adds what the retries tried to a wrapped error's message. */
function withSummary(wrapped: OrbError, cause: unknown): OrbError {
  const summary = retrySummary(cause);
  if (summary) wrapped.message += `\n  ${summary}`;
  return wrapped;
}

/** AWS caps a session assumed with role credentials at one hour. */
export const CHAINED_MAX_SECONDS = 3600;

/** Takes the role-chain hops in order; each hop's credentials assume the next role. */
async function chainRoles(p: AssumeRoleParams, first: SessionCredentials, sts: StsPort, log: Log): Promise<SessionCredentials> {
  if (p.chain.length === 0) return first;
  const durationSeconds = Math.min(p.durationSeconds, CHAINED_MAX_SECONDS);
  if (durationSeconds < p.durationSeconds) {
    log.info(`note: AWS caps role-chained sessions at one hour, so the chained sessions last ${durationSeconds}s, not ${p.durationSeconds}s`);
  }
  let creds = first;
  let from = p.roleArn;
  for (const [i, hop] of p.chain.entries()) {
    const sessionName = hop.sessionName ?? p.sessionName;
    const policies = i === p.chain.length - 1 ? finalHopPolicies(p) : {};
    try {
      creds = await sts.assumeRole(creds, {
        roleArn: hop.roleArn, sessionName, durationSeconds, ...(hop.externalId ? { externalId: hop.externalId } : {}), ...policies,
        tags: p.controls.tags, transitiveTagKeys: p.controls.transitiveTagKeys, ...(p.controls.sourceIdentity ? { sourceIdentity: p.controls.sourceIdentity } : {}),
      });
    } catch (err) {
      if (err instanceof OrbError) throw err;
      throw withSummary(explainChainRefusal(awsErrorInfo(err), from, hop.roleArn, { externalId: hop.externalId !== undefined, tags: p.controls.tags.length > 0, sourceIdentity: p.controls.sourceIdentity !== undefined }, err), err);
    }
    log.secret(creds.accessKeyId, creds.secretAccessKey, creds.sessionToken);
    log.info(`Chained from ${from} to ${hop.roleArn}`);
    from = hop.roleArn;
  }
  return creds;
}

/** The variables that hand credentials to later commands: keys, region and expiry. */
export function credentialExports(creds: SessionCredentials, region: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_SESSION_TOKEN: creds.sessionToken,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_CREDENTIAL_EXPIRATION: creds.expiration.toISOString(),
  };
}

/**
 * Who the final credentials are, refused unless the account is in allowed-account-ids. `words` names the
 * setting as the caller's user knows it (the orb's parameter or the CLI's --flag) and what did not happen.
 */
export async function checkedIdentity(p: AssumeRoleParams, creds: SessionCredentials, sts: StsPort,
  words: { flag: (name: string) => string; notDone: string; reach: string }): Promise<CallerIdentity> {
  let who: CallerIdentity;
  try {
    who = await sts.getCallerIdentity(creds);
  } catch (err) {
    if (err instanceof OrbError) throw err;
    const e = awsErrorInfo(err);
    throw new OrbError(`the new credentials failed GetCallerIdentity: ${e.code}: ${e.message}`, words.reach, { cause: err });
  }
  const allowed = p.controls.allowedAccountIds;
  if (allowed.length > 0 && !allowed.includes(who.account)) {
    throw new OrbError(`the credentials are for account ${who.account} (${who.arn}), which is not in ${words.flag('allowed-account-ids')} (${allowed.join(', ')}); ${words.notDone}`,
      `check ${words.flag('role-arn')} and ${words.flag('role-chain')}, or add the account to ${words.flag('allowed-account-ids')}`);
  }
  return who;
}

/** Exports the credentials to $BASH_ENV for the later steps. */
function exportToEnv(p: AssumeRoleParams, creds: SessionCredentials, deps: Deps): void {
  const exports: Record<string, string | null> = credentialExports(creds, p.region);
  // A profile chosen by the environment would make the AWS CLI ignore the exported keys.
  for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']) {
    if (deps.env[name]) {
      exports[name] = null;
      deps.log.info(`note: unsetting ${name} for later steps so that they act as the assumed role`);
    }
  }
  deps.writeExports(exports);
  deps.log.info('Exported AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION, AWS_CREDENTIAL_EXPIRATION to $BASH_ENV');
}

/** The web-identity hop and then the role-chain hops; returns the last hop's credentials. */
export async function assumeAll(p: AssumeRoleParams, token: string, sts: StsPort, log: Log): Promise<SessionCredentials> {
  log.secret(token);
  let creds: SessionCredentials;
  try {
    const last = p.chain.length === 0 ? finalHopPolicies(p) : {};
    creds = await sts.assumeRoleWithWebIdentity({ roleArn: p.roleArn, sessionName: p.sessionName, token, durationSeconds: p.durationSeconds, ...last });
  } catch (err) {
    // A setting of ours that is wrong (a bad HTTPS_PROXY) has its own message; only AWS's answers are explained here.
    if (err instanceof OrbError) throw err;
    throw withSummary(explainRefusal(awsErrorInfo(err), p, decodeClaims(token), err), err);
  }
  log.secret(creds.accessKeyId, creds.secretAccessKey, creds.sessionToken);
  return chainRoles(p, creds, sts, log);
}

/** Runs the step. */
export async function run(p: AssumeRoleParams, deps: Deps): Promise<AssumeRoleResult> {
  const { log } = deps;
  const token = await getUsableToken(p.tokenSource, p.audience, deps.env, deps.runProgram, deps.now(), (line) => log.info(line));
  const creds = await assumeAll(p, token, deps.sts, log);

  const who = await checkedIdentity(p, creds, deps.sts,
    { flag: (name) => name, notDone: 'nothing was exported', reach: 'check that the STS endpoint and region are reachable from this job' });
  if (p.exportTo !== 'env') {
    const files = deps.writeProfile(p, creds);
    const how = p.selfRefresh ? 'a credential_process that refreshes it before it expires' : 'the session credentials';
    // With export-to: both, the role's keys go over any keys in the environment; with profile alone they stay and win over AWS_PROFILE.
    const warning = p.exportTo === 'profile' ? staticKeysWarning(deps.env, p.profileName) : undefined;
    log.info(`Wrote profile ${p.profileName} with ${how} to ${files.credentials} and ${files.config} (0600); use it with --profile ${p.profileName}${warning ? '' : ` or AWS_PROFILE=${p.profileName}`}`);
    if (warning) log.info(warning);
  }
  if (p.exportTo !== 'profile') exportToEnv(p, creds, deps);

  const result: AssumeRoleResult = {
    roleArn: p.chain.at(-1)?.roleArn ?? p.roleArn, assumedRoleArn: who.arn, account: who.account, region: p.region,
    expiration: creds.expiration.toISOString(), sessionName: p.sessionName,
  };
  deps.writeResult('assume-role-with-oidc', result);
  log.info(`Assumed ${who.arn} (key ${maskKeyId(creds.accessKeyId)}), valid until ${result.expiration}`);
  return result;
}
