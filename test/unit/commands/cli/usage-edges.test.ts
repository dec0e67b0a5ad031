// The usage checks at their edges, as a user meets them: the exact line on stderr (exit 2) for each mistake,
// and the lines that must pass untouched to the command.
import { describe, expect, it } from 'vitest';
import { usageProblem } from '../../../../src/commands/cli/usage.ts';
import { cli } from '../../cli/helpers.ts';

const COMMANDS = 'trust-policy, doctor, assume-role';
const DOCTOR_FLAGS = '--token-file, --policy-file, --jwks-file, --jwks-url';
const ASSUME_FLAGS = '--token-file, --role-arn, --role-session-name, --session-duration, --region, --profile-name, --print-exports, --role-chain, --allowed-account-ids, --sts-endpoint';
const ASSUME = ['assume-role', '--token-file', 't', '--role-arn', 'a'];
const TOKEN_FIX = 'pass --token-file <file holding the token>, or --token-file - and pipe it in: printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc ... --token-file -';
const ACCOUNT_FIX = 'pass --account-id <12 digits> (aws sts get-caller-identity shows it), or use --format terraform or cloudformation, which need none';
const stray = (who: string, position: number, length: number, flags: string) =>
  `${who}: unexpected argument at position ${position} (${length} characters, not shown); fix: give values after their flag (--name value); the flags are ${flags}`;

/** The one line the CLI prints for `args`, after checking it exits 2 with nothing on stdout. */
async function usageLine(args: string[]): Promise<string> {
  const r = await cli(args);
  expect(r.stdout).toBe('');
  expect(r.code, r.stderr).toBe(2);
  return r.stderr;
}

describe('the command word', () => {
  it.each([
    ['two letters are too short to complete a name', ['tr'], `aws-oidc: unknown command "tr"; fix: the commands are ${COMMANDS}`],
    ['two typos in a short name still get a suggestion', ['doktr'], `aws-oidc: unknown command "doktr"; fix: did you mean aws-oidc doctor? the commands are ${COMMANDS}`],
    ['a third of a long name may differ', ['trst-plcy'], `aws-oidc: unknown command "trst-plcy"; fix: did you mean aws-oidc trust-policy? the commands are ${COMMANDS}`],
    ['three letters complete a name', ['doc'], `aws-oidc: unknown command "doc"; fix: did you mean aws-oidc doctor? the commands are ${COMMANDS}`],
    ['a word of exactly 40 characters is quoted whole', ['x'.repeat(40)], `aws-oidc: unknown command "${'x'.repeat(40)}"; fix: the commands are ${COMMANDS}`],
    ['a short word starting like a token is only a word', ['eyJx'], `aws-oidc: unknown command "eyJx"; fix: the commands are ${COMMANDS}`],
  ])('%s', async (_what, args, line) => {
    expect(await usageLine(args)).toBe(`${line}\n`);
  });
});

describe('a flag before the command', () => {
  it.each([
    ['an unknown one', ['--verbose'], 'aws-oidc: unknown flag "--verbose"; fix: name a command first, one of'],
    ['a near --help', ['--he'], 'aws-oidc: unknown flag "--he"; fix: did you mean --help? name a command first, one of'],
    ['a near --help with one dash', ['-he'], 'aws-oidc: unknown flag "-he"; fix: did you mean --help? name a command first, one of'],
    ['--help with more after it', ['--helpme'], 'aws-oidc: unknown flag "--helpme"; fix: did you mean --help? name a command first, one of'],
    ['--help with more before it', ['-x--help'], 'aws-oidc: unknown flag "-x--help"; fix: name a command first, one of'],
    ['an unknown one after --version', ['--version', '--verbose'], 'aws-oidc: unknown flag "--verbose"; fix: name a command first, one of'],
  ])('%s', async (_what, args, line) => {
    expect(await usageLine(args)).toBe(`${line} ${COMMANDS}\n`);
  });

  it('--version before a command word prints the version', async () => {
    expect(await cli(['--version', 'doctor'])).toMatchObject({ code: 0, stdout: '0.0.0-test\n', stderr: '' });
  });
});

