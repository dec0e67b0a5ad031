// What a generated Terraform file or CloudFormation template refers to, and what it declares, read by real
// parsers rather than by the renderer's own constants: HashiCorp's HCL parser (@cdktf/hcl2json, compiled to
// wasm) for Terraform, and the `yaml` library with CloudFormation's short-form tags for templates.
import { getReferencesInExpression, parse as parseHcl } from '@cdktf/hcl2json';
import { parseDocument, type Tags } from 'yaml';

/** One reference found in an output: what it names, and where (a path into the parsed document). */
export interface Found { ref: string; at: string }

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every string in `v` with its path (`a.b[0].c`), depth first. */
function strings(v: Json, at: string, out: [string, string][] = []): [string, string][] {
  if (typeof v === 'string') out.push([at, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${at}[${i}]`, out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, at ? `${at}.${k}` : k, out);
  return out;
}

/** Terraform's own objects: references to them need no declaration in the file (https://developer.hashicorp.com/terraform/language/expressions/references). */
const TERRAFORM_BUILTINS = new Set(['path', 'terraform']);

/**
 * The names a Terraform file declares, as references spell them: `TYPE.NAME` for a resource, `data.TYPE.NAME`,
 * `var.NAME`, `local.NAME`, `module.NAME`. `doc` is hcl2json's JSON (blocks as lists of bodies).
 */
function terraformDeclared(doc: Record<string, Json>): Set<string> {
  const out = new Set<string>();
  const twoLevel = (block: Json, prefix: string) => {
    for (const [type, byName] of Object.entries((block ?? {}) as Record<string, Json>)) for (const name of Object.keys(byName as object)) out.add(`${prefix}${type}.${name}`);
  };
  twoLevel(doc.resource ?? null, '');
  twoLevel(doc.data ?? null, 'data.');
  for (const name of Object.keys((doc.variable ?? {}) as object)) out.add(`var.${name}`);
  for (const name of Object.keys((doc.module ?? {}) as object)) out.add(`module.${name}`);
  for (const body of (doc.locals ?? []) as Record<string, Json>[]) for (const name of Object.keys(body)) out.add(`local.${name}`);
  return out;
}

/** The declared name a reference starts with (`aws_iam_role.x.arn` -> `aws_iam_role.x`, `data.a.b.c` -> `data.a.b`). */
function terraformTarget(ref: string): string {
  const parts = ref.split('.');
  if (parts[0] === 'data') return parts.slice(0, 3).join('.');
  return parts.slice(0, 2).join('.');
}

/** A parsed Terraform file: hcl2json's JSON, what it declares, and every reference in its expressions. */
export interface TerraformFile { doc: Record<string, Json>; declared: Set<string>; references: (Found & { start: number; end: number; expression: string })[] }

/** Parses `text` with HashiCorp's HCL parser (rejects on a syntax error) and lists its declarations and references. */
export async function readTerraform(text: string): Promise<TerraformFile> {
  const doc = (await parseHcl('main.tf', text)) as Record<string, Json>;
  const references: TerraformFile['references'] = [];
  for (const [at, value] of strings(doc, '')) {
    // hcl2json keeps every non-literal expression as its source inside ${...}; a variable's type is no reference.
    if (!value.includes('${') || /^variable\.[^.]+\[\d+\]\.type$/.test(at)) continue;
    for (const r of await getReferencesInExpression('main.tf', value)) references.push({ ref: r.value, at, start: r.startPosition, end: r.endPosition, expression: value });
  }
  return { doc, declared: terraformDeclared(doc), references };
}

/** The references of a Terraform file that name nothing it declares (nor Terraform's `path` and `terraform`). */
export function unresolvedTerraform(tf: TerraformFile): Found[] {
  return tf.references
    .filter((r) => !TERRAFORM_BUILTINS.has(r.ref.split('.')[0]!) && !tf.declared.has(terraformTarget(r.ref)))
    .map(({ ref, at }) => ({ ref, at }));
}

/** CloudFormation's short forms, each read as its long form: `!Ref X` is `{ Ref: X }`, `!GetAtt A.B` is `{ 'Fn::GetAtt': 'A.B' }`. */
const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAtt', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'And', 'Equals', 'If', 'Not', 'Or'];
export const CFN_TAGS: Tags = ['Ref', 'Condition', ...FUNCTIONS].flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const tag = `!${name}`;
  const long = (v: unknown) => ({ [key]: v });
  return [
    { tag, resolve: (s: string) => long(s) },
    { tag, collection: 'seq' as const, resolve: (seq: { toJSON(): unknown }) => long(seq.toJSON()) },
    { tag, collection: 'map' as const, resolve: (map: { toJSON(): unknown }) => long(map.toJSON()) },
  ];
}) as unknown as Tags;

/** Pseudo parameters every template may Ref (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html). */
const PSEUDO = ['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix'];

/** A parsed template: the document, its resources and parameters, and every Ref, GetAtt and Sub variable in it. */
export interface Template { doc: Record<string, Json>; resources: Set<string>; parameters: Set<string>; references: (Found & { kind: 'Ref' | 'GetAtt' | 'Sub' })[] }

/** The variables of a Fn::Sub string: `${Name}` and `${Name.Attr}`, not the literal `${!...}`. */
function subVariables(s: string): string[] {
  return [...s.matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => m[1]!.trim());
}

function collect(v: Json, at: string, out: Template['references']): void {
  if (Array.isArray(v)) return v.forEach((x, i) => collect(x, `${at}[${i}]`, out));
  if (v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    const here = at ? `${at}.${k}` : k;
    if (k === 'Ref' && typeof x === 'string') out.push({ kind: 'Ref', ref: x, at: here });
    if (k === 'Fn::GetAtt') out.push({ kind: 'GetAtt', ref: Array.isArray(x) ? String(x[0]) : String(x).split('.')[0]!, at: here });
    if (k === 'Fn::Sub') {
      const [text, vars] = Array.isArray(x) ? [String(x[0]), (x[1] ?? {}) as object] : [String(x), {}];
      for (const name of subVariables(text)) if (!(name in vars)) out.push({ kind: 'Sub', ref: name, at: here });
    }
    collect(x, here, out);
  }
}

/** Parses a YAML template with CloudFormation's tags (rejects on a YAML error) and lists what it declares and refers to. */
export function readCloudFormation(text: string): Template {
  const parsed = parseDocument(text, { customTags: CFN_TAGS, version: '1.1' });
  const problems = [...parsed.errors, ...parsed.warnings];
  if (problems.length > 0) throw new Error(`not a template: ${problems.map((p) => p.message).join('; ')}`);
  const doc = parsed.toJS() as Record<string, Json>;
  const references: Template['references'] = [];
  collect(doc, '', references);
  return { doc, resources: new Set(Object.keys((doc.Resources ?? {}) as object)), parameters: new Set(Object.keys((doc.Parameters ?? {}) as object)), references };
}

/** The Refs that name no resource, parameter or pseudo parameter, GetAtts of no resource, Sub variables of neither. */
export function unresolvedCloudFormation(t: Template): Found[] {
  const refable = new Set([...t.resources, ...t.parameters, ...PSEUDO]);
  return t.references
    .filter((r) => {
      if (r.kind === 'GetAtt') return !t.resources.has(r.ref);
      if (r.kind === 'Sub') return !refable.has(r.ref) && !t.resources.has(r.ref.split('.')[0]!);
      return !refable.has(r.ref);
    })
    .map(({ ref, at }) => ({ ref, at }));
}
