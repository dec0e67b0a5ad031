// The IAM roles the demo creates in the local AWS: the ones the config names (role-arn after ${VAR} expansion, and
// each role-chain hop), or exactly those of a roles file. An OIDC role trusts what `aws-oidc trust-policy` generates
// for the rig's organization and project; a chain hop trusts the role before it.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseChain } from '../../../src/commands/assume-role-with-oidc/chain.ts';
import { expandVars } from '../../../src/lib/params.ts';
import { refNameProblem } from '../../../src/commands/trust-policy/params.ts';
import { parseTrustPolicy } from '../aws/policy.ts';
import { isPlainMap } from '../runner/interpolate.ts';
import { DemoUsageError } from './args.ts';
import type { OrbStep } from './needs.ts';

/** One role to create: its trust policy's statements, and a line saying what it admits. */
export interface RolePlan {
  arn: string;
  account: string;
  name: string;
  /** OIDC: admit jobs of the rig's project (on `branch` when set). */
  oidc?: { branch?: string };
  /** Role ARNs whose sessions may assume it (a role-chain hop), with an ExternalId when set. */
  assumedBy: { principal: string; externalId?: string; sourceIdentity: boolean }[];
  /** A whole trust policy from a roles file, used as written. */
  trustPolicy?: object;
  maxSessionDuration: number;
}

/** The plan, and notes on what could not be planned (the step then fails with the orb's own message). */
export interface RolesPlan { roles: RolePlan[]; notes: string[] }

// IAM role ARNs the local IAM can hold: the aws partition, no path. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@-]{1,64})$/;

function planOf(plan: Map<string, RolePlan>, arn: string): RolePlan | undefined {
  const m = ROLE_ARN.exec(arn);
  if (!m) return undefined;
  if (!plan.has(arn)) plan.set(arn, { arn, account: m[1]!, name: m[2]!, assumedBy: [], maxSessionDuration: 3600 });
  return plan.get(arn)!;
}

/** Why expanding failed, as a note: the variable that is not set, and the --env that would set it. */
function unsetNote(step: OrbStep, param: string, text: string): string {
  const name = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(text)?.[1] ?? '?';
  return `step ${JSON.stringify(step.name)}: ${param} names $${name}, which is not set, so no role was made for it: pass --env ${name}=arn:aws:iam::<account>:role/<name> (or a --roles file)`;
}

/** The roles the config's assume-role-with-oidc steps name; `env` is the project variables (--env). */
export function rolesFromConfig(steps: OrbStep[], env: Record<string, string>): RolesPlan {
  const plan = new Map<string, RolePlan>();
  const notes: string[] = [];
  for (const step of steps.filter((s) => s.command === 'assume-role-with-oidc')) {
    const vars = { ...env, ...step.env };
    const raw = (step.params['role-arn'] ?? '').trim();
    let arn: string;
    try { arn = expandVars('role-arn', raw, vars); } catch { notes.push(unsetNote(step, 'role-arn', raw)); continue; }
    const role = planOf(plan, arn);
    if (!role) { notes.push(`step ${JSON.stringify(step.name)}: role-arn ${JSON.stringify(arn)} is not arn:aws:iam::<12 digits>:role/<name>, so no role was made for it`); continue; }
    role.oidc = {};
    const asked = Number(step.params['session-duration']);
    if (Number.isInteger(asked)) role.maxSessionDuration = Math.min(43200, Math.max(role.maxSessionDuration, asked));
    let hops: ReturnType<typeof parseChain>;
    try { hops = parseChain(step.params['role-chain'] ?? '', vars); } catch { notes.push(unsetNote(step, 'role-chain', step.params['role-chain'] ?? '')); continue; }
    let previous = arn;
    for (const hop of hops) {
      const next = planOf(plan, hop.roleArn);
      if (!next) { notes.push(`step ${JSON.stringify(step.name)}: role-chain names ${JSON.stringify(hop.roleArn)}, which the local IAM cannot hold, so no role was made for it`); break; }
      next.assumedBy.push({ principal: previous, ...(hop.externalId ? { externalId: hop.externalId } : {}), sourceIdentity: (step.params['source-identity'] ?? '') !== '' });
      previous = hop.roleArn;
    }
  }
  return { roles: [...plan.values()], notes };
}

const FILE_KEYS = ['arn', 'branch', 'max-session-duration', 'assumed-by', 'external-id', 'trust-policy'];

