// `aws-oidc assume-role`: an OIDC token from a file -> role credentials, for CI systems other than CircleCI jobs
// with the orb. The flags are the orb's parameters (same names, same validation through parseParams), and the
// exchange is the orb's own (assumeAll: web identity, then role-chain hops, refusals explained).
import { OrbError } from '../../lib/errors.ts';
import { renderExports, shellQuote } from '../../lib/bash-env.ts';
import { writeProfile } from '../../lib/aws/files.ts';
import { maskKeyId, type Log } from '../../lib/log.ts';
import { flagParams, type Env } from '../../lib/params.ts';
import type { StsPort } from '../../lib/aws/sts.ts';
import { parseParams, type AssumeRoleParams } from '../assume-role-with-oidc/params.ts';
import { assumeAll, checkedIdentity, credentialExports } from '../assume-role-with-oidc/run.ts';
import { staticKeysWarning } from '../assume-role-with-oidc/static-keys.ts';

/** The orb parameters the CLI takes as --flags. */
export const ASSUME_FLAGS = ['role-arn', 'role-session-name', 'session-duration', 'region', 'profile-name', 'role-chain', 'sts-endpoint', 'allowed-account-ids'] as const;
export const DEFAULT_CLI_SESSION_NAME = 'aws-oidc-cli';

/**
 * The validated flags: the orb's parameters, read from the --flags by the step's own parser (same checks; errors
 * name the --flags), with the CLI's defaults: the export target follows --profile-name and --print-exports,
 * session tags from CircleCI job variables are off, and the session name is aws-oidc-cli. Whether an output
 * was chosen at all is requireOutput's question, asked once every input has been checked.
 */
export function parseAssumeFlags(flags: Readonly<Record<string, string | undefined>>, printExports: boolean, env: Env): AssumeRoleParams {
  const profile = flags['profile-name'] ?? '';
  const given = Object.fromEntries(ASSUME_FLAGS.map((name) => [name, flags[name]]));
  return parseParams(flagParams({
    ...given,
    'export-to': profile === '' || printExports ? (profile === '' ? 'env' : 'both') : 'profile',
    'circleci-session-tags': 'false',
    'role-session-name': flags['role-session-name'] || DEFAULT_CLI_SESSION_NAME,
  }), env);
}

/** Refuses to go on when neither --profile-name nor --print-exports says where the credentials go (nothing is assumed then). */
export function requireOutput(p: AssumeRoleParams, printExports: boolean): void {
  if (p.profileName === '' && !printExports) {
    throw new OrbError('say where the credentials go: nothing was assumed',
      'add --profile-name <name> (writes the AWS credentials and config files, 0600), or --print-exports (prints export lines to stdout: eval "$(aws-oidc assume-role ... --print-exports)")');
  }
}

/** `tokenFile` is the --token-file the token came from (`-` for stdin), which advice names for doctor. */
export interface AssumeDeps { sts: StsPort; log: Log; env: Env; stdout(text: string): void; tokenFile?: string }

/** The step's command that pipes the job's token into doctor, as the AccessDenied fix words it (access-denied.ts). */
const STEP_DOCTOR = /`[^`]*\| aws-oidc doctor --token-file - /;

/**
 * The refusal `err` with its doctor command made the CLI's: the user's own --token-file (shell-quoted) rather than
 * the job's token variable, which a CLI user does not have; for stdin, the same token piped in again.
 */
function withOwnTokenFile(err: unknown, tokenFile: string | undefined): unknown {
  if (!(err instanceof OrbError) || tokenFile === undefined || !err.hint || !STEP_DOCTOR.test(err.hint)) return err;
  const own = tokenFile === '-' ? '`<the same token> | aws-oidc doctor --token-file - ' : `\`aws-oidc doctor --token-file ${shellQuote(tokenFile)} `;
  return new OrbError(err.message, err.hint.replace(STEP_DOCTOR, own), { cause: err.cause });
}

/** What the command reports on stderr (no secrets). */
export interface AssumeFromFileResult { assumedRoleArn: string; account: string; expiration: string; profile?: string }

/** Assumes the role (and the chain) with the token, then writes the profile and/or prints the export lines. */
export async function assumeFromToken(p: AssumeRoleParams, token: string, deps: AssumeDeps): Promise<AssumeFromFileResult> {
  const { log } = deps;
  let creds: Awaited<ReturnType<typeof assumeAll>>;
  try {
    creds = await assumeAll(p, token, deps.sts, log);
  } catch (err) {
    throw withOwnTokenFile(err, deps.tokenFile);
  }
  const who = await checkedIdentity(p, creds, deps.sts,
    { flag: (name) => `--${name}`, notDone: 'nothing was written', reach: 'check that the STS endpoint is reachable' });
  const result: AssumeFromFileResult = { assumedRoleArn: who.arn, account: who.account, expiration: creds.expiration.toISOString() };
  if (p.exportTo !== 'env') {
    const files = writeProfile(deps.env, p.profileName, creds, p.region);
    result.profile = p.profileName;
    // Keys in the environment win over AWS_PROFILE (static-keys.ts): then only --profile is suggested, with the step's warning.
    const warning = p.exportTo === 'profile' ? staticKeysWarning(deps.env, p.profileName) : undefined;
    log.info(`Wrote profile ${p.profileName} to ${files.credentials} and ${files.config} (0600); use it with --profile ${p.profileName}${warning ? '' : ` or AWS_PROFILE=${p.profileName}`}`);
    if (warning) log.info(warning);
  }
  if (p.exportTo !== 'profile') {
    // Only here do secrets leave the process, on stdout, because the user asked for them with --print-exports.
    deps.stdout(renderExports(credentialExports(creds, p.region)));
  }
  log.info(`Assumed ${who.arn} (key ${maskKeyId(creds.accessKeyId)}), valid until ${result.expiration}`);
  return result;
}
