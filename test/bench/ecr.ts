// The ECR rows: ecr-login for one registry and for five, and build-and-push re-run when every tag is already
// pushed, each for both runtimes in turns, with the session keys of one assumed role.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { startRegistries } from '../harness/registry.ts';
import { ROLE, script, type Ctx, type Runtime } from './context.ts';
import { stepEnv } from './assume.ts';
import { measure, timeOnce } from './measure.ts';
import { formatValue } from './report.ts';

const OTHER_ACCOUNTS = ['333333333333', '444444444444', '555555555555', '666666666666'];

/** The AWS_* variables that the new runtime's assume-role-with-oidc step exports, as bash reads its $BASH_ENV. */
async function sessionKeys(ctx: Ctx): Promise<Record<string, string>> {
  const env = stepEnv(ctx, ctx.now);
  writeFileSync(env.BASH_ENV!, '');
  await timeOnce('bash', [script(ctx.now, 'assume-role-with-oidc')], env);
  const dump = execFileSync('env', ['-i', 'bash', '--norc', '-c', 'source "$0" && env -0', env.BASH_ENV!], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const keys = Object.fromEntries(dump.split('\0').map((kv) => kv.split(/=(.*)/s)).filter(([k]) => k?.startsWith('AWS_')).map(([k, v]) => [k!, v ?? '']));
  if (!keys.AWS_SESSION_TOKEN) throw new Error('assume-role-with-oidc exported no AWS_SESSION_TOKEN through $BASH_ENV');
  return keys;
}

/** The job's variables for an ECR step of one runtime: the session keys, its HOME, its own $BASH_ENV and results. */
function ecrEnv(ctx: Ctx, rt: Runtime, keys: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...ctx.common, ...keys, HOME: rt.home, BASH_ENV: join(rt.dir, 'ecr_env'), AWS_OIDC_RESULTS_DIR: join(rt.dir, 'results'),
    ORB_PARAM_REGION: REGION, ...extra,
  };
}

/** ecr-login with one registry and with five (credential-helper mode, so no docker call); returns the session keys. */
export async function benchEcrLogin(ctx: Ctx): Promise<Record<string, string>> {
  for (const account of OTHER_ACCOUNTS) ctx.rig.aws.allowEcr({ account, principalArn: ROLE });
  const keys = await sessionKeys(ctx);
  const login = (rt: Runtime, ids: string[]) => {
    const env = ecrEnv(ctx, rt, keys, { ORB_PARAM_ACCOUNT_ID: ids.join(',') });
    return () => timeOnce('bash', [script(rt, 'ecr-login')], env);
  };
  const five = [ACCOUNT, ...OTHER_ACCOUNTS];
  const m = await measure({
    oneNow: login(ctx.now, [ACCOUNT]), oneRef: login(ctx.ref, [ACCOUNT]),
    fiveNow: login(ctx.now, five), fiveRef: login(ctx.ref, five),
  }, ctx.runs, [['oneNow', 'oneRef'], ['fiveNow', 'fiveRef']]);
  const growth = { now: m.fiveNow / m.oneNow, ref: m.fiveRef / m.oneRef };
  ctx.results.compared.push(
    { what: 'ecr-login, 1 registry', unit: 'ms', now: m.oneNow, ref: m.oneRef, note: 'credential helper registered; GetCallerIdentity + one GetAuthorizationToken' },
    { what: 'ecr-login, 5 registries', unit: 'ms', now: m.fiveNow, ref: m.fiveRef, note: 'one GetAuthorizationToken for all five' },
    { what: 'ecr-login, 5 registries / 1', unit: 'x', now: growth.now, ref: growth.ref, note: 'time of five over time of one' },
  );
  ctx.results.checks.push({ what: 'ecr-login with five registries at most 1.3x one', ok: growth.now <= 1.3, now: formatValue('x', growth.now), ref: formatValue('x', growth.ref) });
  return keys;
}

/** The build context of the re-run rows: a one-file image, and the ECR repository it goes to. */
function buildContext(ctx: Ctx): string {
  const dir = join(ctx.work, 'build-context');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), String(Date.now()));
  ctx.rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'bench' });
  return dir;
}

