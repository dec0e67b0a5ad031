// The repository policies build-and-push applies with create-repo: a lifecycle policy and a repository
// (resource) policy, each a JSON file or inline JSON, or the repository policy that lets other accounts pull.
// All are read and checked as JSON before any AWS call.
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html
import { resolve } from 'node:path';
import { ParamError } from '../../lib/errors.ts';
import { boolParam, kindListParam, stringParam, type Env, type ParamSource } from '../../lib/params.ts';
import type { PolicyKind } from '../../lib/aws/ecr-policies.ts';

/** The policies to apply (JSON text, compact) and whether to replace those of a repository that exists. */
export interface RepoPolicies { lifecycle: string; repository: string; updateExisting: boolean }

/** ECR's limits on the policy texts, in characters. */
const MAX_CHARS: Record<PolicyKind, number> = { lifecycle: 30_720, repository: 10_240 };

/** The actions another account needs to pull an image (its own ecr:GetAuthorizationToken aside). */
export const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** The partition of a region, for account principals: aws-cn in China, aws-us-gov in GovCloud, else aws. */
const partition = (region: string) => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

/** The repository policy that lets the root principals of `accounts` (and so the roles they allow) pull. */
export function pullPolicy(accounts: readonly string[], region: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'AllowPullFromOtherAccounts', Effect: 'Allow', Principal: { AWS: accounts.map((a) => `arn:${partition(region)}:iam::${a}:root`) }, Action: PULL_ACTIONS }],
  });
}

/** One policy parameter: inline JSON (starting with `{`) or a file path; '' when empty. Checked: JSON object, the shape ECR needs, its size. */
function policyParam(raw: ParamSource, env: Env, param: string, kind: PolicyKind, cwd: string, readFile: (path: string) => string): string {
  const value = stringParam(raw, env, param);
  if (!value) return '';
  let text = value;
  if (!value.startsWith('{')) {
    try {
      text = readFile(resolve(cwd, value));
    } catch (err) {
      throw new ParamError(param, value, `is neither inline JSON nor a readable file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'give the path of a JSON file (relative to the working directory) or the JSON itself');
    }
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ParamError(param, value, `is not valid JSON: ${(err as Error).message}`, 'fix the JSON (check it with: node -e "JSON.parse(require(\'fs\').readFileSync(0, \'utf8\'))" < file)');
  }
  const shape = kind === 'lifecycle'
    ? Array.isArray((doc as { rules?: unknown } | null)?.rules) && ((doc as { rules: unknown[] }).rules.length > 0) ? '' : 'has no "rules" list'
    : Array.isArray((doc as { Statement?: unknown } | null)?.Statement) ? '' : 'has no "Statement" list';
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || shape) {
    throw new ParamError(param, value, `is not ${kind === 'lifecycle' ? 'a lifecycle policy' : 'a repository policy'}: ${shape || 'not a JSON object'}`,
      kind === 'lifecycle' ? 'write {"rules": [{"rulePriority": 1, "selection": {...}, "action": {"type": "expire"}}]}' : 'write {"Version": "2012-10-17", "Statement": [...]}');
  }
  const compact = JSON.stringify(doc);
  if (compact.length > MAX_CHARS[kind]) throw new ParamError(param, value, `is ${compact.length} characters, more than ECR's ${MAX_CHARS[kind]}`, 'shorten the policy');
  return compact;
}

/**
 * repo-lifecycle-policy, repo-policy, repo-pull-account-ids and update-repo-policies. `createRepo` is
 * build-and-push's create-repo: policies given without it or update-repo-policies would never apply, and
 * are refused. repo-policy and repo-pull-account-ids are two ways to write one policy: one of them.
 */
export function parseRepoPolicies(raw: ParamSource, env: Env, cwd: string, region: string, createRepo: boolean, readFile: (path: string) => string): RepoPolicies {
  const lifecycle = policyParam(raw, env, 'repo-lifecycle-policy', 'lifecycle', cwd, readFile);
  let repository = policyParam(raw, env, 'repo-policy', 'repository', cwd, readFile);
  const pullText = stringParam(raw, env, 'repo-pull-account-ids');
  const pull = kindListParam(raw, env, 'repo-pull-account-ids', 'accountId', 'list the accounts that may pull, e.g. 222222222222');
  if (pull.length > 0 && repository) {
    throw new ParamError('repo-pull-account-ids', pullText, 'is given together with repo-policy, and both write the repository policy', 'give one: repo-policy with your own statement for those accounts, or repo-pull-account-ids alone');
  }
  if (pull.length > 0) repository = pullPolicy(pull, region);
  const updateExisting = boolParam(raw, env, 'update-repo-policies', false);
  if ((lifecycle || repository) && !createRepo && !updateExisting) {
    // The first of the given policies is named; its text is what the refusal quotes.
    const [param, given] = lifecycle ? ['repo-lifecycle-policy', stringParam(raw, env, 'repo-lifecycle-policy')]
      : pull.length ? ['repo-pull-account-ids', pullText] : ['repo-policy', stringParam(raw, env, 'repo-policy')];
    throw new ParamError(param, given, 'would never be applied: it applies when create-repo creates the repository, or with update-repo-policies: true',
      'set create-repo: true (applied on creation) or update-repo-policies: true (applied to the existing repository too)');
  }
  if (updateExisting && !lifecycle && !repository) {
    throw new ParamError('update-repo-policies', 'true', 'names no policy to apply', 'set repo-lifecycle-policy, repo-policy or repo-pull-account-ids, or leave update-repo-policies false');
  }
  return { lifecycle, repository, updateExisting };
}

/** What applying needs: read and write one policy of the repository (the real ones retried and explained). */
export interface PolicyPort {
  get(kind: PolicyKind): Promise<string | undefined>;
  set(kind: PolicyKind, text: string): Promise<void>;
}

/** Applies the policies given; an existing policy equal as JSON is left alone. Returns one line per policy, for the log. */
export async function applyPolicies(p: RepoPolicies, port: PolicyPort, created: boolean): Promise<string[]> {
  const lines: string[] = [];
  for (const [kind, text] of [['lifecycle', p.lifecycle], ['repository', p.repository]] as const) {
    if (!text) continue;
    const label = kind === 'lifecycle' ? 'lifecycle policy' : 'repository policy';
    const had = created ? undefined : await port.get(kind);
    if (had !== undefined && JSON.stringify(JSON.parse(had)) === text) {
      lines.push(`The ${label} is already the one given: left as it is`);
      continue;
    }
    await port.set(kind, text);
    lines.push(`${had === undefined ? 'Applied' : 'Replaced'} the ${label}`);
  }
  return lines;
}
