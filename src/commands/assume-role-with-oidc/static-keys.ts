// Static keys in the job's environment beat a profile named by AWS_PROFILE: the warning for credentials that go
// only to a profile while such keys are there. Pure.
import type { Env } from '../../lib/params.ts';

/** The variables that hold keys in the environment (a context's IAM user keys, or an earlier step's exports). */
export const STATIC_KEY_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/**
 * The warning for a profile written while `env` has keys of its own, naming the variables (never their values);
 * undefined when none is set. The AWS CLI looks for credentials on its command line (--profile) first, then in
 * the environment's AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, and only then in the files, where
 * AWS_PROFILE picks the profile; the SDKs' default chains also take the environment's keys first
 * (docs.aws.amazon.com/cli/latest/userguide/cli-chap-configure.html#configure-precedence). So `AWS_PROFILE=<name>`
 * would still act as those keys, while `--profile <name>`, or the role's keys exported over them
 * (export-to: both), act as the role.
 */
export function staticKeysWarning(env: Env, profile: string): string | undefined {
  const set = STATIC_KEY_VARS.filter((name) => env[name]);
  if (set.length === 0) return undefined;
  return `warning: ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set in this job's environment (by a context, the project or an earlier step), ` +
    `and the AWS CLI and SDKs prefer keys in the environment over AWS_PROFILE: AWS_PROFILE=${profile} would act as those keys, not as the role. ` +
    `Use --profile ${profile} (the AWS CLI's --profile wins over keys in the environment), or set export-to: both so that the role's keys replace them for later steps`;
}
