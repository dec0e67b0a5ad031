// Steps in sh (images without bash, e.g. Alpine's): CircleCI's later steps source $BASH_ENV only when they are bash,
// so what a step exports there never reaches a later sh step. The wrapper tells the runtime its own shell
// (AWS_OIDC_SHELL=sh|bash); when it is sh, the step says so after exporting, and names the way that works there.
import { writeExports } from './bash-env.ts';
import { recordWritten } from './job-manifest.ts';
import type { Log } from './log.ts';
import type { Env } from './params.ts';

/** What assume-role-with-oidc exports: the keys, the region and the expiry. */
const CREDENTIALS = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CREDENTIAL_EXPIRATION']);

/** The note lines for variables just exported to $BASH_ENV: none unless the step runs in sh. */
export function shStepNotes(env: Env, exported: readonly string[]): string[] {
  if (env.AWS_OIDC_SHELL !== 'sh' || exported.length === 0) return [];
  const notes = [`note: this step runs in sh, not bash, and later sh steps do not read $BASH_ENV: they will not see ${exported.join(', ')}.`];
  if (exported.some((name) => CREDENTIALS.has(name))) {
    notes.push('  For the AWS CLI, the SDKs and Terraform in later sh steps, write a profile instead: profile-name: default (used when nothing names a profile), or another name with AWS_PROFILE set to it in the job\'s environment.');
  }
  if (exported.includes('PATH')) {
    notes.push('  docker finds the credential helper that config.json names (docker-credential-aws-oidc) only on PATH: begin later sh steps that run docker with export PATH="$HOME/.aws-oidc/bin:$PATH", or set credential-helper: false to have docker login store the login in config.json.');
  }
  const others = exported.filter((name) => !CREDENTIALS.has(name) && name !== 'PATH');
  if (others.length > 0) notes.push(`  ${others.join(', ')}: read them from the step's JSON result in $AWS_OIDC_RESULTS_DIR (default ~/.aws-oidc/results).`);
  return notes;
}

/** The step's writeExports: the exports appended to $BASH_ENV (the AWS_* ones recorded in the job's manifest, for clean-up), then the notes for sh steps. */
export function bashEnvWriter(env: Env, log: Log): (entries: Readonly<Record<string, string | null>>) => void {
  return (entries) => {
    const exported = Object.entries(entries).filter(([, value]) => value !== null).map(([name]) => name);
    if (env.BASH_ENV) recordWritten(env, exported.filter((name) => name.startsWith('AWS_')).map((name) => ['export', name] as const));
    writeExports(env.BASH_ENV, entries);
    for (const line of shStepNotes(env, exported)) log.info(line);
  };
}
