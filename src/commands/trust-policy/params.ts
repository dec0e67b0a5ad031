// trust-policy's flags: raw CLI strings -> one validated object. Pure: every error names the flag, the value and the fix.
import { ParamError } from '../../lib/errors.ts';
import { isKind, KINDS } from '../../lib/grammar.ts';

/** The AWS partitions an IAM role can live in. */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** The output formats. */
export const FORMATS = ['json', 'terraform', 'cloudformation'] as const;
export type Format = (typeof FORMATS)[number];

/** Validated input of the generator. */
export interface TrustPolicyParams {
  orgId: string;
  projectId: string;
  /** A full git ref (refs/heads/main), or undefined for any branch. */
  ref?: string;
  accountId?: string;
  partition: Partition;
  /** The issuer URL, e.g. https://oidc.circleci.com/org/<org-id>. */
  issuerUrl: string;
  format: Format;
  roleName: string;
}

/** The raw flag values, as the CLI received them (kebab-case names). */
export type RawFlags = Readonly<Record<string, string | undefined>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName pattern)
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
export const DEFAULT_ROLE_NAME = 'circleci-oidc';

/** Why `ref` is not a valid git ref name (rules of `git check-ref-format`), or undefined. */
export function refNameProblem(ref: string): string | undefined {
  // `*` and `?` are also StringLike wildcards: git refuses them, and so must we, or the policy widens.
  const control = [...ref].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (control || /[ ~^:?*[\\]/.test(ref)) return 'contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (ref.includes('..') || ref.includes('@{') || ref.includes('//')) return 'contains "..", "@{" or "//"';
  if (ref === '@' || ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.')) return 'is "@", or starts or ends with "/", or ends with "."';
  if (ref.split('/').some((c) => c.startsWith('.') || c.endsWith('.lock'))) return 'has a component that starts with "." or ends with ".lock"';
  return undefined;
}

function uuidFlag(flags: RawFlags, flag: string): string {
  const value = (flags[flag] ?? '').trim();
  if (value === '') throw new ParamError(`--${flag}`, '', 'is required', `pass --${flag} <uuid>, from CircleCI's organization or project settings`);
  if (!UUID.test(value)) throw new ParamError(`--${flag}`, value, 'is not a UUID', `copy the id (e.g. 5d2a7c1e-8b3f-4e6a-9c0d-7f1e2b3a4c5d) from CircleCI's settings, not the name or slug`);
  return value.toLowerCase();
}

function oneOf<T extends string>(flags: RawFlags, flag: string, allowed: readonly T[], fallback: T): T {
  const value = (flags[flag] ?? '').trim();
  if (value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ParamError(`--${flag}`, value, `must be one of ${allowed.join(', ')}`, `pass --${flag} ${fallback}, or another of those values`);
}

/** The issuer URL: https, or http only on the loopback (a local test issuer); no trailing slash, query or fragment. */
function issuerFlag(flags: RawFlags, orgId: string): string {
  const given = (flags['issuer-url'] ?? '').trim();
  if (given === '') return `https://oidc.circleci.com/org/${orgId}`;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new ParamError('--issuer-url', given, 'is not a URL', `pass the token's iss, e.g. https://oidc.circleci.com/org/${orgId}`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  const shapeOk = url.search === '' && url.hash === '' && url.username === '' && !given.endsWith('/');
  if (!shapeOk || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw new ParamError('--issuer-url', given, 'must be an https URL without a trailing slash, query or fragment',
      `pass the token's iss exactly, e.g. https://oidc.circleci.com/org/${orgId}`);
  }
  return given;
}

/** Parses and validates the flags of `aws-oidc trust-policy`. */
export function parseTrustPolicyFlags(flags: RawFlags): TrustPolicyParams {
  const orgId = uuidFlag(flags, 'org-id');
  const projectId = uuidFlag(flags, 'project-id');
  const params: TrustPolicyParams = {
    orgId, projectId,
    partition: oneOf(flags, 'partition', PARTITIONS, 'aws'),
    issuerUrl: issuerFlag(flags, orgId),
    format: oneOf(flags, 'format', FORMATS, 'json'),
    roleName: (flags['role-name'] ?? '').trim() || DEFAULT_ROLE_NAME,
  };
  if (!ROLE_NAME.test(params.roleName)) {
    throw new ParamError('--role-name', params.roleName, 'must be 1 to 64 letters, digits or +=,.@_-', 'pick a shorter name without spaces or slashes');
  }
  const branch = (flags.branch ?? '').trim();
  if (branch !== '') {
    // A full ref (refs/tags/v1, refs/heads/main) is taken as is; a bare name is a branch.
    const ref = branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
    const problem = refNameProblem(ref);
    if (problem) throw new ParamError('--branch', branch, `is not a valid git ref name: it ${problem}`, 'pass a branch name such as main or release/1.2, or a full ref such as refs/tags/v1');
    params.ref = ref;
  }
  const account = (flags['account-id'] ?? '').trim();
  if (account !== '') {
    if (!isKind('accountId', account)) throw new ParamError('--account-id', account, `is not ${KINDS.accountId.what}`, 'pass the AWS account id, e.g. 123456789012 (aws sts get-caller-identity shows it)');
    params.accountId = account;
  } else if (params.format === 'json') {
    // JSON has no way to refer to the provider it creates, so the provider ARN needs the account.
    throw new ParamError('--account-id', '', 'is required with --format json', 'pass --account-id <12 digits>, or use --format terraform or cloudformation, which refer to the provider they create');
  }
  return params;
}
