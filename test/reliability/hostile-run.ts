// How a hostile-input case runs in the rig, shared by the three hostile files (refused by CircleCI's config
// compiler, refused by the orb, taken literally): the case's config, a step that snapshots the files a refusal
// must leave alone, and a canary file that exists only if some shell evaluated a hostile value.
import { afterAll, beforeAll, expect } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ACCOUNT, REGION, type Rig } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRig } from '../harness/use-rig.ts';
import { DEPLOY, sub, type HostileCase } from './hostile-cases.ts';

/** The run step each target's command is, by name. */
export const STEP: Record<HostileCase['target'], string> = {
  'assume-role-with-oidc': 'Assume AWS role with CircleCI OIDC',
  'ecr-login': 'Log in to Amazon ECR',
  'build-and-push': 'Build and push to Amazon ECR',
  'create-manifest-list': 'Create the multi-architecture manifest list',
  'job build-and-push': 'Build and push to Amazon ECR',
};

/** Files a refused step must leave byte for byte as they were (job home relative, BASH_ENV apart). */
export const GUARDED = [['config', '.aws/config'], ['credentials', '.aws/credentials'], ['docker.json', '.docker/config.json']] as const;

/** What running a case gave: the job's result, or the error that stopped the config before any step ran. */
export interface CaseRun { r: JobResult | undefined; configError: unknown; canary: string }

const dirs = { canary: '', fakeNode: '', project: '' };

/**
 * Registers the file's rig and hooks. Before the cases: the canary is shown to work (a shell that does evaluate a
 * hostile value creates it), a `node` that reports version 16 and a project with a Dockerfile are made. After them:
 * the canary directory must still be empty (no case ran its hostile value).
 */
