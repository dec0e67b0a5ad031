// The roles the demo creates: from the config (role-arn after ${VAR} expansion, each role-chain hop) with the trust
// policy `aws-oidc trust-policy` generates, or exactly those of a roles file, whose mistakes are refused in one line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trustPolicy } from '../../../src/commands/trust-policy/generate.ts';
import { DemoUsageError } from './args.ts';
import type { OrbStep } from './needs.ts';
import { describeRole, rolesFromConfig, rolesFromFile, trustDocument } from './roles.ts';

const dir = mkdtempSync(join(tmpdir(), 'demo-roles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ISSUER = 'https://oidc.example/org/o';
const generated = (account: string, ref?: string) =>
  trustPolicy({ orgId: 'b9c3e0a2-4f1d-4c4e-9a57-0c3f5e2d1a10', projectId: '5d2a7c1e-8b3f-4e6a-9c0d-7f1e2b3a4c5d', partition: 'aws', issuerUrl: ISSUER, accountId: account, ...(ref ? { ref } : {}) }).policy;
const assume = (params: Record<string, string>, env: Record<string, string> = {}): OrbStep =>
  ({ index: 0, name: 'Assume', command: 'assume-role-with-oidc', params: { 'session-duration': '3600', ...params }, env });
const rolesFile = (text: string): string => {
  const path = join(dir, `roles-${Math.random()}.yml`);
  writeFileSync(path, text);
  return path;
};
function refusal(text: string): string {
  try { rolesFromFile(rolesFile(text), 'roles.yml'); } catch (e) { expect(e).toBeInstanceOf(DemoUsageError); return (e as Error).message; }
  throw new Error('accepted');
}

describe('roles from the config', () => {
  it('expands role-arn from --env and the job\'s environment, trusts the generated policy, and chains each hop to the role before it', () => {
    const plan = rolesFromConfig([
      assume({ 'role-arn': '${DEPLOY_ROLE_ARN}', 'session-duration': '7200', 'role-chain': 'arn:aws:iam::222222222222:role/cfn external-id=${EXT}\n# a comment\narn:aws:iam::333333333333:role/last' }, { EXT: 'partner-42' }),
      assume({ 'role-arn': '$OTHER' }),
    ], { DEPLOY_ROLE_ARN: 'arn:aws:iam::111111111111:role/deploy', OTHER: 'arn:aws:iam::111111111111:role/other' });
    expect(plan.notes).toEqual([]);
    expect(plan.roles.map((r) => [r.arn, r.maxSessionDuration])).toEqual([
      ['arn:aws:iam::111111111111:role/deploy', 7200], ['arn:aws:iam::222222222222:role/cfn', 3600],
      ['arn:aws:iam::333333333333:role/last', 3600], ['arn:aws:iam::111111111111:role/other', 3600],
    ]);
    const [deploy, cfn, last] = plan.roles;
    expect(trustDocument(deploy!, generated)).toEqual(generated('111111111111'));
    expect(trustDocument(cfn!, generated)).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: deploy!.arn },
      Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'sts:ExternalId': 'partner-42' } } }] });
    expect((trustDocument(last!, generated) as { Statement: { Principal: object }[] }).Statement[0]!.Principal).toEqual({ AWS: cfn!.arn });
    expect(describeRole(deploy!)).toBe('CircleCI OIDC tokens of the rig\'s project, any branch (aws-oidc trust-policy); MaxSessionDuration 7200 s');
    expect(describeRole(cfn!)).toBe('sessions of arn:aws:iam::111111111111:role/deploy with its ExternalId');
  });

  it('makes no role for an unset variable or a value that is no role ARN, and says why and what to pass', () => {
    const plan = rolesFromConfig([assume({ 'role-arn': '${DEPLOY_ROLE_ARN}' }), assume({ 'role-arn': 'deploy' })], {});
    expect(plan.roles).toEqual([]);
    expect(plan.notes).toEqual([
      'step "Assume": role-arn names $DEPLOY_ROLE_ARN, which is not set, so no role was made for it: pass --env DEPLOY_ROLE_ARN=arn:aws:iam::<account>:role/<name> (or a --roles file)',
      'step "Assume": role-arn "deploy" is not arn:aws:iam::<12 digits>:role/<name>, so no role was made for it',
    ]);
  });
});

