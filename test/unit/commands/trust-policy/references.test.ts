// Every reference in what `aws-oidc trust-policy` prints names something the same output declares, for each
// format and each kind of flag value; read by HashiCorp's HCL parser and by the yaml library with
// CloudFormation's tags, never by the renderer's own constants. And the checks themselves catch a dangling name.
import { describe, expect, it } from 'vitest';
import { trustPolicy } from '../../../../src/commands/trust-policy/generate.ts';
import { parseTrustPolicyFlags, type RawFlags } from '../../../../src/commands/trust-policy/params.ts';
import { render } from '../../../../src/commands/trust-policy/render.ts';
import { readCloudFormation, readTerraform, unresolvedCloudFormation, unresolvedTerraform } from './references.ts';

const ORG = 'b9c3e0a2-4f1d-4c4e-9a57-0c3f5e2d1a10';
const PROJ = '5d2a7c1e-8b3f-4e6a-9c0d-7f1e2b3a4c5d';
const ACCOUNT = '123456789012';

/** Flag sets that between them take every partition, an account and none, no ref, a branch and a tag, both kinds of issuer, and a role name of each kind. */
const VARIANTS: [string, RawFlags][] = [
  ['the defaults', {}],
  ['an account and a branch', { 'account-id': ACCOUNT, branch: 'main' }],
  ['a tag in aws-cn', { 'account-id': ACCOUNT, branch: 'refs/tags/v1.2', partition: 'aws-cn' }],
  ['a nested branch in aws-us-gov, no account', { branch: 'release/1.2', partition: 'aws-us-gov' }],
  ['a loopback issuer', { 'account-id': ACCOUNT, 'issuer-url': `http://127.0.0.1:4567/org/${ORG}` }],
  ['a loopback issuer in aws-cn, no account', { partition: 'aws-cn', 'issuer-url': `http://127.0.0.1:4567/org/${ORG}` }],
  ['a role name with punctuation', { 'account-id': '210987654321', partition: 'aws-us-gov', branch: 'main', 'role-name': 'ci+deploy=x,y.z@acme-1' }],
];

/** What the CLI prints for `flags` in `format` (the three steps of src/commands/cli/program.ts), and what went in. */
function output(format: string, flags: RawFlags) {
  const params = parseTrustPolicyFlags({ 'org-id': ORG, 'project-id': PROJ, format, ...flags });
  const generated = trustPolicy(params);
  return { params, ...generated, text: render(params.format, { ...generated, roleName: params.roleName }) };
}

type Body = Record<string, unknown>;
/** The one block of `type` in hcl2json's `resource` map: its name and body. */
function onlyResource(doc: Record<string, unknown>, type: string): [string, Body] {
  const byName = Object.entries(((doc.resource ?? {}) as Record<string, Record<string, Body[]>>)[type] ?? {});
  expect(byName.map(([name, bodies]) => [name, bodies.length])).toEqual([[expect.any(String), 1]]);
  return [byName[0]![0], byName[0]![1][0]!];
}

describe('the Terraform output, read by HashiCorp\'s HCL parser', () => {
  it.each(VARIANTS)('%s: every reference resolves, and the principal is the declared provider\'s ARN', async (_name, flags) => {
    const out = output('terraform', flags);
    const tf = await readTerraform(out.text);
    expect(unresolvedTerraform(tf)).toEqual([]);
    const [providerName, provider] = onlyResource(tf.doc, 'aws_iam_openid_connect_provider');
    expect(provider).toEqual({ url: out.params.issuerUrl, client_id_list: [ORG] });
    const [roleName, role] = onlyResource(tf.doc, 'aws_iam_role');
    expect(role.name).toBe(out.params.roleName);
    // The only reference: the provider's `arn` attribute (its ARN, in the AWS provider's words), in the role's policy.
    expect(tf.references.map((r) => [r.ref, r.at])).toEqual([[`aws_iam_openid_connect_provider.${providerName}.arn`, `resource.aws_iam_role.${roleName}[0].assume_role_policy`]]);
    // With the ARN in the reference's place, jsonencode's argument is the generated policy, key for key.
    const [r] = tf.references;
    const expression = r!.expression.slice(0, r!.start) + JSON.stringify(out.policy.Statement[0].Principal.Federated) + r!.expression.slice(r!.end);
    expect(expression.startsWith('${jsonencode(') && expression.endsWith(')}')).toBe(true);
    expect(JSON.parse(expression.slice('${jsonencode('.length, -')}'.length))).toEqual(out.policy);
    expect(out.text).not.toContain('ACCOUNT_ID');
  });
});

