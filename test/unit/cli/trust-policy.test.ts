// `aws-oidc trust-policy` in-process: the rendered output for each format, and a bad flag value refused with
// exit 1 on one line that names the flag (the generator's own rules are in test/unit/commands/trust-policy/).
import { describe, expect, it } from 'vitest';
import { cli, ORG, PROJECT } from './helpers.ts';

const base = ['trust-policy', '--org-id', ORG, '--project-id', PROJECT];

describe('aws-oidc trust-policy', () => {
  it('prints the trust policy as JSON for the account, matching the project\'s subjects', async () => {
    const r = await cli([...base, '--account-id', '123456789012']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout) as { provider: { arn: string; clientIds: string[] }; trustPolicy: { Statement: { Principal: { Federated: string }; Condition: Record<string, Record<string, unknown>> }[] } };
    const provider = `arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/${ORG}`;
    expect(out.provider).toMatchObject({ arn: provider, clientIds: [ORG] });
    expect(out.trustPolicy.Statement[0]?.Principal.Federated).toBe(provider);
    expect(out.trustPolicy.Statement[0]?.Condition.StringLike).toEqual({ [`oidc.circleci.com/org/${ORG}:sub`]: `org/${ORG}/project/${PROJECT}/user/*` });
    expect(r.stdout.endsWith('\n')).toBe(true);
  });

  it('prints Terraform with the role name it was given', async () => {
    const r = await cli([...base, '--format', 'terraform', '--role-name', 'deploy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('resource "aws_iam_role" "circleci" {\n  name               = "deploy"\n');
  });

  it('refuses a bad value with exit 1, naming the flag, and prints nothing on stdout', async () => {
    const r = await cli(['trust-policy', '--org-id', 'not-a-uuid', '--project-id', PROJECT, '--account-id', '123456789012']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^aws-oidc trust-policy: --org-id: .*\n {2}fix: /);
  });
});
