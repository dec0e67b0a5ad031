// The trust policy `aws-oidc doctor` checks a token against, from the JSON shapes users have at hand. Pure.
import { OrbError } from '../../lib/errors.ts';

/** One statement, as loosely as IAM accepts it (single values or lists). */
export interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  Principal?: { Federated?: string | string[] } | string;
  Condition?: Record<string, Record<string, string | string[]>>;
}

const FIX = 'give the JSON `aws-oidc trust-policy` prints, a trust policy document ({"Version": ..., "Statement": [...]}), ' +
  'or the output of `aws iam get-role --role-name <name>`';

/** The statements of `text`: `trust-policy` output, a policy document, or get-role output (its document may be URL-encoded). */
export function parsePolicy(text: string, source: string): PolicyStatement[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new OrbError(`--policy-file ${source}: not JSON (${(err as Error).message})`, FIX, { cause: err });
  }
  const doc = documentOf(json);
  const statements = doc === undefined ? undefined : (doc as { Statement?: unknown }).Statement;
  if (statements === undefined || statements === null || typeof statements !== 'object') {
    throw new OrbError(`--policy-file ${source}: no trust policy found (no Statement in it)`, FIX);
  }
  return (Array.isArray(statements) ? statements : [statements]) as PolicyStatement[];
}

/** Finds the policy document in the accepted wrappers. */
function documentOf(json: unknown): object | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  if ('Statement' in o) return o;
  if (o.trustPolicy && typeof o.trustPolicy === 'object') return o.trustPolicy;
  const role = o.Role as { AssumeRolePolicyDocument?: unknown } | undefined;
  const doc = role?.AssumeRolePolicyDocument;
  if (typeof doc === 'string') {
    try { return documentOf(JSON.parse(decodeURIComponent(doc))); } catch { return undefined; }
  }
  return documentOf(doc);
}

/** A single value or a list, as a list. */
export function listOf(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
