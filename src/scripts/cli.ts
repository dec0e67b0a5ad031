// The local CLI `aws-oidc`: helpers run on a workstation, not in a job. Thin: parse flags, call the pure code, print.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { OrbError } from '../lib/errors.ts';
import { FORMATS, PARTITIONS, parseTrustPolicyFlags, type RawFlags } from '../commands/trust-policy/params.ts';
import { trustPolicy } from '../commands/trust-policy/generate.ts';
import { render } from '../commands/trust-policy/render.ts';

const TRUST_POLICY_FLAGS = ['org-id', 'project-id', 'branch', 'account-id', 'partition', 'issuer-url', 'format', 'role-name'] as const;

/** Prints a failure as message + fix, and sets the exit code. */
function fail(command: string, err: unknown): void {
  if (err instanceof OrbError) {
    process.stderr.write(`aws-oidc ${command}: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  fix: ${err.hint}\n`);
  } else {
    process.stderr.write(`aws-oidc ${command}: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exitCode = 1;
}

void yargs(hideBin(process.argv))
  .scriptName('aws-oidc')
  .usage('$0 <command> [options]')
  .command('trust-policy', 'Print the IAM OIDC provider and a least-privilege role trust policy for a CircleCI project', (y) => y
    .option('org-id', { type: 'string', describe: 'CircleCI organization id (UUID); also the token audience' })
    .option('project-id', { type: 'string', describe: 'CircleCI project id (UUID)' })
    .option('branch', { type: 'string', describe: 'Admit only jobs on this branch (V2 token sub); a full refs/... ref is taken as is' })
    .option('account-id', { type: 'string', describe: 'AWS account id (12 digits); required with --format json' })
    .option('partition', { type: 'string', describe: `AWS partition: ${PARTITIONS.join(', ')}`, default: 'aws' })
    .option('issuer-url', { type: 'string', describe: 'OIDC issuer URL (default https://oidc.circleci.com/org/<org-id>)' })
    .option('format', { type: 'string', describe: `Output: ${FORMATS.join(', ')}`, default: 'json' })
    .option('role-name', { type: 'string', describe: 'Role name in the Terraform and CloudFormation output', default: 'circleci-oidc' })
    .example('$0 trust-policy --org-id <uuid> --project-id <uuid> --account-id 123456789012 --branch main', 'JSON for the main branch only'),
  (argv) => {
    try {
      const flags: RawFlags = Object.fromEntries(TRUST_POLICY_FLAGS.map((f) => [f, argv[f] === undefined ? undefined : String(argv[f])]));
      const params = parseTrustPolicyFlags(flags);
      process.stdout.write(render(params.format, { ...trustPolicy(params), roleName: params.roleName }));
    } catch (err) {
      fail('trust-policy', err);
    }
  })
  .demandCommand(1, 'name a command, e.g. aws-oidc trust-policy --help')
  .strict()
  .help()
  .version(false)
  .parse();
