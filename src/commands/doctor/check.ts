// `aws-oidc doctor`: would this trust policy admit this token? Evaluates what IAM evaluates for
// AssumeRoleWithWebIdentity (the federated principal and the string conditions on the token's claims)
// and says, for each failing condition key, the token's value, the policy's value and the fix. Pure.
import type { TokenClaims } from '../../lib/oidc-token.ts';
import { serverText } from '../../lib/aws/errors.ts';
import { subPattern } from '../trust-policy/generate.ts';
import { listOf, type PolicyStatement } from './policy.ts';

/**
 * A value from the token (a claim, the kid) as the report shows it: JSON-quoted, on one line without control or
 * bidi characters (serverText, as AWS error text is quoted), so a crafted claim can neither fake a report line nor
 * hide the verdict behind terminal escapes.
 */
export const tokenText = (value: string): string => JSON.stringify(serverText(value));

/** What doctor says about the signature: not checked (no keys given, or the --jwks-url gave none: why, and the fix), verified with a key, or failed (why, and the fix). */
export type SignatureCheck =
  | { status: 'unchecked' }
  | { status: 'unfetched'; problem: string; fix: string; keys: string }
  | { status: 'verified'; kid: string | undefined; alg: string; keys: string }
  | { status: 'failed'; problem: string; fix: string; keys: string };

/** The report's signature line(s); src/commands/doctor/signature.ts makes the check (with jose, which only the CLI bundles). */
export function signatureLines(s: SignatureCheck): string[] {
  if (s.status === 'unchecked') {
    return ['signature: not checked (give --jwks-file or --jwks-url): doctor checks the token\'s claims against the policy, not who signed it'];
  }
  if (s.status === 'verified') return [`signature: verified with key ${s.kid === undefined ? '(the token names no kid)' : tokenText(s.kid)} (${s.alg}) of ${s.keys}`];
  if (s.status === 'unfetched') return [`signature: not checked: the keys could not be fetched (${s.problem})`, `    fix:    ${s.fix}`];
  return [`SIGNATURE FAILED: ${s.problem}`, `    fix:    ${s.fix}`];
}

/** One checked item: a condition key (or the principal, the action, the expiry). */
export interface Finding {
  status: 'ok' | 'mismatch' | 'warning';
  /** What is checked, e.g. oidc.circleci.com/org/<id>:sub (StringLike), or Principal.Federated. */
  key: string;
  token: string;
  policy: string;
  fix?: string;
  /** What `policy` holds when it is not the policy's value (the expiry finding's current time: 'now'); default 'policy'. */
  policyLabel?: string;
}

export interface DoctorReport {
  /** Whether the policy admits the token's claims (the signature is `signature`'s business). */
  admitted: boolean;
  claims: TokenClaims;
  /** The findings of the statement that admits the token, else of the one that came closest. */
  findings: Finding[];
  /** The signature check, when the CLI made one (renderReport says "not checked" without it). */
  signature?: SignatureCheck;
}

const ACTION = 'sts:AssumeRoleWithWebIdentity';
const STRING_OPS = ['StringEquals', 'StringLike', 'StringNotEquals', 'StringNotLike'] as const;
type StringOp = (typeof STRING_OPS)[number];

