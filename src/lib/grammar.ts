// One definition for each kind of value the orb's parameters and the CLI's flags take: what it looks
// like, what it is called in a refusal, and an example for the fix. Every command and the CLI check a
// value of a kind through its definition here, so one name is never accepted by one step and refused by
// the next. Sources are linked on each kind.

/** A kind of value: its shape, its name in "is not <what>", and an example to suggest. */
export interface ValueKind {
  readonly what: string;
  readonly pattern: RegExp;
  readonly example: string;
}

/** Which kinds there are. */
export type KindName = 'profileName' | 'accountId' | 'roleArn' | 'region' | 'sessionName' | 'repository' | 'tag' | 'digest';

/** Every kind, by name. */
export const KINDS: Readonly<Record<KindName, ValueKind>> = {
  // The AWS CLI takes nearly any text as a profile name; these are the characters that survive the INI
  // section header, a file name (self-refresh state) and a shell word unquoted.
  // https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
  profileName: { what: 'a profile name (1-64 letters, digits and +=,.@_-)', pattern: /^[\w+=,.@-]{1,64}$/, example: 'staging-deploy' },
  // https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html
  accountId: { what: 'a 12-digit AWS account id', pattern: /^\d{12}$/, example: '123456789012' },
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html (every partition)
  roleArn: {
    what: 'an IAM role ARN (arn:<partition>:iam::<12-digit account id>:role/<name>)',
    pattern: /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    example: 'arn:aws:iam::123456789012:role/deploy',
  },
  // Region codes: two letters, words, a number (us-east-1, cn-north-1, us-gov-west-1).
  region: { what: 'an AWS region name', pattern: /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, example: 'us-east-1' },
  // https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (RoleSessionName)
  sessionName: { what: 'a role session name (2-64 letters, digits and +=,.@_-)', pattern: /^[\w+=,.@-]{2,64}$/, example: 'circleci-webapp-42' },
  // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html (repositoryName)
  repository: {
    what: 'an ECR repository name (lower-case letters, digits, and . _ - / between them, 2-256 characters)',
    pattern: /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
    example: 'team/api',
  },
  // https://docs.docker.com/reference/cli/docker/image/tag/
  tag: { what: 'a docker tag (letters, digits, _ . -, not starting with . or -, at most 128)', pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, example: 'v1.2.3' },
  digest: { what: 'an image digest (sha256: and 64 hex digits)', pattern: /^sha256:[0-9a-f]{64}$/, example: `sha256:${'0'.repeat(64)}` },
};

/** Whether `value` is of the kind. */
export function isKind(kind: KindName, value: string): boolean {
  return KINDS[kind].pattern.test(value);
}

/**
 * A list of words: items separated by commas, spaces or line breaks, in any mix (`a,b`, `a b`, one per
 * line); empty items dropped. For lists whose items never hold spaces (account ids, tags, keys).
 */
export function wordList(text: string): string[] {
  return text.split(/[\s,]+/).filter((w) => w !== '');
}

/**
 * A list of items that may hold spaces but no commas (session tag keys): separated by commas or line
 * breaks, each trimmed; empty items dropped.
 */
export function commaList(text: string): string[] {
  return text.split(/[\r\n,]+/).map((w) => w.trim()).filter((w) => w !== '');
}

/**
 * A list of lines: one item per line, trimmed; empty lines and lines starting with # dropped. For lists
 * whose items may hold spaces or commas (role-chain hops, KEY=VALUE pairs, session tags).
 */
export function lineList(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}