describe('the flags of a command', () => {
  it.each([
    ['an unknown one lists them all', ['doctor', '--bogus'], `aws-oidc doctor: unknown flag "--bogus"; fix: the flags of doctor are ${DOCTOR_FLAGS}`],
    ['a lone - is a stray argument', ['doctor', '-'], stray('aws-oidc doctor', 2, 1, DOCTOR_FLAGS)],
    ['a lone -- is a stray argument', ['doctor', '--'], stray('aws-oidc doctor', 2, 2, DOCTOR_FLAGS)],
    ['one dash before a flag name', ['doctor', '-token-file', 't', '--policy-file', 'p'], `aws-oidc doctor: unknown flag "-token-file"; fix: did you mean --token-file? the flags of doctor are ${DOCTOR_FLAGS}`],
    ['one dash before the start of a flag name', ['assume-role', '-sts'], `aws-oidc assume-role: unknown flag "-sts"; fix: did you mean --sts-endpoint? the flags of assume-role are ${ASSUME_FLAGS}`],
    ['no- inside a boolean flag name', [...ASSUME, '--print-no-exports'], `aws-oidc assume-role: unknown flag "--print-no-exports"; fix: did you mean --print-exports? the flags of assume-role are ${ASSUME_FLAGS}`],
    ['a missing value names the flag and what it takes', ['doctor', '--policy-file'], 'aws-oidc doctor: --policy-file needs a value; fix: pass --policy-file <value> (Trust policy JSON: `aws-oidc trust-policy` output, a policy document, or `aws iam get-role` output)'],
    ['a word after a boolean given with =', [...ASSUME, '--print-exports=true', 'false'], stray('aws-oidc assume-role', 7, 5, ASSUME_FLAGS)],
    ['a word after a string flag given with =', [...ASSUME, '--region=eu-west-1', 'true'], stray('aws-oidc assume-role', 7, 4, ASSUME_FLAGS)],
    ['a word ending in true after a boolean', [...ASSUME, '--print-exports', 'xtrue'], stray('aws-oidc assume-role', 7, 5, ASSUME_FLAGS)],
    ['a word starting with true after a boolean', [...ASSUME, '--print-exports', 'truex'], stray('aws-oidc assume-role', 7, 5, ASSUME_FLAGS)],
  ])('%s', async (_what, args, line) => {
    expect(await usageLine(args)).toBe(`${line}\n`);
  });

  it('passes a boolean flag given twice, and true or false after it, on to the command', () => {
    expect(usageProblem([...ASSUME, '--print-exports', '--print-exports'])).toBeUndefined();
    expect(usageProblem([...ASSUME, '--print-exports', 'false', '--region', 'eu-west-1'])).toBeUndefined();
    expect(usageProblem([...ASSUME, '--region=a=b'])).toBeUndefined();
  });
});

describe('required flags', () => {
  it.each([
    ['one', ['assume-role', '--token-file', 't'], 'aws-oidc assume-role: --role-arn is required; fix: pass --role-arn arn:aws:iam::<account>:role/<name>, the role whose trust policy admits the token'],
    ['two', ['doctor'], `aws-oidc doctor: --token-file and --policy-file are required; fix: ${TOKEN_FIX}; pass --policy-file <file>: the output of aws-oidc trust-policy, a policy document, or aws iam get-role --role-name <name> > role.json`],
    ['three, one of them by the default --format', ['trust-policy'], `aws-oidc trust-policy: --org-id, --project-id and --account-id (with --format json) are required; fix: pass --org-id <uuid>, from CircleCI's Organization Settings > Overview; pass --project-id <uuid>, from CircleCI's Project Settings > Overview; ${ACCOUNT_FIX}`],
    ['--account-id with --format=json', ['trust-policy', '--org-id', 'a', '--project-id', 'b', '--format=json'], `aws-oidc trust-policy: --account-id (with --format json) is required; fix: ${ACCOUNT_FIX}`],
  ])('%s missing', async (_what, args, line) => {
    expect(await usageLine(args)).toBe(`${line}\n`);
  });

  it('--version needs none of them', async () => {
    expect(await cli(['doctor', '--version'])).toMatchObject({ code: 0, stdout: '0.0.0-test\n', stderr: '' });
  });
});

describe('--help on the same line', () => {
  it('a command that does not exist is named, not helped with', async () => {
    expect(await usageLine(['bogus', '--help'])).toBe(`aws-oidc: unknown command "bogus"; fix: the commands are ${COMMANDS}\n`);
  });

  it('an unknown flag before it still gets the help', async () => {
    const r = await cli(['--bogus', '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith('aws-oidc <command> [options]\n')).toBe(true);
  });
});
