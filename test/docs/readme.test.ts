// The README, as a new user follows it: the quick start (its orbs: and steps: blocks, and the whole config) passes the
// orb checks and runs in the rig; the trust-policy command lines run as written (placeholders filled
// in) and print what the README shows; each troubleshooting entry quotes what the orb really prints.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { consumerConfig } from '../harness/consumer-config.ts';
import { checkExamples } from '../../tools/orb/examples.ts';
import { formatFinding } from '../../tools/orb/findings.ts';
import { buildModel, type Component } from '../../tools/orb/model.ts';
import { loadOrbSource } from '../../tools/orb/source.ts';
import { ACCOUNT, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';

const README = readFileSync('README.md', 'utf8');
const rig = useRig();
useRegistries(rig, [ACCOUNT]);
const CLI = resolve('dist/cli.cjs');
const ORG = '0b6c4e5a-1f2d-4c3b-9a8e-7d6c5b4a3f21';
const PROJECT = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const ACCOUNT_ID = '123456789012';
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;

/** The fenced blocks of one language inside a README section (between its heading and the next ## heading). */
function blocks(section: string, lang: string): string[] {
  const start = README.indexOf(`## ${section}\n`);
  expect(start, `README section ${section}`).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n## ', start + 1);
  const body = README.slice(start, end === -1 ? undefined : end);
  return [...body.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);
}
const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name} (exit ${s.exitCode})\n${s.output}`).join('\n');
const fill = (s: string) => s.replaceAll('<ORG_ID>', ORG).replaceAll('<PROJECT_ID>', PROJECT).replaceAll('<ACCOUNT_ID>', ACCOUNT_ID);

function orbChecks(name: string, usage: unknown): string[] {
  const model = buildModel(loadOrbSource('src/orb'));
  const c: Component = { kind: 'examples', name, file: `README.md#${name}`, base: [], data: { description: name, usage }, params: {} };
  return checkExamples({ ...model, byKind: { ...model.byKind, examples: new Map([[name, c]]) } }, 'aws-oidc').map(formatFinding);
}

