// Re-runs: a step run twice in a job, or the whole job run again, gives the same result with no duplicated or conflicting exports
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { useRig } from '../harness/use-rig.ts';
import { bashC } from '../support/bash.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT]);
beforeAll(() => {
  for (const name of ['rerun-skip', 'rerun-job']) rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name });
});

const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const STAGING = `arn:aws:iam::${ACCOUNT}:role/staging-deploy`;
const BUILD = 'Build and push to Amazon ECR';
const assume = (roleArn: string, session: string): ConsumerStep => ({ orb: 'assume-role-with-oidc', params: { 'role-arn': roleArn, region: REGION, 'role-session-name': session } });
const WHO: ConsumerStep = { name: 'Who am I', run: 'aws sts get-caller-identity --query Arn --output text' };
const all = (r: JobResult): string => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
const outs = (r: JobResult, name: string): string[] => r.steps.filter((s) => s.name === name).map((s) => s.output.trim());

/** The names $BASH_ENV exports or unsets, in order, one entry per line. */
const exportedNames = (text: string): string[] => [...text.matchAll(/^(?:export|unset) ([A-Za-z_][A-Za-z0-9_]*)/gm)].map((m) => m[1]!);

/** What a fresh bash sees for `names` after sourcing the file (values stay in this process, never printed). */
function sourced(bashEnv: string, names: string[]): Record<string, string> {
  const script = `source "$0"; for n in ${names.join(' ')}; do printf '%s=%s\\n' "$n" "\${!n-<unset>}"; done`;
  const text = execFileSync(...bashC(script, bashEnv), { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: 'utf8' });
  return Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rerun-project-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), `${Date.now()}-${Math.random()}\n`);
  return dir;
}

