// A job's home as a self-hosted runner leaves it: the runner's own profile and docker login, then what the
// orb's own writers put there in one job (each recording it in the job's manifest), for the clean-up tests.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { writeProfile } from '../../../../src/lib/aws/files.ts';
import { recordWritten } from '../../../../src/lib/job-manifest.ts';
import { Log } from '../../../../src/lib/log.ts';
import { resultWriter } from '../../../../src/lib/main.ts';
import { bashEnvWriter } from '../../../../src/lib/sh-steps.ts';
import { writeExports } from '../../../../src/lib/bash-env.ts';
import { mergeAuths, registerHelper, saveRegistryEntries } from '../../../../src/commands/ecr-login/docker-config.ts';
import { installHelperProgram } from '../../../../src/commands/ecr-login/helper.ts';
import { refreshPaths, saveRefreshState } from '../../../../src/commands/assume-role-with-oidc/refresh.ts';
import type { AssumeRoleParams } from '../../../../src/commands/assume-role-with-oidc/params.ts';
import { run, type CleanUpDeps } from '../../../../src/commands/clean-up/run.ts';
import type { CleanUpParams } from '../../../../src/commands/clean-up/params.ts';
import type { Tally } from '../../../../src/commands/clean-up/report.ts';

export const JOB = '3a9c1f0e-7b2d-4e58-9c61-0d4f8a2b6e17';
export const HELPER_HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
export const LOGIN_HOST = '210987654321.dkr.ecr.eu-west-1.amazonaws.com';
export const OWN_CONFIG = '[default]\nregion = eu-west-1\n\n[profile runner-own]\nregion = us-east-1\noutput = json\n';
export const OWN_CREDENTIALS = '[runner-own]\naws_access_key_id = AKIARUNNEROWNKEY0000\naws_secret_access_key = runner-own-secret\n';
export const OWN_DOCKER = { auths: { 'registry.example.com': { auth: 'cnVubmVyOm93bg==' } }, credHelpers: { 'gcr.io': 'gcloud' } };

export type JobEnv = { HOME: string; CIRCLE_WORKFLOW_JOB_ID: string; BASH_ENV: string };

const creds = { accessKeyId: 'ASIAORBSESSIONKEY001', secretAccessKey: 'orb-secret', sessionToken: 'orb-token', expiration: new Date(Date.now() + 3600_000) };

/** A home with the runner's own settings, and then everything the orb's writers write in a job (profile ci-deploy with self-refresh). */
export function orbHome(): JobEnv {
  const home = mkdtempSync(join(tmpdir(), 'clean-up-'));
  const env: JobEnv = { HOME: home, CIRCLE_WORKFLOW_JOB_ID: JOB, BASH_ENV: join(home, 'bash_env') };
  mkdirSync(join(home, '.aws'));
  writeFileSync(join(home, '.aws', 'config'), OWN_CONFIG);
  writeFileSync(join(home, '.aws', 'credentials'), OWN_CREDENTIALS);
  mkdirSync(join(home, '.docker'));
  writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify(OWN_DOCKER));
  writeFileSync(env.BASH_ENV, 'export MINE=1\n');
  // assume-role-with-oidc: a self-refresh profile, its state, exports and its result; the wrapper's runtime.
  const paths = refreshPaths(env, 'ci-deploy');
  saveRefreshState(env, paths, {} as AssumeRoleParams, creds);
  writeProfile(env, 'ci-deploy', { credentialProcess: 'env node /x --credential-process /y' }, 'eu-west-1');
  bashEnvWriter(env, new Log(() => undefined))({ AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_REGION: 'eu-west-1' });
  resultWriter(env)('assume-role-with-oidc', { ok: true });
  for (const command of ['assume-role-with-oidc', 'ecr-login']) {
    recordWritten(env, [['runtime', command]]);
    mkdirSync(join(home, '.aws-oidc', 'runtime'), { recursive: true });
    writeFileSync(join(home, '.aws-oidc', 'runtime', `${command}.cjs`), '// bundle\n');
    writeFileSync(join(home, '.aws-oidc', 'runtime', `${command}.cjs.cache`), 'cache');
  }
  // ecr-login: the helper for one registry, a plain login for another, the registry map and the helper program.
  const dockerDir = join(home, '.docker');
  registerHelper(env, dockerDir, [HELPER_HOST]);
  mergeAuths(env, dockerDir, { [LOGIN_HOST]: { auth: 'QVdTOnRva2Vu' } });
  saveRegistryEntries(env, [{ host: HELPER_HOST, registryId: '123456789012', region: 'eu-west-1', profile: 'ci-deploy', identityArn: 'arn:aws:sts::123456789012:assumed-role/r/s', public: false }]);
  installHelperProgram(env, { node: '/usr/bin/node', runtime: join(home, '.aws-oidc', 'runtime', 'ecr-login.cjs'), loader: '{}' });
  // install-node (the wrapper's sh records it the same way).
  recordWritten(env, [['node', '22.23.5']]);
  mkdirSync(join(home, '.aws-oidc', 'node', '22.23.5', 'bin'), { recursive: true });
  writeFileSync(join(home, '.aws-oidc', 'node', '22.23.5', 'bin', 'node'), 'binary');
  return env;
}

export const NO_KEEP: CleanUpParams = { keepRuntime: false, keepNode: false, keepResults: false, dockerConfig: '' };

/** Runs clean-up on `env` (docker-config: the home's ~/.docker; `unset` writes $BASH_ENV); returns what it printed and its tally, or the error it threw. */
export function cleanUp(env: JobEnv, over: Partial<CleanUpParams> = {}, extra: Record<string, string> = {},
  unset: CleanUpDeps['writeExports'] = (entries) => writeExports(env.BASH_ENV, entries)): { printed: string; tally?: Tally; error?: Error } {
  let printed = '';
  const deps: CleanUpDeps = { env: { ...env, ...extra }, log: new Log((t) => { printed += t; }), pid: 4242, writeExports: unset };
  try {
    const tally = run({ ...NO_KEEP, dockerConfig: join(env.HOME, '.docker'), ...over }, deps);
    return { printed, tally };
  } catch (err) {
    return { printed, error: err as Error };
  }
}

/** Every file and link under `dir` (relative paths) with its content or target, for before/after comparisons. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out[relative(dir, p)] = st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}
