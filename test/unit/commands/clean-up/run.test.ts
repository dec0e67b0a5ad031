import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OrbError } from '../../../../src/lib/errors.ts';
import { manifestPath, recordWritten } from '../../../../src/lib/job-manifest.ts';
import { HELPER_HOST, LOGIN_HOST, OWN_CONFIG, OWN_CREDENTIALS, OWN_DOCKER, cleanUp, orbHome, snapshot, type JobEnv } from './orb-home.ts';

const read = (env: JobEnv, ...p: string[]) => readFileSync(join(env.HOME, ...p), 'utf8');
const docker = (env: JobEnv) => JSON.parse(read(env, '.docker', 'config.json')) as Record<string, Record<string, unknown>>;

/** One row: what the home holds (after `arrange`), what clean-up must leave, and whether it may fail. */
const ROWS: [string, (env: JobEnv) => void, (env: JobEnv, r: ReturnType<typeof cleanUp>) => void][] = [
  ['the runner\'s own profiles stay byte for byte', () => undefined, (env) => {
    expect(read(env, '.aws', 'config')).toBe(OWN_CONFIG);
    expect(read(env, '.aws', 'credentials')).toBe(OWN_CREDENTIALS);
  }],
  ['the orb\'s profile goes from both files, with its self-refresh state', () => undefined, (env, r) => {
    expect(read(env, '.aws', 'config')).not.toContain('ci-deploy');
    expect(read(env, '.aws', 'credentials')).not.toContain('ci-deploy');
    expect(existsSync(join(env.HOME, '.aws-oidc', 'profiles'))).toBe(false);
    expect(r.printed).toMatch(/^clean-up: removed profile ci-deploy; /);
  }],
  ['other docker auths and credential helpers stay; the orb\'s helper entry and login go', () => undefined, (env, r) => {
    expect(docker(env)).toEqual(OWN_DOCKER);
    expect(r.tally?.helpers).toEqual(new Set([HELPER_HOST]));
    expect(r.tally?.logins).toEqual(new Set([LOGIN_HOST]));
  }],
  ['a host a later step pointed at another helper stays', (env) => {
    const cfg = docker(env);
    cfg.credHelpers![HELPER_HOST] = 'ecr-login';
    writeFileSync(join(env.HOME, '.docker', 'config.json'), JSON.stringify(cfg));
  }, (env) => {
    expect(docker(env).credHelpers).toEqual({ ...OWN_DOCKER.credHelpers, [HELPER_HOST]: 'ecr-login' });
  }],
  ['$BASH_ENV gets unset lines for the AWS_* exports, after what was there', () => undefined, (env) => {
    expect(read(env, 'bash_env')).toMatch(/^export MINE=1\n(export .*\n)+unset AWS_ACCESS_KEY_ID\nunset AWS_REGION\n$/);
  }],
  ['~/.aws-oidc goes whole: runtime, Node.js, maps, results, the helper program, the manifest', () => undefined, (env, r) => {
    expect(existsSync(join(env.HOME, '.aws-oidc'))).toBe(false);
    expect(r.printed.trim()).toBe('clean-up: removed profile ci-deploy; the credential helper for 1 registry; 1 docker login; 1 ECR registry record; 4 files; the runtime of 2 commands; Node.js 22.23.5; unset 2 AWS_* variables for later steps');
  }],
  ['a result file that is a symbolic link is not followed: its target stays, the link stays, the step fails', (env) => {
    const result = join(env.HOME, '.aws-oidc', 'results', 'assume-role-with-oidc.json');
    writeFileSync(join(env.HOME, 'precious'), 'keep me\n');
    rmSync(result);
    symlinkSync(join(env.HOME, 'precious'), result);
  }, (env, r) => {
    expect(read(env, 'precious')).toBe('keep me\n');
    expect(r.printed).toMatch(/not removed: .*assume-role-with-oidc\.json is a symbolic link/);
    expect(r.error?.message).toMatch(/clean-up left 1 of the things the orb wrote in this job/);
  }],
  ['a Node.js directory holding a link to outside: the link goes, not what it points at', (env) => {
    mkdirSync(join(env.HOME, 'outside'));
    writeFileSync(join(env.HOME, 'outside', 'lib'), 'keep me\n');
    symlinkSync(join(env.HOME, 'outside'), join(env.HOME, '.aws-oidc', 'node', '22.23.5', 'lib'));
  }, (env, r) => {
    expect(r.error).toBeUndefined();
    expect(read(env, 'outside', 'lib')).toBe('keep me\n');
    expect(existsSync(join(env.HOME, '.aws-oidc', 'node'))).toBe(false);
  }],
];