describe('a roles file', () => {
  it('creates exactly its roles: a branch pin as trust-policy --branch generates it, a chain hop, a trust policy as written', () => {
    const custom = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'sts:AssumeRole' }] };
    const plan = rolesFromFile(rolesFile(`roles:
  - arn: arn:aws:iam::222222222222:role/production-deploy
    branch: main
    max-session-duration: 7200
  - {arn: "arn:aws:iam::222222222222:role/cfn", assumed-by: "arn:aws:iam::222222222222:role/production-deploy", external-id: acme-1}
  - arn: arn:aws:iam::444444444444:role/custom
    trust-policy: ${JSON.stringify(custom)}
`), 'roles.yml');
    expect(plan.roles.map((r) => r.arn)).toEqual(['arn:aws:iam::222222222222:role/production-deploy', 'arn:aws:iam::222222222222:role/cfn', 'arn:aws:iam::444444444444:role/custom']);
    expect(trustDocument(plan.roles[0]!, generated)).toEqual(generated('222222222222', 'refs/heads/main'));
    expect(plan.roles[0]!.maxSessionDuration).toBe(7200);
    expect(describeRole(plan.roles[0]!)).toMatch(/branch main only \(aws-oidc trust-policy --branch main\); MaxSessionDuration 7200 s$/);
    expect(trustDocument(plan.roles[1]!, generated)).toMatchObject({ Statement: [{ Condition: { StringEquals: { 'sts:ExternalId': 'acme-1' } } }] });
    expect(trustDocument(plan.roles[2]!, generated)).toEqual(custom);
  });

  it('refuses what it cannot hold, in one line naming the file, the entry and the fix', () => {
    expect(refusal('- arn: x\n')).toMatch(/^--roles roles.yml: it must hold roles: a list of \{arn, \.\.\.\}/);
    expect(refusal('roles: [: x\n')).toMatch(/^--roles roles.yml: not YAML or JSON/);
    expect(refusal('roles: [{arn: "arn:aws:iam::1:role/x"}]\n')).toBe('--roles roles.yml: roles[0] arn "arn:aws:iam::1:role/x" is not a role ARN: write arn:aws:iam::<12 digits>:role/<name>');
    expect(refusal('roles: [{arn: "arn:aws:iam::111111111111:role/x", brnach: main}]\n')).toMatch(/roles\[0\] has the key "brnach"; the keys are arn, branch,/);
    expect(refusal('roles: [{arn: "arn:aws:iam::111111111111:role/x", max-session-duration: 60}]\n')).toMatch(/max-session-duration 60 must be whole seconds from 3600 to 43200$/);
    expect(refusal('roles: [{arn: "arn:aws:iam::111111111111:role/x", external-id: abc}]\n')).toMatch(/external-id without assumed-by/);
    expect(refusal('roles: [{arn: "arn:aws:iam::111111111111:role/x", assumed-by: nobody}]\n')).toMatch(/assumed-by "nobody" is not a role ARN/);
    expect(refusal('roles: [{arn: "arn:aws:iam::111111111111:role/x"}, {arn: "arn:aws:iam::111111111111:role/x"}]\n')).toMatch(/role\/x is listed twice/);
    expect(refusal('roles: [{arn: "arn:aws:iam::111111111111:role/x", trust-policy: {Version: "2012-10-17"}}]\n'))
      .toBe('--roles roles.yml: roles[0] trust-policy is refused as IAM would refuse it: MalformedPolicyDocument: Missing required field Statement');
    for (const text of ['roles: [1]\n', 'roles: [{arn: "arn:aws:iam::111111111111:role/x", branch: "a b"}]\n']) expect(refusal(text)).not.toContain('\n');
  });
});
