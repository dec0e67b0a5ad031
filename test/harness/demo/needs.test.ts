// What the demo reads from an expanded job: the orb's steps (by the packed scripts' header) with their parameters,
// which tools the job needs, and one line per missing tool that says how to install it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PACKED_ORB } from '../rig.ts';
import { loadDemoConfig, selectJob } from './config.ts';
import { jobNeeds, missingTools, orbSteps, type Needs, type Probe } from './needs.ts';

const orbText = readFileSync(PACKED_ORB, 'utf8');
const job = (steps: string) => selectJob(loadDemoConfig(`version: 2.1
orbs:
  aws-oidc: aws-oidc/aws-oidc@0.1.0
jobs:
  j:
    executor: aws-oidc/default
    environment: {JOB_VAR: from-job}
    steps:
${steps}`, orbText).cfg, 'j', 'config.yml').job;

/** A machine with only `have` on PATH (and an engine that answers when `engine`). */
const probe = (have: string[], engine = true, files: string[] = []): Probe => ({
  which: (cmd) => (have.includes(cmd) ? `/usr/bin/${cmd}` : undefined),
  exists: (p) => files.includes(p),
  dockerEngine: async () => engine,
});
const none: Needs = { aws: [], docker: [], registry: [], node: [], git: [] };

describe('the demo\'s view of a job', () => {
  it('finds the orb\'s steps with their parameters as rendered, and the environment ${VAR} may name', () => {
    const steps = orbSteps(job(`      - run: echo hello
      - aws-oidc/assume-role-with-oidc: {role-arn: "\${DEPLOY_ROLE_ARN}", region: eu-west-1}
      - aws-oidc/ecr-login: {credential-helper: false}
`));
    expect(steps.map((s) => [s.index, s.command, s.name])).toEqual([[1, 'assume-role-with-oidc', 'Assume AWS role with CircleCI OIDC'], [2, 'ecr-login', 'Log in to Amazon ECR']]);
    expect(steps[0]!.params).toMatchObject({ 'role-arn': '${DEPLOY_ROLE_ARN}', region: 'eu-west-1', 'session-duration': '3600' });
    expect(steps[0]!.env).toEqual({ JOB_VAR: 'from-job' });
  });

  it('needs the AWS CLI for run steps that call aws, docker and a registry for image steps, node for the orb, git for checkout', () => {
    const j = job(`      - checkout
      - aws-oidc/assume-role-with-oidc: {role-arn: x, region: eu-west-1}
      - run: {name: Who, command: "set -e\\nAWS_PAGER= aws sts get-caller-identity"}
      - run: {name: Says aws, command: "echo aws is here; grep -c aws file || true"}
      - aws-oidc/ecr-login
      - run: {name: Push, command: "docker push x"}
`);
    expect(jobNeeds(j, false)).toEqual({
      aws: ['Who'], docker: ['Push'], registry: ['Log in to Amazon ECR'], git: ['Checkout code'],
      node: ['Assume AWS role with CircleCI OIDC', 'Log in to Amazon ECR'],
    });
    expect(jobNeeds(j, true).git).toEqual([]);
    expect(jobNeeds(job('      - aws-oidc/build-and-push: {repo: r, tag: t}\n'), false)).toMatchObject({ docker: ['Build and push to Amazon ECR'], registry: ['Build and push to Amazon ECR'] });
  });

  it('names each missing tool, the steps that need it and how to install it; nothing when all are there', async () => {
    const needs: Needs = { aws: ['Who am I'], docker: ['Push', 'Pull'], registry: ['Log in to Amazon ECR'], node: ['Assume'], git: ['Checkout code'] };
    expect(await missingTools(needs, probe(['node', 'aws', 'docker', 'htpasswd', 'git'], true, ['/usr/bin/docker-registry']))).toEqual([]);
    expect(await missingTools(none, probe([]))).toEqual([]);
    const lines = await missingTools(needs, probe([]));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^node is not on PATH and the orb's step "Assume" needs it: install Node.js 20 or newer/);
    expect(lines[1]).toMatch(/^aws is not on PATH and step "Who am I" needs it: install the AWS CLI \(Debian\/Ubuntu: sudo apt-get install awscli;/);
    expect(lines[2]).toMatch(/^docker is not on PATH and steps "Push", "Pull", "Log in to Amazon ECR" need it .*sudo apt-get install docker\.io\), then start the engine/);
    expect(lines[3]).toMatch(/^\/usr\/bin\/docker-registry is missing and step "Log in to Amazon ECR" needs it .*sudo apt-get install docker-registry\)$/);
    expect(lines[4]).toMatch(/^htpasswd is not on PATH .*sudo apt-get install apache2-utils\)$/);
    expect(lines[5]).toMatch(/^git is not on PATH and step "Checkout code" needs it .*sudo apt-get install git\), or give --project DIR/);
    for (const l of lines) expect(l).not.toContain('\n');
    expect(await missingTools({ ...none, docker: ['Push'] }, probe(['docker'], false))).toEqual([
      'docker\'s engine does not answer (docker version) and step "Push" needs it: start it (sudo systemctl start docker, or sudo dockerd &), or point DOCKER_HOST at one',
    ]);
  });
});
