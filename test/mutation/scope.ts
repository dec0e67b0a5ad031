// What `npm run mutation` mutates, and which files count as security-relevant (their own, higher goal).
import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The shipped runtime (src/lib and src/commands, without the generated orb scripts and the thin entry files),
 * in parts of a few hundred to two thousand mutants: folder lists, each folder's own .ts files. The whole run
 * runs the parts one after another and keeps each part's results as soon as it ends, so a run that is stopped
 * after hours keeps what it finished (run.ts). Every folder with .ts files under src/lib and src/commands is in
 * exactly one part (a test checks).
 */
export const SRC_PARTS: Readonly<Record<string, readonly string[]>> = {
  lib: ['src/lib', 'src/lib/registry'],
  'lib-aws': ['src/lib/aws'],
  assume: ['src/commands/assume-role-with-oidc', 'src/commands/assume-from-file', 'src/commands/trust-policy', 'src/commands/doctor'],
  'login-build': ['src/commands/ecr-login', 'src/commands/build-and-push'],
  images: ['src/commands/push-image', 'src/commands/promote-image', 'src/commands/create-manifest-list', 'src/commands/ecr-images', 'src/commands/clean-up'],
  cli: ['src/commands/cli'],
};

/** A folder list as Stryker's `mutate` globs: each folder's own .ts files. */
export const folderGlobs = (folders: readonly string[]): string[] => folders.map((f) => `${f}/*.ts`);

/** The shipped runtime as Stryker globs, all parts. Run against the unit tests. */
export const MUTATE_SRC = Object.values(SRC_PARTS).flatMap(folderGlobs);

/**
 * The rig's refusals: trust-policy evaluation, SigV4 verification, web-identity token checks, ECR passwords and
 * the registry front that admits only them. A mutant that survives here is a rig that would accept what AWS
 * refuses. Run against the in-process tiers (the unit tests and the rig's own tests).
 */
export const MUTATE_RIG = [
  'test/harness/aws/policy.ts',
  'test/harness/aws/sigv4.ts',
  'test/harness/aws/web-identity.ts',
  'test/harness/aws/ecr-state.ts',
  'test/harness/registry.ts',
];

/**
 * The security-relevant files: where credentials are resolved and written, where exports reach later
 * steps, the docker credential helper, log redaction and parameter checking. Goal 90%; `.ci/run` checks
 * these on every run.
 */
export const SECURITY_FILES = [
  'src/lib/aws/credentials.ts',
  'src/lib/aws/files.ts',
  'src/lib/files.ts',
  'src/lib/bash-env.ts',
  'src/lib/sh-steps.ts',
  'src/commands/ecr-login/helper.ts',
  'src/commands/ecr-login/helper-input.ts',
  'src/commands/ecr-login/docker-config.ts',
  'src/lib/log.ts',
  'src/lib/params.ts',
  'src/lib/grammar.ts',
];

/** Mutation score goals, in percent (issue: at least 85 over src/, at least 90 over the security files). */
export const GOALS = { all: 85, security: 90 } as const;

/** The unit tests (test/unit, without the build tools' tests), relative paths: the test set of a run over the security files. */
export function unitTestFiles(dir = 'test/unit'): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => `${dir}/${f.split(path.sep).join('/')}`)
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith(`${dir}/tools/`))
    .sort();
}
