// docs/migration.md: every after-config in the guide (```yaml after:<name> blocks) is checked with the
// orb checks' example rules and schema, loaded by the runner against the packed orb with every job
// expanded, and the guide's simplest ones run whole in the rig. The mapping tables name real parameters.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkExamples } from '../../tools/orb/examples.ts';
import { formatFinding } from '../../tools/orb/findings.ts';
import { buildModel, type Component } from '../../tools/orb/model.ts';
import { validateAgainst } from '../../tools/orb/schema.ts';
import { loadOrbSource } from '../../tools/orb/source.ts';
import { ACCOUNT } from '../harness/rig.ts';
import { expandJob, expandWorkflow, loadConfig, type JobResult } from '../harness/runner/index.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';

const GUIDE = readFileSync('docs/migration.md', 'utf8');
const ORB_REF = 'aws-oidc/aws-oidc@0.1.0';
const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT]);

/** The guide's after-configs, by name, in order. */
function afterConfigs(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of markdown.matchAll(/^```yaml after:(\S+)\n([\s\S]*?)^```$/gm)) out.set(m[1]!, m[2]!);
  return out;
}
const AFTER = afterConfigs(GUIDE);
const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name} (exit ${s.exitCode})\n${s.output}`).join('\n');

describe('docs/migration.md', () => {
  it('has an after-config for setup, ecr_login and build_and_push_image', () => {
    expect([...AFTER.keys()]).toEqual(['setup-with-oidc', 'setup-with-a-profile', 'ecr-login', 'build-and-push-job', 'build-and-push-command']);
  });

  it('every after-config passes the orb checks for usage examples (schema, imports, names, arguments)', () => {
    const model = buildModel(loadOrbSource('src/orb'));
    const examples = new Map<string, Component>();
    for (const [name, text] of AFTER) {
      const data = { description: `docs/migration.md after-config ${name}`, usage: parse(text) as unknown };
      const file = `docs/migration.md#${name}`;
      expect(validateAgainst('example', file, data).map(formatFinding)).toEqual([]);
      examples.set(name, { kind: 'examples', name, file, base: [], data, params: {} });
    }
    const findings = checkExamples({ ...model, byKind: { ...model.byKind, examples } }, 'aws-oidc');
    expect(findings.map(formatFinding)).toEqual([]);
    console.log(`${examples.size} after-configs pass the orb checks' example rules`);
  });

  it('the checks would catch a wrong parameter name in an after-config', () => {
    const model = buildModel(loadOrbSource('src/orb'));
    const usage = parse(AFTER.get('setup-with-oidc')!.replace('role-arn:', 'role_arn:')) as unknown;
    const c: Component = { kind: 'examples', name: 'bad', file: 'bad', base: [], data: { description: 'x', usage }, params: {} };
    const findings = checkExamples({ ...model, byKind: { ...model.byKind, examples: new Map([['bad', c]]) } }, 'aws-oidc');
    expect(findings.map((f) => f.rule)).toContain('SEM003');
  });

  it('every after-config loads against the packed orb and every workflow job expands in the runner', () => {
    let jobs = 0;
    for (const [name, text] of AFTER) {
      const cfg = loadConfig(text, { orbs: { [ORB_REF]: rig.orbText } });
      const workflows = Object.keys((parse(text) as { workflows: object }).workflows);
      for (const wf of workflows) {
        for (const entry of expandWorkflow(cfg, wf)) {
          expect(expandJob(cfg, entry.job, entry.params).steps.length, `${name}: ${entry.name}`).toBeGreaterThan(0);
          jobs += 1;
        }
      }
    }
    console.log(`${AFTER.size} after-configs, ${jobs} jobs expanded`);
    expect(jobs).toBeGreaterThanOrEqual(AFTER.size);
  });

  it('the mapping tables name only parameters this orb has', () => {
    const model = buildModel(loadOrbSource('src/orb'));
    const ours = new Set([...model.byKind.commands.values(), ...model.byKind.jobs.values()].flatMap((c) => Object.keys(c.params)));
    const mapping = GUIDE.slice(GUIDE.indexOf('## Parameter mapping'), GUIDE.indexOf('## Before and after'));
    const named = [...mapping.matchAll(/^\|[^|]*\| ([^|]*) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([a-z][a-z0-9-]*)`/g)].map((n) => n[1]!));
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter((n) => !ours.has(n))).toEqual([]);
  });

  it('after-config setup-with-oidc runs in the rig as the role', async () => {
    const r = await rig.run(AFTER.get('setup-with-oidc')!, 'deploy', { env: { AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/deploy` } });
    expect(r.success, all(r)).toBe(true);
    expect(r.steps.at(-1)?.output).toMatch(new RegExp(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/deploy`));
  });

  it('after-config setup-with-a-profile runs in the rig and writes the profile', async () => {
    const r = await rig.run(AFTER.get('setup-with-a-profile')!, 'report', { env: { REPORTING_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/staging-deploy` } });
    expect(r.success, all(r)).toBe(true);
    expect(r.steps.at(-1)?.output).toMatch(new RegExp(`arn:aws:sts::${ACCOUNT}:assumed-role/staging-deploy/`));
  });

  it('after-config build-and-push-job runs in the rig: creates the repository and pushes two tags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migration-project-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nARG NODE_ENV\nLABEL env=$NODE_ENV\nCOPY stamp /stamp\n');
    writeFileSync(join(dir, 'stamp'), `${Date.now()}\n`);
    const r = await rig.runWorkflowJob(AFTER.get('build-and-push-job')!, 'image', 'aws-oidc/build-and-push',
      { checkoutSource: dir, env: { AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/deploy` } });
    expect(r.success, all(r)).toBe(true);
    const reg = registries.get(ACCOUNT)!;
    const digest = await reg.manifestDigest('webapp', 'latest');
    expect(digest).toMatch(/^sha256:/);
    expect(await reg.manifestDigest('webapp', r.env.CIRCLE_SHA1 ?? '')).toBe(digest);
    expect(r.steps.find((s) => s.name === 'Build and push to Amazon ECR')?.output).toContain(`Created the ECR repository`);
  });
});
