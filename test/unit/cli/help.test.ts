import { describe, expect, it } from 'vitest';
import { cli } from './helpers.ts';

describe('aws-oidc --help', () => {
  it('lists every command', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const c of ['trust-policy', 'doctor', 'assume-role']) expect(r.stdout).toMatch(new RegExp(`aws-oidc ${c} +\\S`));
  });

  it.each([
    ['trust-policy', ['--org-id', '--project-id', '--branch', '--account-id', '--partition', '--issuer-url', '--format', '--role-name']],
    ['doctor', ['--token-file', '--policy-file']],
    ['assume-role', ['--token-file', '--role-arn', '--role-session-name', '--session-duration', '--region', '--profile-name', '--print-exports', '--role-chain', '--allowed-account-ids', '--sts-endpoint']],
  ])('%s --help names its options and shows an example', async (command, options) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`aws-oidc ${command}`);
    for (const o of options) expect(r.stdout).toContain(o);
    expect(r.stdout).toContain('Examples:');
  });

  it('says the token never goes on the command line', async () => {
    expect((await cli(['doctor', '--help'])).stdout).toContain('never the token itself');
  });
});

describe('usage errors: one line, exit 2', () => {
  it.each([
    ['no command', [], 'aws-oidc: no command given; fix: name one of trust-policy, doctor, assume-role'],
    ['an unknown command', ['bogus'], 'aws-oidc: unknown command "bogus"; fix: the commands are trust-policy, doctor, assume-role'],
    ['a misspelled alias', ['asume'], 'aws-oidc: unknown command "asume"; fix: did you mean aws-oidc assume?'],
    ['an unknown flag', ['doctor', '--policy-file', 'p', '--tokn-file', 'x'], 'aws-oidc doctor: unknown flag "--tokn-file"; fix: did you mean --token-file?'],
    ['a flag of another command', ['doctor', '--token-file', 't', '--policy-file', 'p', '--region', 'x'], 'aws-oidc doctor: unknown flag "--region"; fix: the flags of doctor are --token-file'],
    ['a short flag', ['doctor', '-t', 'x'], 'aws-oidc doctor: unknown flag "-t"'],
    ['--no- on a string flag', ['doctor', '--no-token-file'], 'aws-oidc doctor: unknown flag "--no-token-file"'],
    ['a stray argument', ['doctor', 'token', '--policy-file', 'p'], 'aws-oidc doctor: unexpected argument at position 2 (5 characters, not shown); fix: give values after their flag'],
    ['a flag without its value', ['doctor', '--policy-file'], 'aws-oidc doctor: --policy-file needs a value; fix: pass --policy-file <value>'],
    ['a flag followed by another', ['doctor', '--token-file', '--policy-file', 'p'], 'aws-oidc doctor: --token-file needs a value'],
    ['a flag given twice', ['assume-role', '--token-file', 't', '--role-arn', 'a', '--region', 'x', '--region=y'], 'aws-oidc assume-role: --region is given twice; fix: pass --region once'],
    ['a required flag missing', ['assume-role', '--token-file', 't'], 'aws-oidc assume-role: --role-arn is required; fix: pass --role-arn arn:aws:iam::<account>:role/<name>'],
    ['a required flag empty', ['assume-role', '--token-file', ' ', '--role-arn', 'a'], 'aws-oidc assume-role: --token-file is required; fix: pass --token-file <file holding the token>'],
  ])('%s', async (_what, args, start) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.endsWith('\n') && r.stderr.split('\n').length === 2, r.stderr).toBe(true);
    expect(r.stderr.startsWith(start), r.stderr).toBe(true);
  });

  it('a flag and its value are accepted in either form, booleans with or without a value', async () => {
    for (const args of [['--print-exports'], ['--print-exports', 'true'], ['--print-exports=false'], ['--no-print-exports']]) {
      const r = await cli(['assume-role', '--token-file=-', '--role-arn', 'bad', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1); // past the usage checks, refused by the command itself
      expect(r.stderr).not.toMatch(/unknown flag|unexpected argument|needs a value/);
    }
  });

  it('--help wins over a mistake on the same line', async () => {
    const r = await cli(['doctor', '--rgion', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('aws-oidc doctor');
  });

  it('--version prints the version the program is given', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('0.0.0-test\n');
  });

  it.each([
    ['as a positional', ['doctor', '--policy-file', 'p', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln']],
    ['as a flag value', ['assume-role', '--role-arn', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln']],
    ['after =', ['doctor', '--token-file=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln']],
  ])('a token %s is refused and never printed back', async (_how, args) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('an argument looks like an OIDC token (not shown)');
    expect(r.stderr).toContain('--token-file <path>');
    expect(r.stderr + r.stdout).not.toContain('eyJhbGciOiJSUzI1NiJ9');
  });

});
