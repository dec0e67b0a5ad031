// Jobs on an image without bash (Alpine, the Terraform image): CircleCI runs every step in /bin/sh, which never reads
// $BASH_ENV. The rig runs the steps with dash (/bin/sh -e: Debian 12's dash refuses -o pipefail) and with busybox ash
// (Alpine's /bin/sh, -eo pipefail). A profile carries the credentials to later sh steps, where Debian's AWS CLI
// acts as the role; without one the step says that its exports will not reach them, and what does.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import type { JobResult } from '../harness/runner/index.ts';

const rig = useRig();
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const BUSYBOX = '/usr/bin/busybox';
const hasBusybox = existsSync(BUSYBOX);
if (!hasBusybox && process.env.CI) throw new Error(`${BUSYBOX} is missing: CI must install Debian's busybox package (.ci/run does)`);
if (!hasBusybox) console.log(`${BUSYBOX} is missing: the busybox ash jobs are skipped (apt-get install busybox)`);
const SHELLS: [string, string][] = [['dash', '/bin/sh -e'], ...(hasBusybox ? [['busybox ash', `${BUSYBOX} sh -eo pipefail`] as [string, string]] : [])];

/** A job `deploy` on an Alpine image (which the rig does not pull: the steps run here, in the shell under test). */
const config = (steps: object[]) => stringify({
  version: 2.1, orbs: { 'aws-oidc': 'aws-oidc/aws-oidc@0.1.0' },
  jobs: { deploy: { docker: [{ image: 'alpine:3.20' }], steps } }, workflows: { main: { jobs: ['deploy'] } },
});
const assume = (extra: Record<string, string> = {}) => ({ 'aws-oidc/assume-role-with-oidc': { 'role-arn': DEPLOY, region: REGION, ...extra } });
const step = (name: string, command: string, shell?: string) => ({ run: { name, command, ...(shell ? { shell } : {}) } });
const out = (r: JobResult, name: string) => r.steps.find((s) => s.name === name)?.output ?? '';
const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name} (exit ${s.exitCode})\n${s.output}`).join('\n');
const ASSUME = 'Assume AWS role with CircleCI OIDC';
const WHO = 'aws sts get-caller-identity --query Arn --output text';
const assumed = new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/circleci-\\S+\\n$`);

describe.each(SHELLS)('a job whose steps run in %s', (_name, shell) => {
  it('profile-name: default reaches a later sh step: the AWS CLI there acts as the role', async () => {
    const r = await rig.run(config([assume({ 'profile-name': 'default' }), step('Who am I', WHO)]), 'deploy', { defaultShell: shell });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, 'Who am I')).toMatch(assumed);
    expect(out(r, ASSUME)).not.toContain('note: this step runs in sh');
    expect(readFileSync(r.bashEnvPath, 'utf8')).toBe('');
  });

  it('without a profile, the step says its $BASH_ENV exports will not reach later sh steps and names the profile way', async () => {
    const r = await rig.run(config([assume(), step('The keys in sh', 'echo "key=${AWS_ACCESS_KEY_ID:-unset}"'),
      step('Who am I in bash', WHO, '/bin/bash -eo pipefail')]), 'deploy', { defaultShell: shell });
    expect(r.success, all(r)).toBe(true);
    const said = out(r, ASSUME);
    expect(said).toContain('note: this step runs in sh, not bash, and later sh steps do not read $BASH_ENV: they will not see AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION, AWS_CREDENTIAL_EXPIRATION.');
    expect(said).toContain('write a profile instead: profile-name: default (used when nothing names a profile), or another name with AWS_PROFILE set to it in the job\'s environment.');
    expect(out(r, 'The keys in sh')).toBe('key=unset\n');
    // A bash step of the same job sources $BASH_ENV as before.
    expect(out(r, 'Who am I in bash')).toMatch(assumed);
  });

  it('ecr-login says how a later sh step finds the credential helper, and that way works', async () => {
    const ask = [
      'command -v docker-credential-aws-oidc || echo "not on PATH"',
      'export PATH="$HOME/.aws-oidc/bin:$PATH"',
      'host=$(node -e \'console.log(require(process.argv[1]).registries[0].host)\' "$HOME/.aws-oidc/results/ecr-login-default.json")',
      'echo "$host" | docker-credential-aws-oidc get | node -e \'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log("user=" + JSON.parse(s).Username))\'',
    ].join('\n');
    const r = await rig.run(config([assume({ 'profile-name': 'default' }), { 'aws-oidc/ecr-login': { 'profile-name': 'default' } }, step('Ask the helper', ask)]),
      'deploy', { defaultShell: shell });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, 'Log in to Amazon ECR')).toContain('docker finds the credential helper that config.json names (docker-credential-aws-oidc) only on PATH: begin later sh steps that run docker with export PATH="$HOME/.aws-oidc/bin:$PATH"');
    expect(out(r, 'Ask the helper')).toBe('not on PATH\nuser=AWS\n');
  });
});