describe('the CloudFormation output, read with CloudFormation\'s tags', () => {
  it.each(VARIANTS)('%s: every Ref resolves, and the principal is Ref to the declared provider', (_name, flags) => {
    const out = output('cloudformation', flags);
    const tpl = readCloudFormation(out.text);
    expect(unresolvedCloudFormation(tpl)).toEqual([]);
    const resources = Object.entries(tpl.doc.Resources as Record<string, { Type: string; Properties: Body }>);
    expect(resources.map(([, r]) => r.Type).sort()).toEqual(['AWS::IAM::OIDCProvider', 'AWS::IAM::Role']);
    const only = (type: string) => resources.find(([, r]) => r.Type === type)!;
    const [providerId, provider] = only('AWS::IAM::OIDCProvider');
    expect(provider.Properties).toEqual({ Url: out.params.issuerUrl, ClientIdList: [ORG] });
    const [roleId, role] = only('AWS::IAM::Role');
    expect(role.Properties.RoleName).toBe(out.params.roleName);
    // Ref on an AWS::IAM::OIDCProvider gives its ARN (CloudFormation's return values for that type).
    const principal = `Resources.${roleId}.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Federated.Ref`;
    expect(tpl.references).toEqual([{ kind: 'Ref', ref: providerId, at: principal }]);
    const document = structuredClone(role.Properties.AssumeRolePolicyDocument) as typeof out.policy;
    document.Statement[0].Principal.Federated = out.policy.Statement[0].Principal.Federated;
    expect(document).toEqual(out.policy);
    expect(out.text).not.toContain('ACCOUNT_ID');
  });
});

describe('the JSON output', () => {
  it.each(VARIANTS.filter(([, f]) => f['account-id'] !== undefined))('%s: the principal is the ARN of the provider printed beside it', (_name, flags) => {
    const out = output('json', flags);
    const printed = JSON.parse(out.text) as { provider: { arn: string }; trustPolicy: typeof out.policy };
    expect(printed.provider.arn).toBe(`arn:${out.params.partition}:iam::${flags['account-id']}:oidc-provider/${out.provider.hostPath}`);
    expect(printed.trustPolicy.Statement[0].Principal.Federated).toBe(printed.provider.arn);
  });
});

describe('the reference checks find what dangles', () => {
  it('in Terraform: a renamed provider block, and names of every kind that nothing declares', async () => {
    const renamed = output('terraform', {}).text.replace('resource "aws_iam_openid_connect_provider" "circleci"', 'resource "aws_iam_openid_connect_provider" "other"');
    expect(unresolvedTerraform(await readTerraform(renamed)).map((f) => f.ref)).toEqual(['aws_iam_openid_connect_provider.circleci.arn']);
    const hcl = [
      'variable "name" {', '  type = string', '}',
      'locals {', '  tags = { team = var.name }', '}',
      'data "aws_caller_identity" "current" {}',
      'resource "aws_iam_role" "r" {',
      '  name        = "${var.name}-${local.tags.team}-${data.aws_caller_identity.current.account_id}"',
      '  description = "${var.missing} ${local.missing} ${data.aws_caller_identity.other.arn} ${aws_iam_role.nope.arn} ${module.none.x} $${var.escaped}"',
      '  path        = path.module',
      '}', '',
    ].join('\n');
    expect(unresolvedTerraform(await readTerraform(hcl)).map((f) => f.ref)).toEqual(['var.missing', 'local.missing', 'data.aws_caller_identity.other.arn', 'aws_iam_role.nope.arn', 'module.none.x']);
    await expect(readTerraform('resource "a" "b" {\n  x = \n}\n')).rejects.toThrow(/main\.tf:2,7-3,1: Invalid expression/);
  });

  it('in CloudFormation: Ref, GetAtt and Sub, short and long forms, to names nothing declares', () => {
    const tpl = readCloudFormation([
      'Parameters:', '  Env: { Type: String }',
      'Resources:', '  Role:', '    Type: AWS::IAM::Role', '    Properties:',
      '      RoleName: !Sub "${Env}-${AWS::Region}-${!Literal}-${Gone}"',
      '      Path: !Join ["", [!Ref Env, !Ref Missing, !GetAtt Role.Arn, !GetAtt [Nowhere, Arn]]]',
      '      Description: { Ref: AlsoMissing }',
      '      Tags: [{ Key: a, Value: { "Fn::GetAtt": [Lost, Arn] } }, { Key: b, Value: !Sub ["${x}${y}", { x: !Ref AWS::AccountId }] }]',
      '',
    ].join('\n'));
    expect(unresolvedCloudFormation(tpl).map((f) => f.ref)).toEqual(['Gone', 'Missing', 'Nowhere', 'AlsoMissing', 'Lost', 'y']);
    expect(() => readCloudFormation('Resources:\n  X: !NotATag y\n')).toThrow(/Unresolved tag: !NotATag/);
  });
});
