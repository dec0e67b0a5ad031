// Role trust policy parsing and evaluation: the subset of IAM's policy language trust policies use.
// Semantics: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
import { awsErrors } from './errors.ts';

/** One normalised statement: lists everywhere, condition values as strings. */
export interface TrustStatement {
  effect: 'Allow' | 'Deny';
  principal: '*' | { federated: string[]; aws: string[] };
  actions: string[];
  conditions: { operator: string; key: string; values: string[] }[];
}

/** A parsed trust policy. */
export interface TrustPolicy {
  statements: TrustStatement[];
}

/** Who asks and what the request carries, as IAM sees it when evaluating a trust policy. */
export interface TrustRequest {
  action: string;
  /** Provider ARN for web identity federation. */
  federated?: string;
  /** For AWS principals: the caller's account and the ARNs that name it (user, role, session). */
  aws?: { account: string; arns: string[] };
  /** Condition keys present in the request; names are matched case-insensitively, as IAM does. */
  context: Record<string, string | string[] | undefined>;
}

/** The outcome of evaluation; only 'Allow' lets the request through. */
export type TrustDecision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

const OPERATORS = new Set(['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike']);

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function strings(v: unknown, what: string): string[] {
  const list = asList(v);
  if (list.length === 0 || list.some((x) => typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')) {
    throw awsErrors.malformedPolicy(`${what} must be a string or a list of strings`);
  }
  return list.map(String);
}

function parsePrincipal(p: unknown): TrustStatement['principal'] {
  if (p === '*') return '*';
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw awsErrors.malformedPolicy('Invalid principal in policy');
  const out = { federated: [] as string[], aws: [] as string[] };
  for (const [kind, v] of Object.entries(p)) {
    if (kind === 'Federated') out.federated = strings(v, 'Principal.Federated');
    else if (kind === 'AWS') out.aws = strings(v, 'Principal.AWS');
    else if (kind !== 'Service') throw awsErrors.malformedPolicy(`Invalid principal in policy: "${kind}"`);
  }
  return out;
}

function parseConditions(c: unknown): TrustStatement['conditions'] {
  if (c === undefined) return [];
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw awsErrors.malformedPolicy('Condition must be an object');
  const out: TrustStatement['conditions'] = [];
  for (const [operator, block] of Object.entries(c)) {
    const base = operator.replace(/^(ForAnyValue|ForAllValues):/, '').replace(/IfExists$/, '');
    if (!OPERATORS.has(base)) throw awsErrors.malformedPolicy(`Condition operator ${operator} is not supported by the local AWS`);
    if (typeof block !== 'object' || block === null || Array.isArray(block)) throw awsErrors.malformedPolicy(`Condition ${operator} must be an object`);
    for (const [key, values] of Object.entries(block)) out.push({ operator, key, values: strings(values, `Condition ${operator} ${key}`) });
  }
  return out;
}

/** Parses and checks a trust policy document (object or JSON text); MalformedPolicyDocument if invalid. */
export function parseTrustPolicy(doc: object | string): TrustPolicy {
  let raw: unknown = doc;
  if (typeof doc === 'string') {
    try {
      raw = JSON.parse(doc);
    } catch {
      throw awsErrors.malformedPolicy('This policy contains invalid Json');
    }
  }
  const statementsRaw = (raw as { Statement?: unknown }).Statement;
  if (statementsRaw === undefined) throw awsErrors.malformedPolicy('Missing required field Statement');
  const statements = asList(statementsRaw).map((s): TrustStatement => {
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw awsErrors.malformedPolicy('Invalid effect: must be Allow or Deny');
    if ('NotPrincipal' in st || 'NotAction' in st) throw awsErrors.malformedPolicy('NotPrincipal/NotAction are not supported by the local AWS');
    // IAM refuses trust policy statements without a principal.
    if (st.Principal === undefined) throw awsErrors.malformedPolicy('Has prohibited field Principal missing');
    if (st.Action === undefined) throw awsErrors.malformedPolicy('Missing required field Action');
    return {
      effect: st.Effect,
      principal: parsePrincipal(st.Principal),
      actions: strings(st.Action, 'Action'),
      conditions: parseConditions(st.Condition),
    };
  });
  return { statements };
}

/** IAM's StringLike: `*` matches any run of characters (including none), `?` exactly one. */
export function stringLike(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${re}$`).test(value);
}

function principalMatches(p: TrustStatement['principal'], req: TrustRequest): boolean {
  if (p === '*') return true;
  if (req.federated !== undefined && p.federated.includes(req.federated)) return true;
  const caller = req.aws;
  if (!caller) return false;
  return p.aws.some(
    (v) => v === '*' || v === caller.account || v === `arn:aws:iam::${caller.account}:root` || caller.arns.includes(v),
  );
}

function actionMatches(actions: string[], action: string): boolean {
  return actions.some((a) => stringLike(a.toLowerCase(), action.toLowerCase()));
}

function lookup(context: TrustRequest['context'], key: string): string[] | undefined {
  const k = Object.keys(context).find((name) => name.toLowerCase() === key.toLowerCase());
  const v = k === undefined ? undefined : context[k];
  return v === undefined ? undefined : asList(v).map(String);
}

function conditionHolds(cond: TrustStatement['conditions'][number], context: TrustRequest['context']): boolean {
  const [, set, base0, ifExists] = /^(?:(ForAnyValue|ForAllValues):)?(.*?)(IfExists)?$/.exec(cond.operator)!;
  const base = base0!;
  const negated = base.includes('Not');
  const ignoreCase = base.endsWith('IgnoreCase');
  const like = base.includes('Like');
  const matchOne = (value: string) =>
    cond.values.some((pattern) =>
      like ? stringLike(pattern, value) : ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value,
    );
  const present = lookup(context, cond.key);
  if (present === undefined || present.length === 0) {
    // A missing key fails positive operators and ForAnyValue, and satisfies negated ones and ForAllValues.
    if (ifExists) return true;
    if (set === 'ForAllValues') return true;
    if (set === 'ForAnyValue') return false;
    return negated;
  }
  if (set === 'ForAllValues') return present.every((v) => (negated ? !matchOne(v) : matchOne(v)));
  if (set === 'ForAnyValue') return present.some((v) => (negated ? !matchOne(v) : matchOne(v)));
  // Plain operators on a multivalued key: positive ones need some match, negated ones need none.
  return negated ? !present.some(matchOne) : present.some(matchOne);
}

/** Evaluates a trust policy: an explicit Deny wins over any Allow; no matching Allow is an implicit deny. */
export function evaluateTrust(policy: TrustPolicy, req: TrustRequest): TrustDecision {
  let allowed = false;
  for (const st of policy.statements) {
    const applies =
      principalMatches(st.principal, req) &&
      actionMatches(st.actions, req.action) &&
      st.conditions.every((c) => conditionHolds(c, req.context));
    if (!applies) continue;
    if (st.effect === 'Deny') return 'ExplicitDeny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}