describe('README quick start', () => {
  const [orbs, steps, whole] = blocks('Quick start', 'yaml');

  it('the orbs: block and the steps: block, put in a config as the text says, pass the orb checks and run as the role', async () => {
    expect(orbs).toBe('orbs:\n  aws-oidc: aws-oidc/aws-oidc@0.1.0\n');
    expect(steps!.startsWith('steps:\n')).toBe(true);
    const config = ['version: 2.1', orbs!.trimEnd(), 'jobs:', '  deploy:', '    executor: aws-oidc/machine', steps!.trimEnd().replace(/^/gm, '    '),
      'workflows:', '  deploy:', '    jobs: [deploy]', ''].join('\n');
    expect(orbChecks('quick-start-blocks', parse(config))).toEqual([]);
    const r = await rig.run(config, 'deploy', { env: { DEPLOY_ROLE_ARN: DEPLOY } });
    expect(r.success, all(r)).toBe(true);
    expect(r.steps.at(-1)?.output).toMatch(new RegExp(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`));
  });

  it('the whole config passes the orb checks and its job runs as the role', async () => {
    expect(orbChecks('quick-start', parse(whole!))).toEqual([]);
    const r = await rig.runWorkflowJob(whole!, 'deploy', 'deploy', { env: { DEPLOY_ROLE_ARN: DEPLOY } });
    expect(r.success, all(r)).toBe(true);
    expect(r.steps.map((s) => s.name)).toEqual(['Checkout code', 'Assume AWS role with CircleCI OIDC', 'aws sts get-caller-identity']);
  });
});

describe('README IAM set-up', () => {
  const commands = blocks('IAM set-up', 'sh').join('\n').split('\n').filter((l) => l.startsWith('npx aws-oidc trust-policy '));

  it('shows trust-policy lines for Terraform, CloudFormation and the AWS CLI, and each runs as written', () => {
    expect(commands.length).toBeGreaterThanOrEqual(3);
    const dir = mkdtempSync(join(tmpdir(), 'readme-iam-'));
    const outputs: Record<string, string> = {};
    for (const line of commands) {
      const [cmd, redirect] = fill(line).split(' > ');
      const args = cmd!.split(/\s+/).slice(2); // after `npx aws-oidc`
      const text = execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
      if (redirect) writeFileSync(join(dir, redirect.trim()), text);
      const format = args[args.indexOf('--format') + 1];
      outputs[args.includes('--format') ? format! : 'json'] = text;
    }
    expect(outputs['terraform']).toMatch(/resource "aws_iam_openid_connect_provider"[\s\S]*resource "aws_iam_role"/);
    expect(outputs['cloudformation']).toMatch(/AWS::IAM::OIDCProvider[\s\S]*AWS::IAM::Role/);
    // The AWS CLI path: the node line extracts the trust policy, which is the one the README prints.
    const nodeLine = blocks('IAM set-up', 'sh').join('\n').split('\n').find((l) => l.startsWith('node -e '))!;
    const script = /^node -e '([^']*)'/.exec(nodeLine)![1]!;
    const extracted = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' })) as unknown;
    const shown = JSON.parse(fill(blocks('IAM set-up', 'json')[0]!)) as unknown;
    expect(extracted).toEqual(shown);
    expect(README).toContain(`--client-id-list <ORG_ID>`);
    expect((JSON.parse(outputs['json']!) as { provider: { url: string } }).provider.url).toBe(`https://oidc.circleci.com/org/${ORG}`);
  });

  it('the --branch pattern the README names is what the command prints', () => {
    const text = execFileSync(process.execPath, [CLI, 'trust-policy', '--org-id', ORG, '--project-id', PROJECT, '--account-id', ACCOUNT_ID, '--branch', 'main'], { encoding: 'utf8' });
    expect(README).toContain('`org/<ORG_ID>/project/<PROJECT_ID>/user/*/vcs-origin/*/vcs-ref/refs/heads/main`');
    expect(text).toContain(fill('org/<ORG_ID>/project/<PROJECT_ID>/user/*/vcs-origin/*/vcs-ref/refs/heads/main'));
  });

  it('the flags the README lists are the command\'s flags', () => {
    const help = execFileSync(process.execPath, [CLI, 'trust-policy', '--help'], { encoding: 'utf8' });
    const flags = [...help.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== '--help' && f !== '--version');
    const iam = README.slice(README.indexOf('## IAM set-up'), README.indexOf('## Troubleshooting'));
    for (const f of flags) expect(iam, f).toContain(`\`${f}`);
  });
});

describe('README self-hosted runners', () => {
  it('the job passes the orb checks, runs in the rig with the runner\'s own profile kept, and clean-up prints the line the README shows', async () => {
    const [job, expanded] = blocks('Self-hosted runners', 'yaml');
    const config = `version: 2.1\norbs:\n  aws-oidc: aws-oidc/aws-oidc@0.1.0\n${job}workflows:\n  deploy:\n    jobs: [deploy]\n`;
    expect(orbChecks('self-hosted', parse(config))).toEqual([]);
    // The orb command's run step is the one the README spells out: its name and when: always.
    const orb = parse(rig.orbText) as { commands: Record<string, { steps: { run: { name: string; when?: string } }[] }> };
    const ran = orb.commands['clean-up']!.steps[0]!.run;
    expect(expanded).toContain(`name: ${ran.name}\n`);
    expect(expanded).toMatch(new RegExp(`when: ${ran.when ?? 'none'}\\b`));
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'webapp' });
    const project = mkdtempSync(join(tmpdir(), 'readme-runner-'));
    writeFileSync(join(project, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
    writeFileSync(join(project, 'stamp'), `${Date.now()}\n`);
    // The runner's own profile, as its administrator left it.
    const withOwn = config.replace('      - checkout\n', '      - checkout\n      - run: mkdir -p ~/.aws && printf "[profile runner-own]\\nregion = eu-west-1\\n" > ~/.aws/config\n');
    const r = await rig.run(withOwn, 'deploy', { env: { DEPLOY_ROLE_ARN: DEPLOY }, checkoutSource: project });
    expect(r.success, all(r)).toBe(true);
    const line = r.steps.find((s) => s.name === ran.name)?.output.trim();
    expect(blocks('Self-hosted runners', 'text')).toContain(`${line}\n`);
    expect(readFileSync(join(r.home, '.aws', 'config'), 'utf8')).toBe('[profile runner-own]\nregion = eu-west-1\n');
  });
});

describe('README aws-oidc command', () => {
  it('every `npx aws-oidc ... --help` line runs and names the subcommands the README describes', () => {
    const lines = blocks('The `aws-oidc` command', 'sh').join('\n').split('\n').filter((l) => l.startsWith('npx aws-oidc '));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      const args = line.replace(/\s+#.*$/, '').split(/\s+/).slice(2);
      const help = execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
      expect(help, line).toMatch(args.length > 1 ? new RegExp(`^aws-oidc ${args[0]}`) : /Commands:/);
    }
    const top = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    const subcommands = [...top.matchAll(/^\s+aws-oidc ([a-z-]+)/gm)].map((m) => m[1]!);
    for (const sub of subcommands) expect(lines.some((l) => l.startsWith(`npx aws-oidc ${sub} --help`)), sub).toBe(true);
  });
});

describe('README troubleshooting quotes the orb', () => {
  const shown = blocks('Troubleshooting', 'text');
  const quoted = (needle: string) => expect(shown.some((b) => b.includes(needle)), `README shows: ${needle}`).toBe(true);
  const fixOf = (out: string) => /^\s+fix: (.*)$/m.exec(out)?.[1] ?? '';
  const step = (r: JobResult, name: string) => r.steps.find((s) => s.name === name)?.output ?? '';

  it('AccessDenied on AssumeRoleWithWebIdentity: the claims, the three causes and the condition that would match', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [{ orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy`, region: REGION } }]),
      'deploy', { branch: 'feature/login' });
    expect(r.success).toBe(false);
    const out = step(r, 'Assume AWS role with CircleCI OIDC');
    const first = out.split('\n').find((l) => l.startsWith('aws-oidc/'))!;
    quoted(first);
    expect(out).toMatch(/^ {2}token claims: iss=\S+ aud=\S+ sub=\S+\/vcs-ref\/refs\/heads\/feature\/login$/m);
    quoted('/vcs-ref/refs/heads/feature/login');
    expect(out).toMatch(/^ {2}this job presents: org \S+, project \S+, ref refs\/heads\/feature\/login$/m);
    for (const cause of out.split('\n').filter((l) => /^ {4}[12]\. /.test(l))) quoted(cause);
    const middle = 'admits every branch of this project; for some branches only, end the sub pattern in /vcs-origin/*/vcs-ref/refs/heads/<branch>';
    expect(fixOf(out)).toContain(middle);
    quoted(middle);
    const tail = '`aws iam list-open-id-connect-providers` (cause 3)';
    expect(out.trimEnd().endsWith(tail)).toBe(true);
    quoted(tail);
  });

  it('missing token: both lines as printed', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [
      // No token in the job, and no `circleci` that could mint one (the step mints when the variable is missing).
      { name: 'No token', run: 'mkdir -p ~/no-cli && printf "#!/bin/sh\\nexit 1\\n" > ~/no-cli/circleci && chmod +x ~/no-cli/circleci && printf "unset CIRCLE_OIDC_TOKEN_V2\\nexport PATH=~/no-cli:\\$PATH\\n" >> "$BASH_ENV"' },
      { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION } },
    ]));
    expect(r.success).toBe(false);
    const lines = step(r, 'Assume AWS role with CircleCI OIDC').trimEnd().split('\n').slice(-2);
    expect(lines[0]).toBe('aws-oidc/assume-role-with-oidc: CIRCLE_OIDC_TOKEN_V2 is not set in this job, so there is no OIDC token to exchange');
    for (const l of lines) quoted(l);
  });

  it('expired session: the expiry and the fix', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, 'session-duration': 900 } },
      { name: 'Time passes', run: 'rig-advance-clock 1000' },
      { orb: 'ecr-login' },
    ]), 'deploy', { fakeClock: true });
    expect(r.success).toBe(false);
    const out = step(r, 'Log in to Amazon ECR');
    expect(out).toMatch(/^aws-oidc\/ecr-login: the AWS credentials from the environment expired at \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    quoted('aws-oidc/ecr-login: the AWS credentials from the environment expired at ');
    quoted(`  fix: ${fixOf(out)}`);
  });

  it('ECR "no basic auth credentials": docker\'s reason, then the orb\'s message and fix', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'webapp' });
    const dir = mkdtempSync(join(tmpdir(), 'readme-project-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
    writeFileSync(join(dir, 'stamp'), `${Date.now()}\n`);
    const r = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION } },
      { orb: 'build-and-push', params: { repo: 'webapp', tag: 'v1' } }, // no ecr-login first
    ]), 'deploy', { checkoutSource: dir });
    expect(r.success).toBe(false);
    const out = step(r, 'Build and push to Amazon ECR');
    expect(out).toContain('no basic auth credentials');
    const first = out.split('\n').find((l) => l.startsWith('aws-oidc/build-and-push: docker push '))!;
    const host = /docker push (\S+)\/webapp:v1 failed/.exec(first)![1]!;
    quoted(first.replace(host, '<registry>').replace(':v1 ', ':<tag> '));
    quoted(`  fix: ${fixOf(out).replace(host, '<registry>')}`);
  });
});