describe('clean-up after a job\'s steps', () => {
  it.each(ROWS)('%s', (_name, arrange, check) => {
    const env = orbHome();
    arrange(env);
    check(env, cleanUp(env));
  });

  it('an empty manifest is a no-op, and so is a job with no manifest at all', () => {
    const env = orbHome();
    writeFileSync(manifestPath(env)!, '');
    // Everything stays but the empty manifest, which clean-up takes.
    const before = snapshot(env.HOME);
    delete before[`.aws-oidc/jobs/${env.CIRCLE_WORKFLOW_JOB_ID}`];
    const empty = cleanUp(env);
    expect(empty.error).toBeUndefined();
    expect(empty.printed.trim()).toBe('clean-up: nothing left to remove');
    expect(snapshot(env.HOME)).toEqual(before);
    const none = cleanUp(env);
    expect(none.printed.trim()).toBe('clean-up: nothing to remove: no orb step recorded anything in this job since the last clean-up');
  });

  it('run twice: the second run changes nothing', () => {
    const env = orbHome();
    expect(cleanUp(env).error).toBeUndefined();
    const after = snapshot(env.HOME);
    const second = cleanUp(env);
    expect(second.error).toBeUndefined();
    expect(second.printed.trim()).toBe('clean-up: nothing to remove: no orb step recorded anything in this job since the last clean-up');
    expect(snapshot(env.HOME)).toEqual(after);
  });

  it('keep-runtime, keep-node and keep-results keep those, and say so', () => {
    const env = orbHome();
    const r = cleanUp(env, { keepRuntime: true, keepNode: true, keepResults: true });
    expect(Object.keys(snapshot(join(env.HOME, '.aws-oidc'))).sort()).toEqual([
      'node/22.23.5/bin/node', 'results/assume-role-with-oidc.json',
      'runtime/assume-role-with-oidc.cjs', 'runtime/assume-role-with-oidc.cjs.cache', 'runtime/ecr-login.cjs', 'runtime/ecr-login.cjs.cache',
    ]);
    expect(r.printed).toMatch(/; kept results \(keep-results\), the runtime \(keep-runtime\), Node\.js 22\.23\.5 \(keep-node\)$/m);
  });

  it('another job\'s manifest and what it names stay', () => {
    const env = orbHome();
    const other = { ...env, CIRCLE_WORKFLOW_JOB_ID: 'another-job' };
    recordWritten(other, [['file', join(env.HOME, '.aws-oidc', 'results', 'other.json')]]);
    writeFileSync(join(env.HOME, '.aws-oidc', 'results', 'other.json'), '{}\n');
    expect(cleanUp(env).error).toBeUndefined();
    expect(Object.keys(snapshot(join(env.HOME, '.aws-oidc'))).sort()).toEqual(['jobs/another-job', 'results/other.json']);
  });

  it('the AWS files of another AWS_CONFIG_FILE, or another docker config, are not this step\'s: left, and the step says why', () => {
    const env = orbHome();
    const r = cleanUp(env, { dockerConfig: join(env.HOME, 'other-docker') }, { AWS_CONFIG_FILE: join(env.HOME, 'other-config') });
    expect(read(env, '.aws', 'config')).toContain('[profile ci-deploy]');
    expect(read(env, '.aws', 'credentials')).not.toContain('ci-deploy');
    expect(docker(env).credHelpers).toHaveProperty([HELPER_HOST]);
    expect(r.printed).toMatch(/not removed: .*\.aws\/config is not the AWS config or credentials file of this step/);
    expect(r.printed).toMatch(/not removed: .*\.docker\/config\.json is not the docker config of this step .*give clean-up the docker-config that ecr-login used/);
    expect(r.error?.message).toMatch(/clean-up left 2 of the things/);
  });
});

describe('clean-up when $BASH_ENV cannot take the unset lines', () => {
  it('the refusal is named, and everything else still goes', () => {
    const env = orbHome();
    const r = cleanUp(env, {}, {}, () => {
      throw new OrbError(`refusing to write ${env.BASH_ENV}: it is a symbolic link`);
    });
    expect(r.printed).toMatch(/not removed: refusing to write .*bash_env: it is a symbolic link/);
    expect(r.error?.message).toMatch(/clean-up left 1 of the things/);
    expect(existsSync(join(env.HOME, '.aws-oidc'))).toBe(false);
    expect(read(env, '.aws', 'config')).toBe(OWN_CONFIG);
  });
});
