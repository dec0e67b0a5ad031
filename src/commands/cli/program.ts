// The `aws-oidc` CLI as a function of its arguments and its surroundings, so tests run it in-process.
// Thin: parse flags, call the command code, print. Secrets go nowhere but stdout, and only when asked.
import yargs, { type Argv } from 'yargs';
import { OrbError } from '../../lib/errors.ts';
import { failureLines } from '../../lib/report.ts';
import { Log } from '../../lib/log.ts';
import type { Env } from '../../lib/params.ts';
import type { StsPort } from '../../lib/aws/sts.ts';
import { FORMATS, PARTITIONS, parseTrustPolicyFlags, type RawFlags } from '../trust-policy/params.ts';
import { trustPolicy } from '../trust-policy/generate.ts';
import { render } from '../trust-policy/render.ts';
import { parsePolicy } from '../doctor/policy.ts';
import { doctor, renderReport } from '../doctor/check.ts';
import { readToken, type TokenInput } from '../assume-from-file/token-file.ts';
import { ASSUME_FLAGS, DEFAULT_CLI_SESSION_NAME, assumeFromToken, parseAssumeFlags } from '../assume-from-file/run.ts';
import type { AssumeRoleParams } from '../assume-role-with-oidc/params.ts';

/** Everything the CLI touches outside itself. */
export interface CliIo extends TokenInput {
  env: Env;
  stdout(text: string): void;
  stderr(text: string): void;
  now(): number;
  /** The STS client for the validated flags (endpoint, proxy and retries as the orb's step has them). */
  sts(p: AssumeRoleParams, log: Log): StsPort;
}

const TRUST_POLICY_FLAGS = ['org-id', 'project-id', 'branch', 'account-id', 'partition', 'issuer-url', 'format', 'role-name'] as const;

/** The flag values by name, as strings (yargs may give numbers). */
function pick(argv: Record<string, unknown>, names: readonly string[]): RawFlags {
  return Object.fromEntries(names.map((f) => [f, argv[f] === undefined ? undefined : String(argv[f])]));
}

/** The --token-file option of doctor and assume-role. */
const TOKEN_FILE_OPTION = { type: 'string', describe: 'File holding the OIDC token (- reads stdin); never the token itself', requiresArg: true } as const;

/** trust-policy's flags and example. */
const trustPolicyOptions = (y: Argv) => y
  .option('org-id', { type: 'string', describe: 'CircleCI organization id (UUID); also the token audience' })
  .option('project-id', { type: 'string', describe: 'CircleCI project id (UUID)' })
  .option('branch', { type: 'string', describe: 'Admit only jobs on this branch (V2 token sub); a full refs/... ref is taken as is' })
  .option('account-id', { type: 'string', describe: 'AWS account id (12 digits); required with --format json' })
  .option('partition', { type: 'string', describe: `AWS partition: ${PARTITIONS.join(', ')}`, default: 'aws' })
  .option('issuer-url', { type: 'string', describe: 'OIDC issuer URL (default https://oidc.circleci.com/org/<org-id>)' })
  .option('format', { type: 'string', describe: `Output: ${FORMATS.join(', ')}`, default: 'json' })
  .option('role-name', { type: 'string', describe: 'Role name in the Terraform and CloudFormation output', default: 'circleci-oidc' })
  .example('$0 trust-policy --org-id <uuid> --project-id <uuid> --account-id 123456789012 --branch main', 'JSON for the main branch only');

/** doctor's flags and examples. */
const doctorOptions = (y: Argv) => y
  .option('token-file', TOKEN_FILE_OPTION)
  .option('policy-file', { type: 'string', describe: 'Trust policy JSON: `aws-oidc trust-policy` output, a policy document, or `aws iam get-role` output', requiresArg: true, demandOption: true })
  .example('$0 doctor --token-file token --policy-file policy.json', 'Exit 0 when the policy admits the token, 1 when it refuses it')
  .example('aws iam get-role --role-name deploy > role.json; printenv CIRCLE_OIDC_TOKEN_V2 | $0 doctor --token-file - --policy-file role.json', 'Check a live role');