export function useHostileRig(): { rig: Rig; runCase(c: HostileCase, i: number): Promise<CaseRun> } {
  const rig = useRig();
  beforeAll(async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'webapp' });
    dirs.canary = mkdtempSync(join(tmpdir(), 'hostile-canary-'));
    const control = join(dirs.canary, 'control');
    const r = await rig.run(stringify({ version: 2.1, jobs: { deploy: { docker: [{ image: 'cimg/node:lts' }], steps: [{ run: { name: 'Evaluate', command: 'eval "echo $VALUE"' } }] } } }),
      'deploy', { env: { VALUE: sub(control) } });
    expect(r.success && existsSync(control), 'a shell that evaluates a hostile value creates the canary').toBe(true);
    rmSync(control);
    // A `node` that tells the orb's wrapper it is Node 16 (the wrapper asks `node --version`), so the wrapper reads
    // install-node (and runs the real node otherwise).
    dirs.fakeNode = mkdtempSync(join(tmpdir(), 'hostile-node-'));
    writeFileSync(join(dirs.fakeNode, 'node'), `#!/bin/bash\nif [ "\${1:-}" = --version ]; then echo v16.20.2; exit 0; fi\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
    dirs.project = mkdtempSync(join(tmpdir(), 'hostile-project-'));
    writeFileSync(join(dirs.project, 'Dockerfile'), 'FROM scratch\nARG GREETING\nLABEL greeting=$GREETING\nCOPY stamp /stamp\n');
    writeFileSync(join(dirs.project, 'stamp'), `${Date.now()}\n`);
  });
  afterAll(() => {
    // No hostile value of any case ran: the canary directory is still empty.
    expect(readdirSync(dirs.canary)).toEqual([]);
  });
  const runCase = async (c: HostileCase, i: number): Promise<CaseRun> => {
    const canary = join(dirs.canary, `case-${i}`);
    const { text, workflowJob } = caseConfig(c, canary);
    const opts = { env: { ...c.env?.(canary) }, checkoutSource: dirs.project };
    try {
      return { r: workflowJob ? await rig.runWorkflowJob(text, 'main', workflowJob, opts) : await rig.run(text, 'deploy', opts), configError: undefined, canary };
    } catch (err) {
      return { r: undefined, configError: err, canary };
    }
  };
  return { rig, runCase };
}

/**
 * A run step that seeds the AWS files, docker's config and $BASH_ENV with known bytes and copies them to ~/.snap, so the
 * test can compare them after the step under test; with oldNode, later steps see a `node` that reports version 16.
 */
function seedStep(oldNode: boolean): object {
  const command = [
    'set -eu',
    'mkdir -p ~/.aws ~/.docker ~/.snap',
    '[ -e ~/.aws/config ] || printf "[profile seed]\\nregion = ap-northeast-1\\n" > ~/.aws/config',
    '[ -e ~/.aws/credentials ] || printf "[seed]\\naws_access_key_id = AKIASEEDSEEDSEED0000\\naws_secret_access_key = seed\\n" > ~/.aws/credentials',
    '[ -e ~/.docker/config.json ] || printf \'{"auths":{}}\\n\' > ~/.docker/config.json',
    'chmod 600 ~/.aws/config ~/.aws/credentials ~/.docker/config.json',
    'echo "export SEEDED=1" >> "$BASH_ENV"',
    ...(oldNode ? [`echo 'export PATH=${dirs.fakeNode}:$PATH' >> "$BASH_ENV"`] : []),
    'cp "$BASH_ENV" ~/.snap/bash_env',
    ...GUARDED.map(([snap, path]) => `cp ~/${path} ~/.snap/${snap}`),
  ].join('\n');
  return { run: { name: 'Seed and snapshot', command } };
}

const orbStep = (command: string, params: Record<string, unknown>) => ({ [`aws-oidc/${command}`]: params });

/** The config of a case: a job `deploy` (commands) or a workflow entry `image` of the orb's job. */
function caseConfig(c: HostileCase, canary: string): { text: string; workflowJob?: string } {
  const given = c.params(canary);
  const oldNode = c.param.startsWith('install-node');
  const yaml = (doc: object) => stringify(doc, { version: '1.1', lineWidth: 0 });
  const head = { version: 2.1, orbs: { 'aws-oidc': 'aws-oidc/aws-oidc@0.1.0' } };
  if (c.target === 'job build-and-push') {
    const params = { name: 'image', 'role-arn': DEPLOY, region: REGION, repo: 'webapp', push: false, ...given, 'before-build': [seedStep(oldNode)] };
    return { text: yaml({ ...head, workflows: { main: { jobs: [{ 'aws-oidc/build-and-push': params }] } } }), workflowJob: 'image' };
  }
  const defaults: Record<string, Record<string, unknown>> = {
    'assume-role-with-oidc': { 'role-arn': DEPLOY, region: REGION },
    'ecr-login': {},
    'build-and-push': { repo: 'webapp', push: false },
    'create-manifest-list': { repo: 'webapp', sources: 'amd64 arm64' },
  };
  const steps = [
    ...(c.target === 'assume-role-with-oidc' ? [] : [orbStep('assume-role-with-oidc', { 'role-arn': DEPLOY, region: REGION })]),
    ...(c.target === 'build-and-push' && 'works' in c.expect ? [orbStep('ecr-login', {})] : []),
    seedStep(oldNode),
    orbStep(c.target, { ...defaults[c.target], ...given }),
  ];
  return { text: yaml({ ...head, jobs: { deploy: { docker: [{ image: 'cimg/node:lts' }], steps: ['checkout', ...steps] } }, workflows: { main: { jobs: ['deploy'] } } }) };
}

/** A file's bytes, or undefined when it is not there. */
export const read = (path: string): Buffer | undefined => (existsSync(path) ? readFileSync(path) : undefined);

/** Every step of a job with its exit code and the start of its output, for assertion messages. */
export const transcript = (r: JobResult) => r.steps.map((s) => `--- ${s.name} (${s.exitCode})\n${s.output.slice(0, 2000)}`).join('\n');

/** The cases of one kind, each with its index in CASES (the index names its canary), titled for it.each. */
export const casesOf = (cases: readonly HostileCase[], kind: 'refused' | 'config' | 'works') =>
  cases.flatMap((c, i) => (kind in c.expect ? [[`${c.target} ${c.param}: ${c.title}`, i, c] as const] : []));

/** How many parameters the cases cover (target and name). */
export const paramCount = (cases: readonly (readonly [string, number, HostileCase])[]) => new Set(cases.map(([, , c]) => `${c.target} ${c.param}`)).size;