/** One entry of a roles file, checked; `where` is e.g. `--roles roles.yml: roles[0]`. */
function fileRole(entry: unknown, where: string): RolePlan {
  const fail = (problem: string): never => { throw new DemoUsageError(`${where} ${problem}`); };
  if (!isPlainMap(entry)) fail('must be a map with arn (and branch, max-session-duration, assumed-by, external-id or trust-policy)');
  const e = entry as Record<string, unknown>;
  const unknown = Object.keys(e).find((k) => !FILE_KEYS.includes(k));
  if (unknown) fail(`has the key ${JSON.stringify(unknown)}; the keys are ${FILE_KEYS.join(', ')}`);
  const arn = typeof e.arn === 'string' ? e.arn : '';
  const role = planOf(new Map(), arn) ?? fail(`arn ${JSON.stringify(e.arn ?? '')} is not a role ARN: write arn:aws:iam::<12 digits>:role/<name>`);
  const max = e['max-session-duration'] ?? 3600;
  if (!Number.isInteger(max) || (max as number) < 3600 || (max as number) > 43200) fail(`max-session-duration ${JSON.stringify(max)} must be whole seconds from 3600 to 43200`);
  role.maxSessionDuration = max as number;
  if (e['trust-policy'] !== undefined) {
    if (!isPlainMap(e['trust-policy'])) fail('trust-policy must be a policy document (a map with Version and Statement)');
    if (Object.keys(e).some((k) => ['branch', 'assumed-by', 'external-id'].includes(k))) fail('has trust-policy: then branch, assumed-by and external-id do not apply; give one or the other');
    try { parseTrustPolicy(e['trust-policy'] as object); } catch (err) { fail(`trust-policy is refused as IAM would refuse it: ${(err as Error).name}: ${(err as Error).message}`); }
    role.trustPolicy = e['trust-policy'] as object;
  } else if (e['assumed-by'] !== undefined) {
    const by = typeof e['assumed-by'] === 'string' && ROLE_ARN.test(e['assumed-by']) ? e['assumed-by'] : fail(`assumed-by ${JSON.stringify(e['assumed-by'])} is not a role ARN: write the ARN of the role before this one in the chain`);
    if (e.branch !== undefined) fail('has assumed-by: branch applies to roles that OIDC tokens assume; drop it');
    const ext = e['external-id'];
    if (ext !== undefined && (typeof ext !== 'string' || !/^[\w+=,.@:/-]{2,1224}$/.test(ext))) fail('external-id must be 2 to 1224 characters of letters, digits and +=,.@:/-');
    role.assumedBy.push({ principal: by, ...(typeof ext === 'string' ? { externalId: ext } : {}), sourceIdentity: false });
  } else {
    if (e['external-id'] !== undefined) fail('has external-id without assumed-by: an ExternalId applies to a role-chain hop');
    const branch = e.branch;
    if (branch !== undefined && (typeof branch !== 'string' || branch === '' || refNameProblem(branch))) fail(`branch ${JSON.stringify(branch)} is not a branch name git would take, e.g. main`);
    role.oidc = typeof branch === 'string' ? { branch } : {};
  }
  return role;
}

/** The roles of a roles file: YAML or JSON, `roles:` a list of entries (see README "Trying a config locally"). */
export function rolesFromFile(path: string, shownPath: string): RolesPlan {
  let doc: unknown;
  try { doc = parse(readFileSync(path, 'utf8')); } catch (e) { throw new DemoUsageError(`--roles ${shownPath}: not YAML or JSON (${(e as Error).message.split('\n')[0]}); see README "Trying a config locally" for the format`); }
  const list = isPlainMap(doc) ? doc.roles : undefined;
  if (!Array.isArray(list)) throw new DemoUsageError(`--roles ${shownPath}: it must hold roles: a list of {arn, ...}; see README "Trying a config locally" for the format`);
  const roles = list.map((entry, i) => fileRole(entry, `--roles ${shownPath}: roles[${i}]`));
  const twice = roles.find((r, i) => roles.findIndex((x) => x.arn === r.arn) !== i);
  if (twice) throw new DemoUsageError(`--roles ${shownPath}: ${twice.arn} is listed twice; give each role once`);
  return { roles, notes: [] };
}

/** The trust policy document of a planned role; `oidcPolicy` is what `aws-oidc trust-policy` generates for an account and ref. */
export function trustDocument(role: RolePlan, oidcPolicy: (account: string, ref?: string) => object): object {
  if (role.trustPolicy) return role.trustPolicy;
  const statements: unknown[] = [];
  if (role.oidc) {
    const generated = oidcPolicy(role.account, role.oidc.branch === undefined ? undefined : `refs/heads/${role.oidc.branch}`) as { Statement: unknown[] };
    statements.push(...generated.Statement);
  }
  for (const by of role.assumedBy) {
    statements.push({
      Effect: 'Allow', Principal: { AWS: by.principal },
      // The orb tags chained sessions (circleci-session-tags, default true), which needs sts:TagSession.
      Action: ['sts:AssumeRole', 'sts:TagSession', ...(by.sourceIdentity ? ['sts:SetSourceIdentity'] : [])],
      ...(by.externalId ? { Condition: { StringEquals: { 'sts:ExternalId': by.externalId } } } : {}),
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** What a planned role admits, for the demo's header. */
export function describeRole(role: RolePlan): string {
  if (role.trustPolicy) return 'the trust policy in the roles file';
  const parts: string[] = [];
  if (role.oidc) parts.push(`CircleCI OIDC tokens of the rig's project, ${role.oidc.branch === undefined ? 'any branch' : `branch ${role.oidc.branch} only`} (aws-oidc trust-policy${role.oidc.branch === undefined ? '' : ` --branch ${role.oidc.branch}`})`);
  for (const by of role.assumedBy) parts.push(`sessions of ${by.principal}${by.externalId ? ' with its ExternalId' : ''}`);
  return `${parts.join('; ')}${role.maxSessionDuration > 3600 ? `; MaxSessionDuration ${role.maxSessionDuration} s` : ''}`;
}
