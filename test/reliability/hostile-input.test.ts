// Hostile and invalid input: every parameter of every command and of the build-and-push job, fed shell metacharacters, $(...), backticks, quotes, newlines, unicode, 100 KB values, path traversal, unset variables, empty required values and wrong types, through the real steps in the rig
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRig } from '../harness/use-rig.ts';
import { CASES, DEPLOY, sub, type HostileCase } from './hostile-cases.ts';

const rig = useRig();

/** The run step each target's command is, by name. */
const STEP: Record<HostileCase['target'], string> = {
  'assume-role-with-oidc': 'Assume AWS role with CircleCI OIDC',
  'ecr-login': 'Log in to Amazon ECR',
  'build-and-push': 'Build and push to Amazon ECR',
  'create-manifest-list': 'Create the multi-architecture manifest list',
  'job build-and-push': 'Build and push to Amazon ECR',
};

/** Files a refused step must leave byte for byte as they were (job home relative, BASH_ENV apart). */
const GUARDED = [['config', '.aws/config'], ['credentials', '.aws/credentials'], ['docker.json', '.docker/config.json']] as const;

let canaryDir = '';
let fakeNodeDir = '';
let project = '';

beforeAll(() => {
  rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'webapp' });
  canaryDir = mkdtempSync(join(tmpdir(), 'hostile-canary-'));
  // A `node` that tells the orb's wrapper it is Node 16 (the wrapper asks `node --version`), so the wrapper reads
  // install-node (and runs the real node otherwise).
  fakeNodeDir = mkdtempSync(join(tmpdir(), 'hostile-node-'));
  writeFileSync(join(fakeNodeDir, 'node'), `#!/bin/bash\nif [ "\${1:-}" = --version ]; then echo v16.20.2; exit 0; fi\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  project = mkdtempSync(join(tmpdir(), 'hostile-project-'));
  writeFileSync(join(project, 'Dockerfile'), 'FROM scratch\nARG GREETING\nLABEL greeting=$GREETING\nCOPY stamp /stamp\n');
  writeFileSync(join(project, 'stamp'), `${Date.now()}\n`);
});

afterAll(() => {
  // No hostile value of any case ran: the canary directory is still empty.
  expect(readdirSync(canaryDir)).toEqual([]);
});

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
    ...(oldNode ? [`echo 'export PATH=${fakeNodeDir}:$PATH' >> "$BASH_ENV"`] : []),
    'cp "$BASH_ENV" ~/.snap/bash_env',
    ...GUARDED.map(([snap, path]) => `cp ~/${path} ~/.snap/${snap}`),
  ].join('\n');
  return { run: { name: 'Seed and snapshot', command } };
}

const orbStep = (command: string, params: Record<string, unknown>) => ({ [`aws-oidc/${command}`]: params });
const assumeOk = orbStep('assume-role-with-oidc', { 'role-arn': DEPLOY, region: REGION });

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
    ...(c.target === 'assume-role-with-oidc' ? [] : [assumeOk]),
    ...(c.target === 'build-and-push' && 'works' in c.expect ? [orbStep('ecr-login', {})] : []),
    seedStep(oldNode),
    orbStep(c.target, { ...defaults[c.target], ...given }),
  ];
  return { text: yaml({ ...head, jobs: { deploy: { docker: [{ image: 'cimg/node:lts' }], steps: ['checkout', ...steps] } }, workflows: { main: { jobs: ['deploy'] } } }) };
}

const read = (path: string): Buffer | undefined => (existsSync(path) ? readFileSync(path) : undefined);
const transcript = (r: JobResult) => r.steps.map((s) => `--- ${s.name} (${s.exitCode})\n${s.output.slice(0, 2000)}`).join('\n');

describe('the canary', () => {
  it('is created when a shell does evaluate a hostile value (so its absence below means something)', async () => {
    const canary = join(canaryDir, 'control');
    const r = await rig.run(stringify({ version: 2.1, jobs: { deploy: { docker: [{ image: 'cimg/node:lts' }], steps: [{ run: { name: 'Evaluate', command: 'eval "echo $VALUE"' } }] } } }),
      'deploy', { env: { VALUE: sub(canary) } });
    expect(r.success).toBe(true);
    expect(existsSync(canary)).toBe(true);
    rmSync(canary);
  });
});

describe(`hostile input: ${CASES.length} cases over ${new Set(CASES.map((c) => `${c.target} ${c.param}`)).size} parameters`, () => {
  it.each(CASES.map((c, i) => [`${c.target} ${c.param}: ${c.title}`, i, c] as const))('%s', async (_title, i, c) => {
    const canary = join(canaryDir, `case-${i}`);
    const { text, workflowJob } = caseConfig(c, canary);
    const opts = { env: { ...c.env?.(canary) }, checkoutSource: project };
    let r: JobResult | undefined;
    let configError: unknown;
    try {
      r = workflowJob ? await rig.runWorkflowJob(text, 'main', workflowJob, opts) : await rig.run(text, 'deploy', opts);
    } catch (err) {
      configError = err;
    }
    try {
      if ('config' in c.expect) {
        // CircleCI's compiler refuses the config before any step runs, naming the argument.
        expect(r, 'the config compiled').toBeUndefined();
        expect(String(configError)).toContain(c.expect.config);
        return;
      }
      if (r === undefined) throw configError;
      if ('works' in c.expect) {
        expect(r.success, `${transcript(r)}\n${JSON.stringify(rig.dockerCalls(r).map((call) => call.argv))}`).toBe(true);
        const words = c.argvHas?.(canary);
        if (words) expect(rig.dockerCalls(r).some((call) => words.every((w) => call.argv.includes(w))), JSON.stringify(rig.dockerCalls(r))).toBe(true);
        return;
      }
      // Refused: the step under test failed, naming the parameter and the fix; nothing after it ran.
      expect(r.success, transcript(r)).toBe(false);
      const failed = r.steps.find((s) => s.exitCode !== 0 && !s.skipped);
      const param = c.expect.refused;
      expect(failed?.output, transcript(r)).toMatch(c.expect.message ?? new RegExp(`parameter ${param}(?: \\(line \\d+\\))?: [\\s\\S]*\\n {2}fix: `));
      const snap = join(r.home, '.snap');
      if (existsSync(snap)) {
        expect(failed?.name).toBe(STEP[c.target]);
        expect(read(r.bashEnvPath)?.equals(readFileSync(join(snap, 'bash_env')))).toBe(true);
        for (const [name, path] of GUARDED) expect(read(join(r.home, path))?.equals(readFileSync(join(snap, name))), path).toBe(true);
      } else {
        // The job's own steps refused before its before-build steps could take a snapshot: nothing was exported or written by the refused step.
        expect(c.target).toBe('job build-and-push');
        const bashEnv = read(r.bashEnvPath)?.toString() ?? '';
        if (failed?.name === STEP['assume-role-with-oidc']) {
          expect(bashEnv).toBe('');
          expect(existsSync(join(r.home, '.aws'))).toBe(false);
        } else {
          expect(failed?.name).toBe(STEP['ecr-login']);
          expect(bashEnv).not.toContain('AWS_ECR_REGISTRY');
          expect(existsSync(join(r.home, '.docker/config.json'))).toBe(false);
        }
      }
    } finally {
      expect(existsSync(canary), `case ${i} ran its hostile value`).toBe(false);
    }
  });
});
