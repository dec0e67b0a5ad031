// Renders the generated provider and trust policy as JSON, Terraform (HCL) or a CloudFormation YAML template.
import { stringify } from 'yaml';
import type { OidcProviderSpec, TrustPolicyDocument } from './generate.ts';
import type { Format } from './params.ts';

/** What the renderers take: the generator's output plus the role name. */
export interface Generated { provider: OidcProviderSpec; policy: TrustPolicyDocument; roleName: string }

/** The Terraform expression for the provider ARN: a reference, so Terraform creates the provider first. */
export const TF_PROVIDER_REF = 'aws_iam_openid_connect_provider.circleci.arn';
/** The CloudFormation logical id of the provider; `Ref` on it gives its ARN. */
export const CFN_PROVIDER_ID = 'CircleCIOidcProvider';

/** `{ "provider": ..., "trustPolicy": ... }`, two-space indented. */
export function renderJson(g: Generated): string {
  const { arn, url, clientIds } = g.provider;
  return JSON.stringify({ provider: { url, clientIds, ...(arn ? { arn } : {}) }, trustPolicy: g.policy }, null, 2) + '\n';
}

/** A JSON string as an HCL string: same escapes, plus HCL's own template markers `${` and `%{` doubled. */
function hclString(s: string): string {
  return JSON.stringify(s).replace(/\$\{/g, '$$$${').replace(/%\{/g, '%%{');
}

/** HCL object syntax accepts `"key": value`, so a JSON value is HCL once its strings are escaped for HCL. */
function hclValue(v: unknown, indent: string): string {
  if (typeof v === 'string') return hclString(v);
  if (Array.isArray(v)) return `[${v.map((x) => hclValue(x, indent)).join(', ')}]`;
  if (typeof v === 'object' && v !== null) {
    const inner = indent + '  ';
    const rows = Object.entries(v).map(([k, x]) => `${inner}${hclString(k)}: ${hclValue(x, inner)}`);
    return `{\n${rows.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v);
}

/** Terraform: the provider and the role, the policy in `jsonencode(...)` with the provider ARN as a reference. */
export function renderTerraform(g: Generated): string {
  const federated = g.policy.Statement[0].Principal.Federated;
  const policy = hclValue(g.policy, '  ').replace(hclString(federated), TF_PROVIDER_REF);
  return [
    'resource "aws_iam_openid_connect_provider" "circleci" {',
    `  url            = ${hclString(g.provider.url)}`,
    `  client_id_list = ${hclValue(g.provider.clientIds, '  ')}`,
    '}',
    '',
    'resource "aws_iam_role" "circleci" {',
    `  name               = ${hclString(g.roleName)}`,
    `  assume_role_policy = jsonencode(${policy})`,
    '}',
    '',
  ].join('\n');
}

/** CloudFormation: a YAML template with the provider and the role; the principal is `Ref` to the provider. */
export function renderCloudFormation(g: Generated): string {
  const [statement] = g.policy.Statement;
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'IAM OIDC provider for CircleCI and a role its jobs may assume',
    Resources: {
      [CFN_PROVIDER_ID]: {
        Type: 'AWS::IAM::OIDCProvider',
        Properties: { Url: g.provider.url, ClientIdList: g.provider.clientIds },
      },
      CircleCIRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: g.roleName,
          AssumeRolePolicyDocument: { ...g.policy, Statement: [{ ...statement, Principal: { Federated: { Ref: CFN_PROVIDER_ID } } }] },
        },
      },
    },
  };
  // YAML 1.1 rules quote date-like strings (2012-10-17), which YAML 1.1 readers such as cfn-lint would take as dates.
  return stringify(template, { lineWidth: 0, version: '1.1' });
}

/** Renders in the chosen format. */
export function render(format: Format, g: Generated): string {
  if (format === 'terraform') return renderTerraform(g);
  if (format === 'cloudformation') return renderCloudFormation(g);
  return renderJson(g);
}
