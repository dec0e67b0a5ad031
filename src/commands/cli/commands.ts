// The CLI's commands as data: name, aliases, description, flags and examples. yargs is given them (program.ts),
// and the usage checks (usage.ts) read the same tables, so a flag is named in one place only.
import type { Options } from 'yargs';
import { FORMATS, PARTITIONS } from '../trust-policy/params.ts';
import { DEFAULT_CLI_SESSION_NAME } from '../assume-from-file/run.ts';

/**
 * One flag: yargs' options, and for a required flag the `fix` a user is told when it is missing; `requiredWith`:
 * required only when another flag has this value (or defaults to it).
 */
export type FlagSpec = Options & { type: 'string' | 'boolean'; missingFix?: string; requiredWith?: { flag: string; value: string } };

/** One command of the CLI. */
export interface CommandSpec {
  name: string;
  aliases: string[];
  describe: string;
  /** Flag name (kebab-case, without --) -> its spec. */
  flags: Record<string, FlagSpec>;
  /** [command line, what it does]; $0 is the CLI's name. */
  examples: [string, string][];
}

const TOKEN_FILE: FlagSpec = {
  type: 'string', describe: 'File holding the OIDC token (- reads stdin); never the token itself', requiresArg: true, demandOption: true,
  missingFix: 'pass --token-file <file holding the token>, or --token-file - and pipe it in: printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc ... --token-file -',
};

const TRUST_POLICY: CommandSpec = {
  name: 'trust-policy', aliases: [],
  describe: 'Print the IAM OIDC provider and a least-privilege role trust policy for a CircleCI project',
  flags: {
    'org-id': { type: 'string', describe: 'CircleCI organization id (UUID); also the token audience', demandOption: true, requiresArg: true,
      missingFix: 'pass --org-id <uuid>, from CircleCI\'s Organization Settings > Overview' },
    'project-id': { type: 'string', describe: 'CircleCI project id (UUID)', demandOption: true, requiresArg: true,
      missingFix: 'pass --project-id <uuid>, from CircleCI\'s Project Settings > Overview' },
    'branch': { type: 'string', describe: 'Admit only jobs on this branch (V2 token sub); a full refs/... ref is taken as is', requiresArg: true },
    'account-id': { type: 'string', describe: 'AWS account id (12 digits) [required with --format json, the default]', requiresArg: true, requiredWith: { flag: 'format', value: 'json' },
      missingFix: 'pass --account-id <12 digits> (aws sts get-caller-identity shows it), or use --format terraform or cloudformation, which need none' },
    'partition': { type: 'string', describe: `AWS partition: ${PARTITIONS.join(', ')}`, default: 'aws', requiresArg: true },
    'issuer-url': { type: 'string', describe: 'OIDC issuer URL (default https://oidc.circleci.com/org/<org-id>)', requiresArg: true },
    'format': { type: 'string', describe: `Output: ${FORMATS.join(', ')}`, default: 'json', requiresArg: true },
    'role-name': { type: 'string', describe: 'Role name in the Terraform and CloudFormation output', default: 'circleci-oidc', requiresArg: true },
  },
  examples: [['$0 trust-policy --org-id <uuid> --project-id <uuid> --account-id 123456789012 --branch main', 'JSON for the main branch only']],
};

const DOCTOR: CommandSpec = {
  name: 'doctor', aliases: [],
  describe: 'Check an OIDC token against a role trust policy and explain every condition that refuses it; with the issuer\'s keys, its signature too',
  flags: {
    'token-file': TOKEN_FILE,
    'policy-file': { type: 'string', describe: 'Trust policy JSON: `aws-oidc trust-policy` output, a policy document, or `aws iam get-role` output', requiresArg: true, demandOption: true,
      missingFix: 'pass --policy-file <file>: the output of aws-oidc trust-policy, a policy document, or aws iam get-role --role-name <name> > role.json' },
    'jwks-file': { type: 'string', describe: 'The issuer\'s public keys (JWKS JSON) to verify the token\'s signature with; without keys only the claims are checked', requiresArg: true },
    'jwks-url': { type: 'string', describe: 'Fetch the issuer\'s keys from this URL (CircleCI\'s: <issuer>/.well-known/jwks-pub.json)', requiresArg: true },
  },
  examples: [
    ['$0 doctor --token-file token --policy-file policy.json', 'Exit 0 when the policy admits the token, 1 when it refuses it'],
    ['aws iam get-role --role-name deploy > role.json; printenv CIRCLE_OIDC_TOKEN_V2 | $0 doctor --token-file - --policy-file role.json', 'Check a live role'],
    ['$0 doctor --token-file token --policy-file role.json --jwks-file jwks.json', 'Check the signature too, with the issuer\'s keys saved in jwks.json'],
  ],
};

const ASSUME_ROLE: CommandSpec = {
  name: 'assume-role', aliases: ['assume'],
  describe: 'Assume an IAM role with an OIDC token from a file (for CI systems other than CircleCI jobs)',
  flags: {
    'token-file': TOKEN_FILE,
    'role-arn': { type: 'string', describe: 'ARN of the role to assume', requiresArg: true, demandOption: true,
      missingFix: 'pass --role-arn arn:aws:iam::<account>:role/<name>, the role whose trust policy admits the token' },
    'role-session-name': { type: 'string', describe: `Session name (default ${DEFAULT_CLI_SESSION_NAME})`, requiresArg: true },
    'session-duration': { type: 'string', describe: 'Session length in seconds, 900 to 43200 (default 3600)', requiresArg: true },
    'region': { type: 'string', describe: 'AWS region (default AWS_REGION, then AWS_DEFAULT_REGION)', requiresArg: true },
    'profile-name': { type: 'string', describe: 'Write the credentials to this profile of the AWS credentials and config files (0600)', requiresArg: true },
    'print-exports': { type: 'boolean', describe: 'Print export lines with the credentials to stdout (secrets: for eval only)', default: false },
    'role-chain': { type: 'string', describe: 'Roles to assume next, one a line: <role ARN> [external-id=<id>] [session-name=<name>]', requiresArg: true },
    'allowed-account-ids': { type: 'string', describe: 'Refuse credentials of any other account (comma-separated)', requiresArg: true },
    'sts-endpoint': { type: 'string', describe: 'Custom STS endpoint URL (default AWS_ENDPOINT_URL_STS, then the region\'s)', requiresArg: true },
  },
  examples: [
    ['$0 assume-role --token-file token --role-arn arn:aws:iam::123456789012:role/deploy --region eu-west-1 --profile-name deploy', 'Write profile deploy'],
    ['eval "$($0 assume-role --token-file token --role-arn <arn> --region eu-west-1 --print-exports)"', 'Credentials in this shell'],
  ],
};

/** The commands, in the order --help lists them. */
export const COMMANDS: readonly CommandSpec[] = [TRUST_POLICY, DOCTOR, ASSUME_ROLE];

/** The flags every command takes besides its own. */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = { help: { type: 'boolean' }, version: { type: 'boolean' } };
