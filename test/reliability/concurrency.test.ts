// Concurrency: eight jobs at once, each assuming its own role (deploy, staging-deploy, production-deploy) and pushing to one shared registry
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT]);

const ROLES = [
  { account: ACCOUNT, name: 'deploy' },
  { account: ACCOUNT, name: 'staging-deploy' },
  { account: PROD_ACCOUNT, name: 'production-deploy' },
] as const;
/** Job i: its role, session, repository, and the identity the registry must see. */
const JOBS = Array.from({ length: 8 }, (_, i) => {
  const role = ROLES[i % ROLES.length]!;
  const session = `parallel-job-${i}`;
  return {
    i, role, session, repo: `parallel-${i}`,
    roleArn: `arn:aws:iam::${role.account}:role/${role.name}`,
    identityArn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${session}`,
  };
});

beforeAll(() => {
  // The production role pushes to the shared registry of the first account, as a cross-account deploy does.
  rig.aws.allowEcr({ account: ACCOUNT, principalArn: `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy` });
  for (const j of JOBS) rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: j.repo });
});

function project(i: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'parallel-project-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), `job ${i} ${Date.now()}-${Math.random()}\n`);
  return dir;
}

const config = (j: (typeof JOBS)[number]) => consumerConfig(rig.orbText, [
  { orb: 'assume-role-with-oidc', params: { 'role-arn': j.roleArn, region: REGION, 'role-session-name': j.session } },
  { orb: 'ecr-login', params: { 'account-id': ACCOUNT } },
  { orb: 'build-and-push', params: { repo: j.repo, tag: 'v1', 'account-id': ACCOUNT } },
  { name: 'Who am I', run: 'aws sts get-caller-identity --query Arn --output text' },
]);
const all = (r: JobResult): string => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
const keyId = (bashEnv: string): string | undefined => /^export AWS_ACCESS_KEY_ID=['"]?(A[A-Z0-9]{15,})/m.exec(bashEnv)?.[1];

describe('eight jobs at once', () => {
  let results: JobResult[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    results = await Promise.all(JOBS.map((j) => rig.run(config(j), 'deploy', { branch: 'main', checkoutSource: project(j.i) })));
    console.log(`eight parallel jobs (assume, ecr-login, build-and-push, whoami) took ${Date.now() - t0} ms in all`);
  }, 300_000);

  it.each(JOBS)('job $i ($role.name) succeeds and later steps act as its own session', (j) => {
    const r = results[j.i]!;
    expect(r.success, all(r)).toBe(true);
    expect(r.steps.find((s) => s.name === 'Who am I')?.output.trim()).toBe(j.identityArn);
    const result = JSON.parse(readFileSync(`${r.home}/.aws-oidc/results/assume-role-with-oidc.json`, 'utf8')) as { assumedRoleArn: string };
    expect(result.assumedRoleArn).toBe(j.identityArn);
  });

  it('every push to a job\'s repository was made with that job\'s identity, and the registry serves the digest the job exported', async () => {
    const reg = registries.get(ACCOUNT)!;
    for (const j of JOBS) {
      const seen = reg.requests.filter((q) => q.path.startsWith(`/v2/${j.repo}/`));
      expect(seen.some((q) => q.method === 'PUT' && q.path.includes('/manifests/v1') && q.status === 201), j.repo).toBe(true);
      expect(new Set(seen.map((q) => q.identityArn)), j.repo).toEqual(new Set([j.identityArn]));
      const pushed = JSON.parse(readFileSync(`${results[j.i]!.home}/.aws-oidc/results/build-and-push-${j.repo}.json`, 'utf8')) as { digest: string };
      expect(await reg.manifestDigest(j.repo, 'v1')).toBe(pushed.digest);
    }
    // Eight pushes, eight different images.
    expect(new Set(await Promise.all(JOBS.map((j) => reg.manifestDigest(j.repo, 'v1')))).size).toBe(JOBS.length);
  });

  it('no job\'s $BASH_ENV or result files hold another job\'s keys or session', () => {
    const files = results.map((r) => ({
      bashEnv: readFileSync(r.bashEnvPath, 'utf8'),
      results: ['assume-role-with-oidc.json', `build-and-push-${JOBS[results.indexOf(r)]!.repo}.json`]
        .map((f) => readFileSync(`${r.home}/.aws-oidc/results/${f}`, 'utf8')).join('\n'),
    }));
    const keys = files.map((f) => keyId(f.bashEnv));
    expect(keys.every((k) => k !== undefined)).toBe(true);
    expect(new Set(keys).size).toBe(JOBS.length);
    for (const j of JOBS) {
      for (const other of JOBS.filter((o) => o.i !== j.i)) {
        const mine = files[j.i]!;
        expect(mine.bashEnv.includes(keys[other.i]!), `job ${j.i} BASH_ENV has job ${other.i}'s key`).toBe(false);
        expect(`${mine.bashEnv}\n${mine.results}`.includes(other.session), `job ${j.i} names job ${other.i}'s session`).toBe(false);
      }
    }
  });
});
