// Each renderer's output parses and carries exactly the generated policy.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { trustPolicy } from '../../../../src/commands/trust-policy/generate.ts';
import { render, renderCloudFormation, renderJson, renderTerraform, type Generated } from '../../../../src/commands/trust-policy/render.ts';

// The names below are written out, not imported: they are the Terraform resource addresses and CloudFormation logical
// ids of users' state, so renaming them would replace the provider and the role on the next apply or stack update.
// That every reference resolves to what the output declares is checked by a parser in references.test.ts.
const TF_PROVIDER_REF = 'aws_iam_openid_connect_provider.circleci.arn';
const CFN_PROVIDER_ID = 'CircleCIOidcProvider';

const ORG = 'b9c3e0a2-4f1d-4c4e-9a57-0c3f5e2d1a10';
const PROJ = '5d2a7c1e-8b3f-4e6a-9c0d-7f1e2b3a4c5d';
const ISSUER = `https://oidc.circleci.com/org/${ORG}`;

function generated(accountId?: string): Generated {
  const input = { orgId: ORG, projectId: PROJ, partition: 'aws' as const, issuerUrl: ISSUER, ref: 'refs/heads/main', ...(accountId ? { accountId } : {}) };
  return { ...trustPolicy(input), roleName: 'deploy' };
}

/** The text inside `assume_role_policy = jsonencode(...)`, up to the matching parenthesis. */
function jsonencodeArgument(hcl: string): string {
  const start = hcl.indexOf('jsonencode(') + 'jsonencode('.length;
  let depth = 1;
  for (let i = start; i < hcl.length; i++) {
    if (hcl[i] === '(') depth++;
    if (hcl[i] === ')' && --depth === 0) return hcl.slice(start, i);
  }
  throw new Error('unbalanced jsonencode(');
}

describe('renderJson', () => {
  it('is { provider, trustPolicy } and parses back to the generated policy', () => {
    const g = generated('123456789012');
    const out = JSON.parse(renderJson(g)) as { provider: unknown; trustPolicy: unknown };
    expect(out.trustPolicy).toEqual(g.policy);
    expect(out.provider).toEqual({ url: ISSUER, clientIds: [ORG], arn: `arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/${ORG}` });
    expect(render('json', g)).toBe(renderJson(g));
  });
});

describe('renderTerraform', () => {
  const hcl = renderTerraform(generated());

  it('declares the provider with the org id as audience', () => {
    expect(hcl).toContain('resource "aws_iam_openid_connect_provider" "circleci" {');
    expect(hcl).toContain(`  url            = "${ISSUER}"`);
    expect(hcl).toContain(`  client_id_list = ["${ORG}"]`);
    expect(hcl).toMatch(/resource "aws_iam_role" "circleci" \{\n {2}name {15}= "deploy"\n/);
  });

  it("the jsonencode'd block is the JSON policy, with the principal referring to the provider", () => {
    const g = generated();
    const block = jsonencodeArgument(renderTerraform(g));
    expect(block).toContain(`"Federated": ${TF_PROVIDER_REF}`);
    // Put the ARN back where the reference is: the rest must be the generated policy, key for key.
    const asJson = block.replace(TF_PROVIDER_REF, JSON.stringify(g.policy.Statement[0].Principal.Federated));
    expect(JSON.parse(asJson)).toEqual(g.policy);
  });

  it('doubles ${ in strings so Terraform does not interpolate them', () => {
    const g = generated();
    const odd: Generated = { ...g, roleName: 'x${y}' };
    expect(renderTerraform(odd)).toContain('name               = "x$${y}"');
  });
});

describe('renderCloudFormation', () => {
  it('is a YAML template with the provider and a role whose principal is Ref to it', () => {
    const g = generated('123456789012');
    const text = renderCloudFormation(g);
    const tpl = parse(text) as { AWSTemplateFormatVersion: unknown; Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    expect(tpl.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(tpl.Resources[CFN_PROVIDER_ID]).toEqual({ Type: 'AWS::IAM::OIDCProvider', Properties: { Url: ISSUER, ClientIdList: [ORG] } });
    const role = tpl.Resources.CircleCIRole;
    expect(role?.Type).toBe('AWS::IAM::Role');
    expect(role?.Properties.RoleName).toBe('deploy');
    const [statement] = g.policy.Statement;
    expect(role?.Properties.AssumeRolePolicyDocument).toEqual({ ...g.policy, Statement: [{ ...statement, Principal: { Federated: { Ref: CFN_PROVIDER_ID } } }] });
    // Quoted, so YAML 1.1 readers (cfn-lint, PyYAML) keep the policy version a string, not a date.
    expect(text).toContain('Version: "2012-10-17"');
    expect(parse(text, { version: '1.1' })).toEqual(tpl);
    expect(render('cloudformation', g)).toBe(text);
  });
});
