// Using the orb before it is in the orb registry (README "Before the orb is in the registry"): the packed dist/orb.yml
// inline in a config (tools/inline-orb.ts), expanded by the rig's runner with no orb source at all and run as the role;
// and as a URL orb, which expands to the same job as the registry reference.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineOrb } from '../../tools/inline-orb.ts';
import { loadDemoConfig } from '../harness/demo/config.ts';
import { ACCOUNT } from '../harness/rig.ts';
import { expandJob, loadConfig } from '../harness/runner/index.ts';
import { parseYaml } from '../harness/runner/scope.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();
const work = mkdtempSync(join(tmpdir(), 'orb-before-registry-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const TOOL = resolve('tools/inline-orb.ts');
const config = (orbRef: string) => `version: 2.1
orbs:
  aws-oidc: ${orbRef}   # the orb
jobs:
  deploy:
    executor: aws-oidc/default
    steps:
      - aws-oidc/assume-role-with-oidc:
          role-arn: \${DEPLOY_ROLE_ARN}
          region: us-east-1
      - run: {name: Who am I, command: aws sts get-caller-identity --query Arn --output text}
workflows:
  deploy:
    jobs: [deploy]
`;
const REGISTRY = config('aws-oidc/aws-oidc@0.1.0');
const reference = () => expandJob(loadConfig(REGISTRY, { orbs: { 'aws-oidc/aws-oidc@0.1.0': rig.orbText } }), 'deploy');
const tool = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', TOOL, ...args], { encoding: 'utf8', env: { ...process.env, TSX_DISABLE_CACHE: '1' } });

describe('the packed orb as an inline orb', () => {
  it('inlineOrb puts dist/orb.yml under orbs: aws-oidc; the runner expands it with no orb source, as the registry reference, and its job runs as the role', async () => {
    const inline = inlineOrb(REGISTRY, rig.orbText);
    const doc = parseYaml(inline, 'config') as Record<string, unknown> & { orbs: Record<string, unknown> };
    expect(doc.orbs['aws-oidc']).toEqual(parseYaml(rig.orbText, 'orb'));
    const { orbs: _o, ...rest } = doc;
    const { orbs: _r, ...wanted } = parseYaml(REGISTRY, 'config') as Record<string, unknown>;
    expect(rest).toEqual(wanted);
    const job = expandJob(loadConfig(inline), 'deploy');
    expect(job).toEqual(reference());
    const r = await rig.runJob(job, { env: { DEPLOY_ROLE_ARN: DEPLOY } });
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    expect(r.steps.at(-1)?.output).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`));
  });

  it('the command: a config in, the config with the orb inline out (a flow-style orbs: too); no config: an orbs: block to paste; no aws-oidc entry: exit 1', () => {
    writeFileSync(join(work, 'flow.yml'), REGISTRY.replace(/^orbs:\n {2}aws-oidc: .*\n/m, 'orbs: { aws-oidc: aws-oidc/aws-oidc@0.1.0 }\n'));
    const out = execFileSync(process.execPath, ['--import', 'tsx', TOOL, join(work, 'flow.yml'), '--orb', 'dist/orb.yml'], { encoding: 'utf8', env: { ...process.env, TSX_DISABLE_CACHE: '1' } });
    expect(expandJob(loadConfig(out), 'deploy')).toEqual(reference());
    const block = tool([]);
    expect(block.status).toBe(0);
    expect(block.stdout).toMatch(/^orbs:\n {2}aws-oidc:\n {4}version: 2\.1\n/);
    expect((parseYaml(block.stdout, 'block') as { orbs: Record<string, unknown> }).orbs['aws-oidc']).toEqual(parseYaml(rig.orbText, 'orb'));
    writeFileSync(join(work, 'none.yml'), 'version: 2.1\norbs: {node: circleci/node@5.2.0}\n');
    const none = tool([join(work, 'none.yml')]);
    expect([none.status, none.stderr]).toEqual([1, 'inline-orb: no orbs: entry of the config references aws-oidc (<namespace>/aws-oidc@<version>, or a URL ending in /orb.yml)\n']);
  });
});

describe('the packed orb as a URL orb', () => {
  it('a URL ending in /orb.yml stands for the packed orb, and expands to the same job as the registry reference', () => {
    const { cfg, orbs } = loadDemoConfig(config('https://raw.githubusercontent.com/acme/ci-orbs/v0.1.0/aws-oidc/orb.yml'), rig.orbText);
    expect(orbs).toEqual([{ alias: 'aws-oidc', ref: 'https://raw.githubusercontent.com/acme/ci-orbs/v0.1.0/aws-oidc/orb.yml', kind: 'url' }]);
    expect(expandJob(cfg, 'deploy')).toEqual(reference());
  });
});