/** assume-role's flags and examples. */
const assumeOptions = (y: Argv) => y
  .option('token-file', TOKEN_FILE_OPTION)
  .option('role-arn', { type: 'string', describe: 'ARN of the role to assume', requiresArg: true, demandOption: true })
  .option('role-session-name', { type: 'string', describe: `Session name (default ${DEFAULT_CLI_SESSION_NAME})`, requiresArg: true })
  .option('session-duration', { type: 'string', describe: 'Session length in seconds, 900 to 43200 (default 3600)', requiresArg: true })
  .option('region', { type: 'string', describe: 'AWS region (default AWS_REGION, then AWS_DEFAULT_REGION)', requiresArg: true })
  .option('profile-name', { type: 'string', describe: 'Write the credentials to this profile of the AWS credentials and config files (0600)', requiresArg: true })
  .option('print-exports', { type: 'boolean', describe: 'Print export lines with the credentials to stdout (secrets: for eval only)', default: false })
  .option('role-chain', { type: 'string', describe: 'Roles to assume next, one a line: <role ARN> [external-id=<id>] [session-name=<name>]', requiresArg: true })
  .option('allowed-account-ids', { type: 'string', describe: 'Refuse credentials of any other account (comma-separated)', requiresArg: true })
  .option('sts-endpoint', { type: 'string', describe: 'Custom STS endpoint URL (default AWS_ENDPOINT_URL_STS, then the region\'s)', requiresArg: true })
  .example('$0 assume-role --token-file token --role-arn arn:aws:iam::123456789012:role/deploy --region eu-west-1 --profile-name deploy', 'Write profile deploy')
  .example('eval "$($0 assume-role --token-file token --role-arn <arn> --region eu-west-1 --print-exports)"', 'Credentials in this shell');

/** The text of doctor's --policy-file; an unreadable file is an OrbError naming it. */
function readPolicyFile(path: string, io: CliIo): string {
  try {
    return io.readFile(path);
  } catch (err) {
    throw new OrbError(`--policy-file ${path}: cannot read it (${(err as Error).message})`, 'check the path', { cause: err });
  }
}

/** The yargs program; `result.code` is the exit code the handlers set. */
function program(args: string[], io: CliIo, result: { code: number }): Argv {
  const fail = (command: string, err: unknown, log?: Log): void => {
    for (const line of failureLines(`aws-oidc ${command}`, err, io.env.ORB_DEBUG === '1')) io.stderr(`${log ? log.redact(line) : line}\n`);
    result.code = 1;
  };

  return yargs(args)
    .scriptName('aws-oidc')
    .usage('$0 <command> [options]\n\nAWS credentials from CircleCI OIDC tokens: set-up, checks and local use.')
    .command('trust-policy', 'Print the IAM OIDC provider and a least-privilege role trust policy for a CircleCI project', trustPolicyOptions,
    (argv) => {
      try {
        const params = parseTrustPolicyFlags(pick(argv, TRUST_POLICY_FLAGS));
        io.stdout(render(params.format, { ...trustPolicy(params), roleName: params.roleName }));
      } catch (err) {
        fail('trust-policy', err);
      }
    })
    .command('doctor', 'Check an OIDC token against a role trust policy and explain every condition that refuses it', doctorOptions,
    async (argv) => {
      try {
        const { claims } = await readToken(argv['token-file'], io);
        const path = argv['policy-file'];
        const report = doctor(claims, parsePolicy(readPolicyFile(path, io), path), io.now());
        io.stdout(renderReport(report));
        if (!report.admitted) result.code = 1;
      } catch (err) {
        fail('doctor', err);
      }
    })
    .command(['assume-role', 'assume'], 'Assume an IAM role with an OIDC token from a file (for CI systems other than CircleCI jobs)', assumeOptions,
    async (argv) => {
      const log = new Log((text) => io.stderr(text));
      try {
        const { token } = await readToken(argv['token-file'], io);
        log.secret(token);
        const p = parseAssumeFlags(pick(argv, ASSUME_FLAGS), argv['print-exports'], io.env);
        await assumeFromToken(p, token, { sts: io.sts(p, log), log, env: io.env, stdout: io.stdout });
      } catch (err) {
        fail('assume-role', err, log);
      }
    })
    .demandCommand(1, 'name a command, e.g. aws-oidc trust-policy --help')
    .recommendCommands()
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(120, process.stdout.columns || 100))
    .exitProcess(false);
}

/** A JWT (or the start of one): base64url JSON beginning with {" is eyJ. */
const looksLikeToken = (arg: string): boolean => /(^|=)eyJ[\w-]{8,}/.test(arg);

/** Runs the CLI on `args` (without node and the script); returns the exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  if (args.some(looksLikeToken)) {
    // A token on the command line is already in the shell history and `ps`; at least never print it back.
    io.stderr('aws-oidc: an argument looks like an OIDC token (not shown); the CLI never takes the token on the command line\n' +
      '  fix: write it to a file (mode 0600) and pass --token-file <path>, or pipe it in with --token-file -\n');
    return 1;
  }
  const result = { code: 0 };
  let output = '';
  let failure: Error | undefined;
  await program(args, io, result).parseAsync(args, {}, (err: Error | undefined, _argv: unknown, out: string) => {
    failure = err ?? undefined;
    output = out;
  });
  if (failure) {
    // Usage errors: the help and the reason on stderr.
    io.stderr(output.endsWith('\n') ? output : `${output}\n`);
    return 1;
  }
  if (output) io.stdout(output.endsWith('\n') ? output : `${output}\n`);
  return result.code;
}