/** IAM's StringLike: * is any run of characters, ? is one character; case-sensitive, whole string. */
export function stringLike(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${re}$`).test(value);
}

/** Whether one operator admits the token's values (any of them) against the policy's values. */
function matches(op: StringOp, tokenValues: string[], policyValues: string[]): boolean {
  const one = (t: string, p: string) => (op === 'StringEquals' || op === 'StringNotEquals' ? t === p : stringLike(p, t));
  const hit = tokenValues.some((t) => policyValues.some((p) => one(t, p)));
  return op.startsWith('StringNot') ? !hit : hit;
}

/** The parts of a CircleCI sub: org/<org>/project/<project>/user/<user>[/vcs-origin/<origin>/vcs-ref/<ref>]. */
export function parseSub(sub: string): { org: string; project: string; ref?: string } | undefined {
  const m = /^org\/([^/]+)\/project\/([^/]+)\/user\/[^/]+(?:\/vcs-origin\/.+\/vcs-ref\/(.+))?$/.exec(sub);
  if (!m) return undefined;
  return { org: m[1] as string, project: m[2] as string, ...(m[3] ? { ref: m[3] } : {}) };
}

/** The account of an IAM OIDC provider ARN (arn:<partition>:iam::<account>:oidc-provider/...), or undefined. */
export const providerAccount = (arn: string): string | undefined => /^arn:aws[a-z-]*:iam::(\d{12}):oidc-provider\//.exec(arn)?.[1];

/** What to change when the sub condition fails; `account` (of the policy's provider) completes the trust-policy command. */
function subFix(claims: TokenClaims, policyValues: string[], account: string | undefined): string {
  const parts = parseSub(claims.sub ?? '');
  if (!parts) return 'the token\'s sub is not a CircleCI subject (org/<org>/project/<project>/user/<user>...): check where the token came from';
  const wanted = policyValues.map(parseSub).filter((p) => p !== undefined);
  const otherProject = wanted.length > 0 && wanted.every((w) => w.org !== parts.org || w.project !== parts.project);
  const pinsRef = policyValues.some((v) => v.includes('/vcs-ref/'));
  const widen = `to admit it, use "${subPattern(parts.org, parts.project, parts.ref)}" (printed by \`aws-oidc trust-policy --org-id ${parts.org} --project-id ${parts.project}` +
    ` --account-id ${account ?? '<12-digit account id>'}${parts.ref?.startsWith('refs/heads/') ? ` --branch ${parts.ref.slice('refs/heads/'.length)}` : ''}\`)`;
  if (otherProject) return `the policy admits another project; ${widen}, or use this project's own role`;
  if (pinsRef && parts.ref === undefined) return 'the policy pins a branch, which only V2 tokens carry: use CIRCLE_OIDC_TOKEN_V2 (the orb\'s token-source: v2), not CIRCLE_OIDC_TOKEN';
  if (pinsRef) return `the token is from ${parts.ref}, which the policy does not admit: run the job on an admitted branch, or ${widen}`;
  return widen;
}

/** The findings of one statement's principal and conditions. */
function checkStatement(s: PolicyStatement, claims: TokenClaims, hostPath: string): Finding[] {
  const out: Finding[] = [];
  const federated = typeof s.Principal === 'object' ? listOf(s.Principal.Federated) : [];
  const principalOk = federated.some((arn) => arn.endsWith(`:oidc-provider/${hostPath}`));
  out.push({
    status: principalOk ? 'ok' : 'mismatch', key: 'Principal.Federated (the token\'s iss)', token: claims.iss === undefined ? '(no iss)' : tokenText(claims.iss), policy: federated.join(', ') || '(none)',
    ...(principalOk ? {} : { fix: `the Principal must be {"Federated": "arn:aws:iam::<account>:oidc-provider/${hostPath}"}, the IAM OIDC provider of the token's issuer` }),
  });
  const seen = new Set<string>();
  for (const [rawOp, entries] of Object.entries(s.Condition ?? {})) {
    // ForAnyValue: / ForAllValues: only matter for multi-valued keys; CircleCI's claims are single strings.
    const op = rawOp.replace(/^For(AnyValue|AllValues):/, '').replace(/IfExists$/, '');
    for (const [key, value] of Object.entries(entries)) {
      const policy = listOf(value).join(', ');
      if (!(STRING_OPS as readonly string[]).includes(op)) {
        out.push({ status: 'warning', key: `${key} (${rawOp})`, token: '', policy, fix: `doctor does not evaluate ${rawOp}; check it by hand` });
        continue;
      }
      const [prefix, claim] = [key.slice(0, key.lastIndexOf(':')), key.slice(key.lastIndexOf(':') + 1)];
      if (prefix !== hostPath) {
        // Keys of another provider are not in the request, so a String* condition on them fails (Not* ones pass).
        const ok = op.startsWith('StringNot');
        out.push({ status: ok ? 'ok' : 'mismatch', key: `${key} (${op})`, token: `(the token's provider is ${tokenText(hostPath)})`, policy, ...(ok ? {} : { fix: `this key is for the provider ${prefix}; for this token use ${hostPath}:${claim}` }) });
        continue;
      }
      seen.add(claim);
      const tokenValues = listOf(claims[claim] as string | string[] | undefined).map(String);
      const ok = tokenValues.length > 0 && matches(op as StringOp, tokenValues, listOf(value));
      const fix = claim === 'sub' ? subFix(claims, listOf(value), federated.map(providerAccount).find((a) => a !== undefined))
        : claim === 'aud' ? `the policy must have the token's aud ${tokenValues.map(tokenText).join(',')} (CircleCI's aud is the organization id), or mint the token with the audience the policy names`
          : `make ${key} admit ${tokenValues.map(tokenText).join(',')}, or get a token whose ${claim} it admits`;
      out.push({ status: ok ? 'ok' : 'mismatch', key: `${key} (${op})`, token: tokenValues.map(tokenText).join(', ') || `(no ${claim} claim)`, policy, ...(ok ? {} : { fix }) });
    }
  }
  if (!seen.has('aud')) out.push({ status: 'warning', key: `${hostPath}:aud`, token: claims.aud === undefined ? '' : listOf(claims.aud).map(String).map(tokenText).join(', '), policy: '(no condition)', fix: `pin ${hostPath}:aud with StringEquals to your organization id` });
  if (!seen.has('sub')) out.push({ status: 'warning', key: `${hostPath}:sub`, token: claims.sub === undefined ? '' : tokenText(claims.sub), policy: '(no condition)', fix: 'without a sub condition every project of the organization can assume the role: run `aws-oidc trust-policy` for one' });
  return out;
}

const mismatches = (f: Finding[]) => f.filter((x) => x.status === 'mismatch').length;

/** A span of time as a person reads it: 45s, 12m 5s, 2h 5m, 3d 4h (the two largest units). */
export function span(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms / 1000) * 1000);
  for (const [unit, size] of units) {
    if (rest >= size || (parts.length > 0 && parts.length < 2)) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
    if (parts.length === 2) break;
  }
  return parts.filter((p, i) => i === 0 || !p.startsWith('0')).join(' ') || '0s';
}

