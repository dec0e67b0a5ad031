import { describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrbError } from '../../../src/lib/errors.ts';
import { manifestPath, recordWritten } from '../../../src/lib/job-manifest.ts';
import { writeProfile } from '../../../src/lib/aws/files.ts';
import { bashEnvWriter } from '../../../src/lib/sh-steps.ts';
import { Log } from '../../../src/lib/log.ts';
import { resultWriter, runsOn } from '../../../src/lib/main.ts';
import { mergeAuths, registerHelper, saveLoginRecords, saveRegistryEntries } from '../../../src/commands/ecr-login/docker-config.ts';
import { installHelperProgram } from '../../../src/commands/ecr-login/helper.ts';
import { refreshPaths, saveRefreshState } from '../../../src/commands/assume-role-with-oidc/refresh.ts';
import type { AssumeRoleParams } from '../../../src/commands/assume-role-with-oidc/params.ts';

const JOB = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const job = () => {
  const home = mkdtempSync(join(tmpdir(), 'manifest-'));
  return { HOME: home, CIRCLE_WORKFLOW_JOB_ID: JOB };
};
const lines = (env: { HOME: string }) => readFileSync(join(env.HOME, '.aws-oidc', 'jobs', JOB), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as string[]);
const creds = { accessKeyId: 'ASIAEXAMPLEKEY000001', secretAccessKey: 'secret-value', sessionToken: 'token-value', expiration: new Date(Date.now() + 3600_000) };

describe('recordWritten', () => {
  it('appends one JSON array a line to ~/.aws-oidc/jobs/<job id> (0600 in a 0700 directory), keeping what was there', () => {
    const env = job();
    recordWritten(env, [['file', '/a']]);
    recordWritten(env, [['export', 'AWS_REGION'], ['runtime', 'ecr-login']]);
    expect(lines(env)).toEqual([['file', '/a'], ['export', 'AWS_REGION'], ['runtime', 'ecr-login']]);
    expect(statSync(manifestPath(env)!).mode & 0o777).toBe(0o600);
    expect(statSync(join(env.HOME, '.aws-oidc', 'jobs')).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['no CIRCLE_WORKFLOW_JOB_ID (the CLI on a laptop)', undefined],
    ['a job id that would leave the directory', '../../etc/x'],
    ['an empty job id', ''],
  ])('records nothing with %s', (_name, id) => {
    const home = mkdtempSync(join(tmpdir(), 'manifest-'));
    const env = { HOME: home, ...(id === undefined ? {} : { CIRCLE_WORKFLOW_JOB_ID: id }) };
    recordWritten(env, [['file', '/a']]);
    expect(readdirSync(home)).toEqual([]);
  });

  it.each([
    ['a job id with a path after it', `${JOB}/../../x`],
    ['a job id with a path before it', `../../${JOB}`],
    ['a job id of 201 characters', 'a'.repeat(201)],
  ])('records nothing, anywhere under HOME, with %s', (_name, id) => {
    const home = mkdtempSync(join(tmpdir(), 'manifest-'));
    const env = { HOME: home, CIRCLE_WORKFLOW_JOB_ID: id };
    expect(manifestPath(env)).toBeUndefined();
    recordWritten(env, [['file', '/a']]);
    expect(readdirSync(home)).toEqual([]);
  });

  it('takes a job id of 200 characters, and puts the manifests under ./.aws-oidc/jobs when HOME is empty', () => {
    expect(manifestPath({ HOME: '/h', CIRCLE_WORKFLOW_JOB_ID: 'a'.repeat(200) })).toBe(join('/h', '.aws-oidc', 'jobs', 'a'.repeat(200)));
    expect(manifestPath({ HOME: '', CIRCLE_WORKFLOW_JOB_ID: JOB })).toBe(join('.', '.aws-oidc', 'jobs', JOB));
  });

  it('writes nothing, not even an empty manifest, when there is nothing to record', () => {
    const env = job();
    recordWritten(env, []);
    expect(readdirSync(env.HOME)).toEqual([]);
  });

  it('says which file it refuses and how to fix it, and closes the manifest whatever happens', () => {
    const env = job();
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    recordWritten(env, [['file', '/a']]);
    chmodSync(manifestPath(env)!, 0o666);
    let err: unknown;
    try { recordWritten(env, [['file', '/b']]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OrbError);
    expect([(err as OrbError).message, (err as OrbError).hint]).toEqual([
      `refusing to record what this step writes in ${manifestPath(env)!}: it must be a regular file (not a link) that only this user may write`,
      `remove ${manifestPath(env)!} and run the step again`,
    ]);
    expect(fds()).toBe(before);
  });

  it('passes on an error other than a link as it is (a directory where the manifest goes)', () => {
    const env = job();
    mkdirSync(manifestPath(env)!, { recursive: true });
    let err: unknown;
    try { recordWritten(env, [['file', '/a']]); } catch (e) { err = e; }
    expect(err).not.toBeInstanceOf(OrbError);
    expect((err as NodeJS.ErrnoException).code).toBe('EISDIR');
  });

  it('refuses a manifest another user owns', (ctx) => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: only root can give the manifest to another user here');
      ctx.skip();
    }
    const env = job();
    recordWritten(env, [['file', '/a']]);
    chownSync(manifestPath(env)!, 4242, 4242);
    expect(() => recordWritten(env, [['file', '/b']])).toThrow(/that only this user may write/);
    expect(lines(env)).toEqual([['file', '/a']]);
  });

  it('refuses a manifest that is a symbolic link, and writes nothing through it', () => {
    const env = job();
    const outside = join(env.HOME, 'outside');
    writeFileSync(outside, 'kept\n');
    mkdirSync(join(env.HOME, '.aws-oidc', 'jobs'), { recursive: true });
    symlinkSync(outside, manifestPath(env)!);
    expect(() => recordWritten(env, [['file', '/a']])).toThrow(/refusing to record what this step writes in .*: it must be a regular file \(not a link\)/);
    expect(readFileSync(outside, 'utf8')).toBe('kept\n');
  });

  it('refuses a manifest that others may write (its lines say what clean-up removes); one others may only read is taken', () => {
    const env = job();
    mkdirSync(join(env.HOME, '.aws-oidc', 'jobs'), { recursive: true });
    writeFileSync(manifestPath(env)!, '', { mode: 0o644 });
    recordWritten(env, [['file', '/a']]);
    chmodSync(manifestPath(env)!, 0o664);
    expect(() => recordWritten(env, [['file', '/b']])).toThrow(/that only this user may write/);
    expect(lines(env)).toEqual([['file', '/a']]);
  });
});

