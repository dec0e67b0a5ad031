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

describe('usage errors', () => {
  it('no command: the help and what to do, exit 1', async () => {
    const r = await cli([]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('name a command, e.g. aws-oidc trust-policy --help');
  });

  it('an unknown command or flag is refused', async () => {
    expect((await cli(['bogus'])).stderr).toContain('Unknown argument: bogus');
    const r = await cli(['doctor', '--policy-file', 'p', '--token', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Unknown arguments?: token/);
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

  it('a required flag missing is named', async () => {
    const r = await cli(['assume-role', '--token-file', 't']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Missing required argument: role-arn');
  });

  it('a flag without its value is refused', async () => {
    const r = await cli(['doctor', '--policy-file']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Not enough arguments following: policy-file/);
  });
});