/** The expiry finding: labelled expired with how long ago, or how long the token is still valid. */
function expiryFinding(exp: number, now: number): Finding {
  const left = exp * 1000 - now;
  const at = new Date(exp * 1000).toISOString();
  const current = { policy: new Date(now).toISOString(), policyLabel: 'now' };
  if (left > 0) return { status: 'ok', key: `exp: valid for ${span(left)} more`, token: at, ...current };
  return {
    status: 'mismatch', key: `exp: EXPIRED ${span(-left)} ago`, token: at, ...current,
    fix: `the token expired ${span(-left)} ago; get a fresh one (CircleCI's tokens last one hour from the job start)`,
  };
}

/** Checks the token's claims against the statements; `now` in ms for the expiry. */
export function doctor(claims: TokenClaims, statements: PolicyStatement[], now: number): DoctorReport {
  const hostPath = (claims.iss ?? '').replace(/^https?:\/\//, '');
  const expiry: Finding[] = claims.exp === undefined ? [] : [expiryFinding(claims.exp, now)];
  const candidates = statements.filter((s) => s.Effect === 'Allow' && listOf(s.Action).some((a) => a === ACTION || a === 'sts:*' || a === '*'));
  if (candidates.length === 0) {
    const actions = statements.flatMap((s) => listOf(s.Action)).join(', ') || '(none)';
    return { admitted: false, claims, findings: [...expiry, { status: 'mismatch', key: 'Action', token: ACTION, policy: actions, fix: `add a statement with Effect Allow and Action ${ACTION}` }] };
  }
  const checked = candidates.map((s) => [...expiry, ...checkStatement(s, claims, hostPath)]);
  const best = checked.reduce((a, b) => (mismatches(b) < mismatches(a) ? b : a));
  return { admitted: mismatches(best) === 0, claims, findings: best };
}

/** Whether STS would take the token as far as doctor can tell: the policy admits its claims and its signature did not fail. */
export const passes = (r: DoctorReport): boolean => r.admitted && r.signature?.status !== 'failed';

/** The report as text: the claims, the signature, one block per finding, and the verdict. */
export function renderReport(r: DoctorReport): string {
  const aud = r.claims.aud === undefined ? '?' : tokenText(listOf(r.claims.aud).join(','));
  const claimLine = `token claims: iss=${r.claims.iss === undefined ? '?' : tokenText(r.claims.iss)} aud=${aud} sub=${r.claims.sub === undefined ? '?' : tokenText(r.claims.sub)}`;
  const lines = [claimLine, ...signatureLines(r.signature ?? { status: 'unchecked' })];
  for (const f of r.findings) {
    lines.push(`${f.status === 'ok' ? 'ok      ' : f.status === 'warning' ? 'warning ' : 'MISMATCH'} ${f.key}`);
    if (f.status === 'ok') continue;
    if (f.token) lines.push(`    token:  ${f.token}`);
    lines.push(`    ${`${f.policyLabel ?? 'policy'}:`.padEnd(8)}${f.policy}`);
    if (f.fix) lines.push(`    fix:    ${f.fix}`);
  }
  const n = mismatches(r.findings);
  const verdict = !r.admitted ? `result: the policy refuses this token (${n} mismatch${n === 1 ? '' : 'es'})`
    : r.signature?.status === 'failed' ? 'result: the policy admits this token\'s claims, but its signature failed: STS refuses it (InvalidIdentityToken)'
      : r.signature?.status === 'verified' ? 'result: the policy admits this token, and its signature verifies'
        : r.signature?.status === 'unfetched' ? 'result: the policy admits this token\'s claims; its signature is not checked, as the keys could not be fetched'
          : 'result: the policy admits this token\'s claims';
  lines.push(verdict);
  // A fix may hold parts of a claim (subFix): no line carries a control or bidi character, so each stays one line.
  // eslint-disable-next-line no-control-regex
  return lines.map((l) => l.replace(/[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')).join('\n') + '\n';
}