describe('a step twice in one job', () => {
  it('assume-role-with-oidc twice (deploy, then staging-deploy): $BASH_ENV sourced gives the second session, every name of the first is re-exported', async () => {
    const before = rig.aws.requests.length;
    const r = await rig.run(consumerConfig(rig.orbText, [assume(DEPLOY, 'rerun-first'), WHO, assume(STAGING, 'rerun-second'), WHO]));
    expect(r.success, all(r)).toBe(true);
    expect(outs(r, 'Who am I')).toEqual([`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/rerun-first`, `arn:aws:sts::${ACCOUNT}:assumed-role/staging-deploy/rerun-second`]);
    const text = readFileSync(r.bashEnvPath, 'utf8');
    const names = exportedNames(text);
    // Two equal blocks, one per use, each naming every variable once: the second overrides all of the first.
    const half = names.length / 2;
    expect(Number.isInteger(half)).toBe(true);
    const [first, second] = [names.slice(0, half), names.slice(half)];
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    expect(first).toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']));
    // The sourced keys are the ones the last "Who am I" signed with: one coherent session, the second.
    const env = sourced(r.bashEnvPath, first);
    const whoamiKeys = rig.aws.requests.slice(before).filter((q) => q.action === 'GetCallerIdentity').map((q) => q.accessKeyId);
    expect(env.AWS_ACCESS_KEY_ID).toBe(whoamiKeys.at(-1));
    expect(env.AWS_ACCESS_KEY_ID).not.toBe(whoamiKeys.find((k) => k !== whoamiKeys.at(-1)) ?? '');
    expect(Object.values(env)).not.toContain('<unset>');
    const result = JSON.parse(readFileSync(`${r.home}/.aws-oidc/results/assume-role-with-oidc.json`, 'utf8')) as { assumedRoleArn: string };
    expect(result.assumedRoleArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/staging-deploy/rerun-second`);
  });

  it('ecr-login twice: one credHelpers entry for the host, no plaintext login, one registry-map entry, the same exports', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume(DEPLOY, 'rerun-login'), { orb: 'ecr-login' }, { orb: 'ecr-login' },
      { name: 'Registry', run: 'echo "$AWS_ECR_REGISTRY"' }]));
    expect(r.success, all(r)).toBe(true);
    const host = registries.get(ACCOUNT)!.host;
    expect(outs(r, 'Registry')).toEqual([host]);
    const raw = readFileSync(join(r.home, '.docker', 'config.json'), 'utf8');
    const cfg = JSON.parse(raw) as { credHelpers?: Record<string, string>; auths?: Record<string, unknown> };
    expect(cfg.credHelpers).toEqual({ [host]: 'aws-oidc' });
    expect(raw.split(`"${host}"`).length - 1).toBe(1);
    expect(Object.keys(cfg.auths ?? {})).not.toContain(host);
    const map = JSON.parse(readFileSync(join(r.home, '.aws-oidc', 'ecr', 'registries.json'), 'utf8')) as Record<string, { host: string }>;
    expect(Object.values(map).filter((e) => e.host === host)).toHaveLength(1);
    // Each ecr-login block exports the same names; the repeated block changes no value.
    const names = exportedNames(readFileSync(r.bashEnvPath, 'utf8')).filter((n) => n.startsWith('AWS_ECR'));
    expect(names.length).toBeGreaterThan(0);
    expect(names.length % 2).toBe(0);
    const half = names.slice(0, names.length / 2);
    expect(names.slice(names.length / 2)).toEqual(half);
  });

  it('build-and-push with skip-when-tags-exist twice: the same digest, one build and one push', async () => {
    const step: ConsumerStep = { orb: 'build-and-push', params: { repo: 'rerun-skip', tag: 'v1', 'skip-when-tags-exist': true } };
    const digest: ConsumerStep = { name: 'Digest', run: 'echo "$AWS_ECR_IMAGE_DIGEST"' };
    const r = await rig.run(consumerConfig(rig.orbText, [assume(DEPLOY, 'rerun-skip'), { orb: 'ecr-login' }, step, digest, step, digest]), 'deploy', { checkoutSource: project() });
    expect(r.success, all(r)).toBe(true);
    const [a, b] = outs(r, 'Digest');
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(await registries.get(ACCOUNT)!.manifestDigest('rerun-skip', 'v1')).toBe(a);
    const calls = rig.dockerCalls(r).map((c) => c.argv[0]);
    expect(calls.filter((c) => c === 'build')).toHaveLength(1);
    expect(calls.filter((c) => c === 'push')).toHaveLength(1);
    const names = exportedNames(readFileSync(r.bashEnvPath, 'utf8')).filter((n) => n.startsWith('AWS_ECR_IMAGE'));
    expect(names.length % 2).toBe(0);
    expect(names).toContain('AWS_ECR_IMAGE_DIGEST');
    expect(names.slice(names.length / 2)).toEqual(names.slice(0, names.length / 2));
  });
});

describe('the job run again', () => {
  it('assume, ecr-login and build-and-push (skip-when-tags-exist), twice as separate jobs: the same identity and digest, nothing rebuilt', async () => {
    const source = project();
    const config = consumerConfig(rig.orbText, [assume(DEPLOY, 'rerun-job'), { orb: 'ecr-login' },
      { orb: 'build-and-push', params: { repo: 'rerun-job', tag: 'release', 'skip-when-tags-exist': true } }, WHO,
      { name: 'Digest', run: 'echo "$AWS_ECR_IMAGE_DIGEST"' }]);
    const first = await rig.run(config, 'deploy', { checkoutSource: source });
    const second = await rig.run(config, 'deploy', { checkoutSource: source });
    for (const r of [first, second]) expect(r.success, all(r)).toBe(true);
    expect(outs(second, 'Who am I')).toEqual(outs(first, 'Who am I'));
    expect(outs(second, 'Digest')).toEqual(outs(first, 'Digest'));
    expect(outs(second, BUILD).join('')).toMatch(/no build, no push/);
    expect(rig.dockerCalls(second).filter((c) => c.argv[0] === 'build' || c.argv[0] === 'push')).toEqual([]);
    // Each run is a fresh job: one set of exports per use, never the previous run's.
    for (const r of [first, second]) {
      const names = exportedNames(readFileSync(r.bashEnvPath, 'utf8'));
      expect(names.filter((n) => n === 'AWS_ACCESS_KEY_ID')).toHaveLength(1);
      expect(existsSync(`${r.home}/.aws-oidc/results/build-and-push-rerun-job.json`)).toBe(true);
    }
    expect(second.bashEnvPath).not.toBe(first.bashEnvPath);
  });
});