/** Logs one runtime in through its own ecr-login; returns its build-and-push variables, with a docker-call log. */
async function rerunEnv(ctx: Ctx, rt: Runtime, keys: Record<string, string>): Promise<Record<string, string>> {
  const env = ecrEnv(ctx, rt, keys, { DOCKER_CONFIG: join(rt.dir, 'docker'), BASH_ENV: join(rt.dir, 'bp_env') });
  await timeOnce('bash', [script(rt, 'ecr-login')], env);
  return {
    ...env, PATH: `${ctx.bin}:${join(rt.home, '.aws-oidc', 'bin')}:${ctx.common.PATH ?? ''}`, DOCKER_BUILDKIT: '0',
    ORB_PARAM_REPO: 'bench', ORB_PARAM_TAG: 'v1,latest', ORB_PARAM_SKIP_WHEN_TAGS_EXIST: 'true', BENCH_DOCKER_CALLS: join(rt.dir, 'docker-calls'),
  };
}

const dockerCalls = (env: Record<string, string>): string[] => readFileSync(env.BENCH_DOCKER_CALLS!, 'utf8').split('\n').filter(Boolean);
const builds = (calls: string[]): number => calls.filter((c) => c === 'build' || c === 'buildx').length;

/** Pushes the image once with the new runtime, then times both runtimes' build-and-push re-runs against it. */
async function rerunBoth(ctx: Ctx, keys: Record<string, string>): Promise<void> {
  const cwd = buildContext(ctx);
  const env = { now: await rerunEnv(ctx, ctx.now, keys), ref: await rerunEnv(ctx, ctx.ref, keys) };
  writeFileSync(join(ctx.bin, 'docker'), '#!/bin/bash\necho "$1" >> "${BENCH_DOCKER_CALLS:-/dev/null}"\nexec /usr/bin/docker "$@"\n', { mode: 0o755 });
  await timeOnce('bash', [script(ctx.now, 'build-and-push')], env.now, cwd);
  for (const e of [env.now, env.ref]) writeFileSync(e.BENCH_DOCKER_CALLS!, '');
  const m = await measure({
    now: () => timeOnce('bash', [script(ctx.now, 'build-and-push')], env.now, cwd),
    ref: () => timeOnce('bash', [script(ctx.ref, 'build-and-push')], env.ref, cwd),
  }, Math.min(ctx.runs, 7), [['now', 'ref']]);
  const calls = { now: dockerCalls(env.now), ref: dockerCalls(env.ref) };
  const said = (c: string[]) => `${c.length} docker calls (${builds(c)} builds)`;
  ctx.results.compared.push({ what: 'build-and-push re-run, all tags present', unit: 'ms', now: m.now, ref: m.ref, note: `during the re-runs: new ${said(calls.now)}, ${ctx.ref.label} ${said(calls.ref)}` });
  ctx.results.checks.push({
    what: 'build-and-push re-run at most 1.5 s, no build', ok: m.now <= 1500 && builds(calls.now) === 0,
    now: `${formatValue('ms', m.now)}, ${builds(calls.now)} builds`, ref: `${formatValue('ms', m.ref)}, ${builds(calls.ref)} builds`,
  });
}

/** The re-run rows need the docker engine and a registry; without them they say why and the target is missed. */
export async function benchRerun(ctx: Ctx, keys: Record<string, string>): Promise<void> {
  try {
    const registries = await startRegistries(ctx.rig.aws, [ACCOUNT]);
    try {
      await rerunBoth(ctx, keys);
    } finally {
      await Promise.all([...registries.values()].map((r) => r.close()));
    }
  } catch (err) {
    const why = (err as Error).message.split('\n')[0] ?? '';
    ctx.results.compared.push({ what: 'build-and-push re-run', unit: 'ms', now: undefined, ref: undefined, note: `not measured: ${why}` });
    ctx.results.checks.push({ what: 'build-and-push re-run at most 1.5 s, no build', ok: false, now: 'not measured', ref: 'not measured' });
  }
}