describe('the writers record what they write, before writing it', () => {
  it('writeProfile: the section of each file; saveRefreshState: its two files', () => {
    const env = job();
    writeProfile(env, 'deploy', creds, 'eu-west-1');
    const paths = refreshPaths(env, 'deploy');
    saveRefreshState(env, paths, {} as AssumeRoleParams, creds);
    expect(lines(env)).toEqual([
      ['ini', join(env.HOME, '.aws', 'credentials'), 'deploy'], ['ini', join(env.HOME, '.aws', 'config'), 'profile deploy'],
      ['file', paths.config], ['file', paths.cache],
    ]);
  });

  it('ecr-login: credHelpers and auths entries, the registry map and login records, the helper program', () => {
    const env = job();
    const dir = join(env.HOME, '.docker');
    registerHelper(env, dir, [HOST]);
    mergeAuths(env, dir, { 'other.example.com': { auth: 'eDp5' } });
    saveRegistryEntries(env, [{ host: HOST, registryId: '123456789012', region: 'eu-west-1', profile: '', identityArn: 'arn:aws:sts::123456789012:assumed-role/r/s', public: false }]);
    saveLoginRecords(env, { [HOST]: { expiresAt: new Date().toISOString(), identityArn: 'x', registryId: '123456789012' } });
    installHelperProgram(env, { node: '/usr/bin/node', runtime: join(env.HOME, '.aws-oidc', 'runtime', 'ecr-login.cjs'), loader: '{}' });
    const ecr = join(env.HOME, '.aws-oidc', 'ecr');
    expect(lines(env)).toEqual([
      ['docker', join(dir, 'config.json'), 'credHelpers', HOST], ['docker', join(dir, 'config.json'), 'auths', 'other.example.com'],
      ['map', join(ecr, 'registries.json'), HOST], ['map', join(ecr, 'logins.json'), HOST],
      ['file', join(env.HOME, '.aws-oidc', 'bin', 'docker-credential-aws-oidc')],
    ]);
  });

  it('results and $BASH_ENV: the result file, and the AWS_* variables exported (not PATH, not unset ones)', () => {
    const env = { ...job(), BASH_ENV: '' };
    env.BASH_ENV = join(env.HOME, 'bash_env');
    resultWriter(env)('ecr-login', { ok: true });
    bashEnvWriter(env, new Log(() => undefined))({ AWS_ECR_REGISTRY: 'h', PATH: '/x', AWS_PROFILE: null });
    expect(lines(env)).toEqual([['file', join(env.HOME, '.aws-oidc', 'results', 'ecr-login.json')], ['export', 'AWS_ECR_REGISTRY']]);
  });
});

describe('runsOn: what a step runs on that the wrapper put in the job\'s home', () => {
  it.each([
    ['its own runtime and the Node.js of install-node', { HOME: '/home/u', AWS_OIDC_RUNTIME: '/home/u//.aws-oidc/runtime/ecr-login.cjs' }, '/home/u/.aws-oidc/node/22.23.5/bin/node', [['runtime', 'ecr-login'], ['node', '22.23.5']]],
    ['another command\'s runtime (a credential_process inside ecr-login), the system Node.js', { HOME: '/home/u', AWS_OIDC_RUNTIME: '/home/u/.aws-oidc/runtime/assume-role-with-oidc.cjs' }, '/usr/bin/node', []],
    ['no runtime (the CLI), Node.js under a home reached through a link', { HOME: '/home/u' }, '/var/home/u/.aws-oidc/node/20.19.5/bin/node', [['node', '20.19.5']]],
  ])('%s', (_name, env, node, expected) => {
    expect(runsOn(env, 'ecr-login', node)).toEqual(expected);
  });
});
