// AccessDenied advice that is right: a role pinned to main, refused on a feature branch, is explained with this job's
// org, project and ref, the real account, the three causes AWS answers alike, and a fix whose commands work as
// printed: the suggested `aws-oidc trust-policy` makes a policy under which the same feature-branch job is admitted
// (the project's condition, not this user or this branch), and the suggested `aws-oidc doctor` names the ref.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ORG_ID, PROD_ACCOUNT, PROJECT_ID, REGION, USER_ID } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();
const CLI = resolve('dist/cli.cjs');
const STEP = 'Assume AWS role with CircleCI OIDC';
const assume = (role: string) => consumerConfig(rig.orbText, [{ orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${PROD_ACCOUNT}:role/${role}`, region: REGION } }]);
const out = (r: { steps: { name: string; output: string }[] }) => r.steps.find((s) => s.name === STEP)?.output ?? '';
/** The commands the fix quotes in backticks. */
const commands = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');

describe('AccessDenied on AssumeRoleWithWebIdentity', () => {
  it('a role pinned to main, on a feature branch: the job\'s claims, the real account, three causes, and a fix that works', async () => {
    const r = await rig.run(assume('production-deploy'), 'deploy', { branch: 'feature/login' });
    expect(r.success).toBe(false);
    const text = out(r);
    expect(text).toContain(`\n  this job presents: org ${ORG_ID}, project ${PROJECT_ID}, ref refs/heads/feature/login\n`);
    expect(text).toContain('  AWS answers AccessDenied alike for three causes:\n'
      + `    1. the trust policy of arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy does not admit these claims\n`
      + `    2. the role production-deploy does not exist in account ${PROD_ACCOUNT}\n`
      + `    3. account ${PROD_ACCOUNT} has no IAM OIDC provider for ${rig.issuer.hostPath}, or ${ORG_ID} is not among its audiences (client IDs)\n`);
    const fix = text.slice(text.indexOf('  fix: '));
    expect(fix).toContain(`"arn:aws:iam::${PROD_ACCOUNT}:oidc-provider/${rig.issuer.hostPath}"`);
    expect(fix).not.toContain('<account>');
    expect(fix).not.toContain(USER_ID);
    expect(fix).toContain('(this job presents refs/heads/feature/login)');

    // The suggested trust-policy command, as printed (without the optional --branch), makes a role the same job may assume.
    const trust = commands(fix).find((c) => c.startsWith('aws-oidc trust-policy '));
    expect(trust).toBe(`aws-oidc trust-policy --org-id ${ORG_ID} --project-id ${PROJECT_ID} --account-id ${PROD_ACCOUNT} --issuer-url ${rig.issuer.url} [--branch <branch>]`);
    const printed = await execa(process.execPath, [CLI, ...(trust ?? '').replace(' [--branch <branch>]', '').split(' ').slice(1)]);
    const { trustPolicy } = JSON.parse(printed.stdout) as { trustPolicy: object };
    rig.aws.addRole({ account: PROD_ACCOUNT, name: 'project-deploy', trustPolicy });
    const admitted = await rig.run(assume('project-deploy'), 'deploy', { branch: 'feature/login' });
    expect(admitted.success, out(admitted)).toBe(true);

    // The suggested doctor command on the refused role's policy names the ref that does not match.
    const doctor = commands(fix).find((c) => c.includes('aws-oidc doctor'));
    expect(doctor).toBe('printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc doctor --token-file - --policy-file role.json');
    const dir = mkdtempSync(join(tmpdir(), 'access-denied-'));
    writeFileSync(join(dir, 'role.json'), JSON.stringify(rig.trustPolicy(PROD_ACCOUNT, 'refs/heads/main')));
    const checked = await execa(process.execPath, [CLI, ...(doctor ?? '').split('aws-oidc ')[1]!.split(' ')],
      { cwd: dir, input: await rig.issuer.mint(rig.identity('feature/login')), reject: false });
    rig.outputs.push(checked.stdout, checked.stderr);
    expect(checked.exitCode).toBe(1);
    expect(checked.stdout + checked.stderr).toContain('refs/heads/feature/login');
  });
});
