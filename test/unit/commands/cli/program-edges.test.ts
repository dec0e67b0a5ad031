// The CLI program around the commands: -h and -v, the help's title and width, the token guard, the failures of
// doctor's file flags (with ORB_DEBUG=1 the stack too), userinfo in URLs, and yargs' own refusals on one line.
import { describe, expect, it } from 'vitest';
import { runCli, withoutUserinfo, type CliIo } from '../../../../src/commands/cli/program.ts';
import { trustPolicy } from '../../../../src/commands/trust-policy/generate.ts';
import { ISS, ORG, PROJECT, claims, cli, fakeToken } from '../../cli/helpers.ts';

const HELP_TITLE = 'aws-oidc <command> [options]\n\nAWS credentials from CircleCI OIDC tokens: set-up, checks and local use.\n';
const generated = trustPolicy({ orgId: ORG, projectId: PROJECT, partition: 'aws', issuerUrl: ISS, accountId: '123456789012', ref: 'refs/heads/main' });
/** A token the policy admits and that policy, as doctor reads them. */
const FILES = { token: fakeToken(claims()), 'p.json': JSON.stringify({ provider: generated.provider, trustPolicy: generated.policy }) };
const DOCTOR = ['doctor', '--token-file', 'token', '--policy-file', 'p.json'];

/** Runs the CLI with only stdout and stderr, on a terminal `columns` wide (undefined: piped) and this --version. */
async function bare(args: string[], columns: number | undefined, version = '0.0.0-test'): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env: {}, columns, version, now: () => 0,
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    readFile: () => { throw new Error('this test reads no file'); },
    readStdin: () => Promise.reject(new Error('this test reads no stdin')),
    sts: () => { throw new Error('this test gives no STS'); },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

describe('-h, -v and the help', () => {
  it('-h prints the help under its title, -v the version, each ending in one newline', async () => {
    const h = await cli(['-h']);
    expect(h).toMatchObject({ code: 0, stderr: '' });
    expect(h.stdout.startsWith(HELP_TITLE)).toBe(true);
    expect(h.stdout.endsWith('\n') && !h.stdout.endsWith('\n\n')).toBe(true);
    expect(await cli(['-v'])).toMatchObject({ code: 0, stdout: '0.0.0-test\n', stderr: '' });
  });

  it('a version that already ends in a newline gets no second one', async () => {
    expect(await bare(['--version'], undefined, '1.2.3\n')).toEqual({ code: 0, stdout: '1.2.3\n', stderr: '' });
  });

  it('wraps the help at the terminal width, at most 120 columns; piped, not at all', async () => {
    const narrow = await bare(['assume-role', '--help'], 80);
    expect(widest(narrow.stdout)).toBeLessThanOrEqual(80);
    expect(widest(narrow.stdout)).toBeGreaterThan(60);
    const wide = await bare(['assume-role', '--help'], 300);
    expect(widest(wide.stdout)).toBeLessThanOrEqual(120);
    expect(widest(wide.stdout)).toBeGreaterThan(100);
    expect(widest((await bare(['assume-role', '--help'], undefined)).stdout)).toBeGreaterThan(120);
  });
});

describe('the token guard', () => {
  it('refuses eyJ and 8 more characters as a token, a shorter eyJ word is a word', async () => {
    expect((await cli(['eyJabcdefgh'])).stderr).toContain('an argument looks like an OIDC token (not shown)');
    expect(await cli(['eyJabcdefg'])).toMatchObject({ code: 2, stderr: 'aws-oidc: unknown command "eyJabcdefg"; fix: the commands are trust-policy, doctor, assume-role\n' });
  });
});

describe('doctor\'s file flags', () => {
  it('an unreadable --policy-file is named with the reason and the fix', async () => {
    const r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'gone.json'], { files: FILES });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('aws-oidc doctor: --policy-file gone.json: cannot read it (ENOENT: no such file or directory, open \'gone.json\')\n  fix: check the path\n');
  });

  it('an unreadable --jwks-file is named with the reason and the fix', async () => {
    const r = await cli([...DOCTOR, '--jwks-file', 'keys.json'], { files: FILES });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('aws-oidc doctor: --jwks-file keys.json: cannot read it (ENOENT: no such file or directory, open \'keys.json\')\n  fix: check the path\n');
  });

  it('--jwks-file and --jwks-url together are refused with the choice to make', async () => {
    const r = await cli([...DOCTOR, '--jwks-file', 'keys.json', '--jwks-url', 'http://127.0.0.1:9/jwks'], { files: FILES });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('aws-oidc doctor: --jwks-file and --jwks-url both given\n  fix: give one of them: the keys saved in a file, or the URL to fetch them from\n');
  });

  it('a blank --jwks-file counts as not given: the claims are checked, the signature is not', async () => {
    const r = await cli([...DOCTOR, '--jwks-file', ' '], { files: FILES });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('signature: not checked (give --jwks-file or --jwks-url)');
  });

  it('with ORB_DEBUG=1 a failure adds its stack; without, it is two lines', async () => {
    const args = ['doctor', '--token-file', 'token', '--policy-file', 'gone.json'];
    expect((await cli(args, { files: FILES })).stderr.split('\n')).toHaveLength(3);
    const debug = (await cli(args, { files: FILES, env: { ORB_DEBUG: '1' } })).stderr;
    expect(debug.split('\n').length).toBeGreaterThan(3);
    expect(debug).toMatch(/\n {4}at /);
  });
});

describe('withoutUserinfo', () => {
  it('hides the userinfo of a URL whose scheme has a digit (s3://)', () => {
    expect(withoutUserinfo('cannot fetch s3://AKIDEXAMPLE:secret@bucket/keys.json')).toBe('cannot fetch s3://***@bucket/keys.json');
  });
});

describe('a refusal only yargs makes', () => {
  it('is one line on stderr, exit 2, naming what is missing and the fix', async () => {
    // --version=false passes the usage checks as --version, so yargs finds the required flags missing.
    const r = await cli(['doctor', '--version=false']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^aws-oidc[^\n]*token-file[^\n]*policy-file[^\n]*; fix: [^\n]+\n$/);
  });
});
