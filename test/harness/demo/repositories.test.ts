// The repositories the demo creates besides the orb steps' own: --repository values, and the ECR image references
// of plain docker lines in run steps; a step's name shown on one line; an orb example file run as its usage:; the
// closest job for a mistyped --job.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PACKED_ORB } from '../rig.ts';
import { configOrExample, loadDemoConfig, selectJob } from './config.ts';
import { DemoUsageError, parseDemoArgs } from './args.ts';
import { stepTitle } from './report.ts';
import { parseRepositoryArg, repositoriesInRunSteps } from './repositories.ts';

const orbText = readFileSync(PACKED_ORB, 'utf8');
const load = (text: string) => loadDemoConfig(text, orbText).cfg;
const job = (steps: string) => selectJob(load(`version: 2.1
orbs:
  aws-oidc: aws-oidc/aws-oidc@0.1.0
jobs:
  j:
    machine: true
    steps:
${steps}`), 'j', 'config.yml').job;

describe('--repository', () => {
  it('takes NAME, ACCOUNT/NAME or a repository URI (tag and digest dropped), and refuses what ECR would not name', () => {
    expect(parseRepositoryArg('webapp')).toEqual({ name: 'webapp' });
    expect(parseRepositoryArg('team/webapp')).toEqual({ name: 'team/webapp' });
    expect(parseRepositoryArg('222222222222/webapp')).toEqual({ account: '222222222222', name: 'webapp' });
    expect(parseRepositoryArg('222222222222.dkr.ecr.eu-west-1.amazonaws.com/team/webapp:v1')).toEqual({ account: '222222222222', region: 'eu-west-1', name: 'team/webapp' });
    expect(parseRepositoryArg('Webapp')).toMatch(/^"Webapp" is not an ECR repository name/);
    const args = parseDemoArgs(['--repository', 'webapp', '--repository=111111111111/api'], '/');
    expect(args.repositories).toEqual([{ name: 'webapp' }, { account: '111111111111', name: 'api' }]);
    expect(() => parseDemoArgs(['--repository', 'Web App'], '/')).toThrow(DemoUsageError);
    expect(() => parseDemoArgs(['--repository', 'Web App'], '/')).toThrow(/^--repository "Web App": "Web App" is not an ECR repository name .*; give NAME, ACCOUNT\/NAME or/);
  });

  it('finds the ECR repositories that docker push, tag and build lines of run steps name, not other images or the orb\'s scripts', () => {
    const j = job(`      - aws-oidc/ecr-login
      - run: |
          docker build -t "$AWS_ECR_REGISTRY/webapp:$CIRCLE_SHA1" .
          docker push "$AWS_ECR_REGISTRY/webapp:$CIRCLE_SHA1"
      - run: docker tag webapp:latest \${AWS_ECR_REGISTRY}/team/api:v1 && docker push 333333333333.dkr.ecr.eu-west-1.amazonaws.com/audit@sha256:abcd
      - run: echo "$AWS_ECR_REGISTRY/not-docker"; docker push "$AWS_ECR_REGISTRY/web-$ENV:v1"; docker pull "$AWS_ECR_REGISTRY/pulled"
`);
    expect(repositoriesInRunSteps(j)).toEqual([{ name: 'webapp' }, { name: 'team/api' }, { account: '333333333333', name: 'audit' }]);
  });
});

describe('what the demo shows and reads', () => {
  it('a multi-line run step without name: shows its first line and …', () => {
    expect(stepTitle('docker build -t x .\ndocker push x\n')).toBe('docker build -t x . …');
    expect(stepTitle('echo one')).toBe('echo one');
    const j = job('      - run: |\n          echo one\n          echo two\n');
    expect(stepTitle(j.steps[0]!.name!)).toBe('echo one …');
  });

  it('an orb example file runs its usage:; a config runs as written', () => {
    const example = readFileSync('src/orb/examples/push-to-ecr-with-session-keys.yml', 'utf8');
    const text = configOrExample(example);
    expect(text).toMatch(/^version: 2\.1\n/);
    expect(Object.keys(load(text).root.jobs)).toEqual(['push']);
    const plain = 'version: 2.1\njobs:\n  a: {machine: true, steps: [{run: echo a}]}\n';
    expect(configOrExample(plain)).toBe(plain);
  });

  it('a mistyped --job names the closest job', () => {
    const cfg = load('version: 2.1\njobs:\n  deploy: {machine: true, steps: [{run: echo a}]}\n  build: {machine: true, steps: [{run: echo b}]}\nworkflows:\n  w: {jobs: [build, deploy]}\n');
    expect(() => selectJob(cfg, 'deplyo', 'c.yml')).toThrow('--job "deplyo": c.yml has no such job; did you mean --job deploy?; its jobs: build, deploy');
    expect(() => selectJob(cfg, 'zzz', 'c.yml')).toThrow('--job "zzz": c.yml has no such job; its jobs: build, deploy');
  });
});
