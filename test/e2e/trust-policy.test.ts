// The bundled CLI's trust policy, installed in the local STS, admits a job on main and refuses a feature branch.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, ORG_ID, PROJECT_ID, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';

// `npm run build` (part of `npm test`'s pack) writes it; the rig's packed orb comes from the same build.
const CLI = resolve('dist/cli.cjs');
const ROLE = 'trust-policy-main';

const rig = useRig();
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
});

/** Runs the bundled CLI as a user would; never throws on a non-zero exit. */
function cli(...args: string[]) {
  return execa(process.execPath, [CLI, ...args], { reject: false });
}

describe('aws-oidc trust-policy against the local STS', () => {
  let roleArn = '';

  beforeAll(async () => {
    const r = await cli('trust-policy', '--org-id', ORG_ID, '--project-id', PROJECT_ID, '--account-id', ACCOUNT,
      '--branch', 'main', '--issuer-url', rig.issuer.url, '--format', 'json');
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { provider: { url: string; clientIds: string[]; arn: string }; trustPolicy: object };
    // The provider it prints is the one the rig has installed for the account (same URL and audience).
    expect(out.provider).toEqual({ url: rig.issuer.url, clientIds: [ORG_ID], arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${rig.issuer.hostPath}` });
    roleArn = rig.aws.addRole({ account: ACCOUNT, name: ROLE, trustPolicy: JSON.stringify(out.trustPolicy) });
  });

  const config = () => consumerConfig(rig.orbText, [{ orb: 'assume-role-with-oidc', params: { 'role-arn': roleArn, region: REGION } }]);

  it('a job on main assumes the role', async () => {
    const r = await rig.run(config(), 'deploy', { branch: 'main' });
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    expect(r.steps.at(-1)?.output).toMatch(new RegExp(`Assumed arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/`));
  });

  it('a job on feature/x is refused with AccessDenied', async () => {
    const r = await rig.run(config(), 'deploy', { branch: 'feature/x' });
    expect(r.success).toBe(false);
    const step = r.steps.at(-1);
    expect(step?.exitCode).toBe(1);
    expect(step?.output).toMatch(/AccessDenied[\s\S]*vcs-ref\/refs\/heads\/feature\/x/);
  });
});

describe('the CloudFormation rendering, with its Ref resolved as CloudFormation would', () => {
  it('admits main and refuses feature/x too', async () => {
    const r = await cli('trust-policy', '--org-id', ORG_ID, '--project-id', PROJECT_ID, '--branch', 'main', '--issuer-url', rig.issuer.url, '--format', 'cloudformation');
    expect(r.exitCode, r.stderr).toBe(0);
    const tpl = parse(r.stdout) as { Resources: { CircleCIRole: { Properties: { AssumeRolePolicyDocument: object } } } };
    // Ref on an AWS::IAM::OIDCProvider is its ARN; the rig has that provider installed for the account.
    const ref = JSON.stringify({ Ref: 'CircleCIOidcProvider' });
    const policy = JSON.stringify(tpl.Resources.CircleCIRole.Properties.AssumeRolePolicyDocument);
    expect(policy).toContain(ref);
    const arn = rig.aws.addRole({ account: ACCOUNT, name: 'trust-policy-cfn', trustPolicy: policy.replace(ref, JSON.stringify(`arn:aws:iam::${ACCOUNT}:oidc-provider/${rig.issuer.hostPath}`)) });
    const config = consumerConfig(rig.orbText, [{ orb: 'assume-role-with-oidc', params: { 'role-arn': arn, region: REGION } }]);
    expect((await rig.run(config, 'deploy', { branch: 'main' })).success).toBe(true);
    const refused = await rig.run(config, 'deploy', { branch: 'feature/x' });
    expect(refused.success).toBe(false);
    expect(refused.steps.at(-1)?.output).toMatch(/AccessDenied/);
  });
});

describe('the CLI itself', () => {
  it('is an executable file with a node shebang', () => {
    expect(readFileSync(CLI, 'utf8').split('\n', 1)[0]).toBe('#!/usr/bin/env node');
    expect(statSync(CLI).mode & 0o111).toBe(0o111);
  });

  it('prints help for the CLI and for the subcommand', async () => {
    const top = await cli('--help');
    expect(top.exitCode).toBe(0);
    expect(top.stdout).toMatch(/aws-oidc trust-policy/);
    const sub = await cli('trust-policy', '--help');
    expect(sub.exitCode).toBe(0);
    for (const flag of ['--org-id', '--project-id', '--branch', '--account-id', '--partition', '--issuer-url', '--format', '--role-name']) expect(sub.stdout).toContain(flag);
  });

  it('refuses a bad flag value with exit 1, naming the flag, the value and the fix', async () => {
    const r = await cli('trust-policy', '--org-id', 'acme', '--project-id', PROJECT_ID, '--account-id', ACCOUNT);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^aws-oidc trust-policy: --org-id: is not a UUID \(got "acme"\)\n {2}fix: /);
  });

  it('refuses an unknown flag and a missing command: one line, exit 2', async () => {
    const flag = await cli('trust-policy', '--org', ORG_ID);
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toMatch(/^aws-oidc trust-policy: unknown flag "--org"; fix: did you mean --org-id\? [^\n]*$/);
    const none = await cli();
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/^aws-oidc: no command given; fix: [^\n]*$/);
  });
});
