// The packed CLI (dist/cli.cjs) as a person types it: help that pastes (wrapped between words on a terminal,
// not at all when piped), the version, and one line with the fix (and the closest name) for each mistake.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { COMMANDS } from '../../src/commands/cli/commands.ts';

const CLI = resolve('dist/cli.cjs');
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
});

/** Runs the packed CLI with stdout and stderr piped; never throws on a non-zero exit. */
const cli = (...args: string[]) => execa(process.execPath, [CLI, ...args], { reject: false, env: { AWS_PROFILE: '' } });

/** The help of `command` ('' for the top level) as a terminal `cols` wide shows it: run under script(1), which gives it a pseudo-terminal. */
async function helpOnTerminal(command: string, cols: number): Promise<string> {
  const line = `stty cols ${cols}; exec "${process.execPath}" "${CLI}" ${command} --help`;
  const r = await execa('script', ['-qec', line, '/dev/null'], { reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.replace(/\r/g, '');
}

const words = (text: string) => new Set(text.split(/\s+/).filter((w) => w !== ''));
const hasScript = (await execa('script', ['--version'], { reject: false })).exitCode === 0;

describe('--help', () => {
  it.each(['', ...COMMANDS.map((c) => c.name)])('piped (%s): not wrapped, so every example and description is one whole line', async (command) => {
    const r = await cli(...(command ? [command] : []), '--help');
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const specs = command ? COMMANDS.filter((c) => c.name === command) : COMMANDS;
    for (const spec of specs) {
      const texts = command ? [...spec.examples.flatMap(([line, what]) => [line.replace(/\$0/g, 'aws-oidc'), what]), ...Object.values(spec.flags).map((f) => String(f.describe))]
        : [spec.describe];
      for (const text of texts) expect(lines.some((l) => l.includes(text)), text).toBe(true);
    }
    if (command === '') expect(r.stdout).toContain('set-up, checks and local use.');
    if (command === 'doctor') expect(lines.some((l) => l.includes('printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc doctor --token-file - --policy-file role.json'))).toBe(true);
  });

  it.skipIf(!hasScript).each([80, 100, 120, 200])('on a terminal %i columns wide: lines at most that wide (120 at most), broken between words only', async (cols) => {
    for (const command of ['', ...COMMANDS.map((c) => c.name)]) {
      const tty = await helpOnTerminal(command, cols);
      const piped = words((await cli(...(command ? [command] : []), '--help')).stdout);
      const lines = tty.split('\n');
      expect(Math.max(...lines.map((l) => l.length)), command).toBeLessThanOrEqual(Math.min(cols, 120));
      // Wrapped at all: some description runs over more than one line on a narrow terminal.
      if (cols === 80) expect(lines.length, command).toBeGreaterThan((await cli(...(command ? [command] : []), '--help')).stdout.split('\n').length);
      // Every word on the terminal is a whole word of the unwrapped help: no `us` / `e.`, no `--t` / `oken-file`.
      const split = [...words(tty)].filter((w) => !piped.has(w));
      expect(split, `${command || 'top'} at ${cols} columns`).toEqual([]);
    }
  }, 60_000);
  if (!hasScript) console.log('skipped the terminal-width cases: script(1) from util-linux is not installed, so no pseudo-terminal can be given to the CLI');

  it('marks the required flags [required]', async () => {
    const required = { 'trust-policy': ['--org-id', '--project-id'], doctor: ['--token-file', '--policy-file'], 'assume-role': ['--token-file', '--role-arn'] };
    for (const [command, flags] of Object.entries(required)) {
      const help = (await cli(command, '--help')).stdout;
      for (const flag of flags) expect(help, `${command} ${flag}`).toMatch(new RegExp(`^ +${flag} .*\\[required\\]$`, 'm'));
      expect(help).not.toMatch(/--(branch|region|jwks-file) .*\[required\]/);
    }
    expect((await cli('trust-policy', '--help')).stdout).toMatch(/^ +--account-id .*\[required with --format json, the default\]/m);
  });

  it('-h is --help, -v is --version', async () => {
    for (const [short, long] of [['-h', '--help'], ['-v', '--version']] as const) {
      const [a, b] = [await cli(short), await cli(long)];
      expect(a.exitCode, a.stderr).toBe(0);
      expect(a.stdout).toBe(b.stdout);
    }
    expect((await cli('doctor', '-h')).stdout).toBe((await cli('doctor', '--help')).stdout);
  });
});

describe('--version', () => {
  it('prints the package\'s version', async () => {
    const r = await cli('--version');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  });
});

describe('usage mistakes: one line with the fix, exit 2, no help text', () => {
  const ORG = '5d2a7c1e-8b3f-4e6a-9c0d-7f1e2b3a4c5d';
  it.each([
    ['a misspelled flag', ['assume-role', '--token-file', 't', '--role-arn', 'x', '--rgion', 'eu-west-1'], 'aws-oidc assume-role: unknown flag "--rgion"; fix: did you mean --region?'],
    ['a misspelled flag before a missing required one', ['trust-policy', '--org-di', ORG], 'aws-oidc trust-policy: unknown flag "--org-di"; fix: did you mean --org-id?'],
    ['a flag cut short', ['doctor', '--token', 't', '--policy-file', 'p'], 'aws-oidc doctor: unknown flag "--token"; fix: did you mean --token-file?'],
    ['a misspelled command', ['trust-polcy'], 'aws-oidc: unknown command "trust-polcy"; fix: did you mean aws-oidc trust-policy?'],
    ['a missing required flag', ['trust-policy', '--org-id', ORG, '--account-id', '123456789012'], 'aws-oidc trust-policy: --project-id is required; fix: pass --project-id <uuid>'],
    ['an empty required flag', ['trust-policy', '--org-id', '', '--project-id', ORG, '--account-id', '123456789012'], 'aws-oidc trust-policy: --org-id is required; fix: pass --org-id <uuid>'],
    ['two missing', ['trust-policy', '--format', 'terraform'], 'aws-oidc trust-policy: --org-id and --project-id are required; fix: pass --org-id <uuid>'],
    ['three missing', ['trust-policy'], 'aws-oidc trust-policy: --org-id, --project-id and --account-id (with --format json) are required; fix: pass --org-id <uuid>'],
    ['the token file missing', ['doctor', '--policy-file', 'p.json'], 'aws-oidc doctor: --token-file is required; fix: pass --token-file <file holding the token>, or --token-file -'],
    ['a flag without its value', ['assume-role', '--token-file', 't', '--role-arn'], 'aws-oidc assume-role: --role-arn needs a value; fix: pass --role-arn <value>'],
    ['no command', [], 'aws-oidc: no command given; fix: name one of trust-policy, doctor, assume-role'],
    ['--help after a misspelled command', ['trust-polcy', '--help'], 'aws-oidc: unknown command "trust-polcy"; fix: did you mean aws-oidc trust-policy?'],
    ['no --account-id with --format json (the default)', ['trust-policy', '--org-id', ORG, '--project-id', ORG],
      'aws-oidc trust-policy: --account-id (with --format json) is required; fix: pass --account-id <12 digits>'],
    ['no --account-id with --format json given', ['trust-policy', '--org-id', ORG, '--project-id', ORG, '--format', 'json'], 'aws-oidc trust-policy: --account-id (with --format json) is required'],
  ])('%s', async (_what, args, start) => {
    const r = await cli(...args);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr.startsWith(start), r.stderr).toBe(true);
    expect(r.stderr).not.toMatch(/Options:|Examples:|\(got ""\)|Missing required argument/);
  });
});
