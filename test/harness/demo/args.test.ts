// The demo's command line: each option read, relative paths taken from where npm ran, and each bad argument refused
// in one line that names the argument and the fix (never quoting what may be a secret).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DemoUsageError, parseDemoArgs } from './args.ts';

const base = mkdtempSync(join(tmpdir(), 'demo-args-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
writeFileSync(join(base, 'config.yml'), 'version: 2.1\n');
writeFileSync(join(base, 'roles.yml'), 'roles: []\n');
mkdirSync(join(base, 'project'));

/** The one-line message parseDemoArgs refuses `argv` with. */
function refusal(argv: string[]): string {
  try {
    parseDemoArgs(argv, base);
  } catch (e) {
    expect(e).toBeInstanceOf(DemoUsageError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error(`parseDemoArgs accepted ${JSON.stringify(argv)}`);
}

describe('npm run demo arguments', () => {
  it('reads every option, in either --flag value or --flag=value form, with paths relative to where npm ran', () => {
    const req = parseDemoArgs(['config.yml', '--job', 'deploy', '--env', 'A=1', '--env=B=x=y', '--roles', 'roles.yml', '--branch=feature/login', '--project', 'project'], base);
    expect(req).toEqual({
      configPath: join(base, 'config.yml'), job: 'deploy', env: { A: '1', B: 'x=y' }, rolesPath: join(base, 'roles.yml'),
      branch: 'feature/login', projectDir: join(base, 'project'), repositories: [], help: false,
    });
    expect(parseDemoArgs([], base)).toEqual({ env: {}, branch: 'main', repositories: [], help: false });
    expect(parseDemoArgs(['--help'], base).help).toBe(true);
  });

  it('refuses a config or roles file that is not there, and a --project that is not a directory, naming the path and where relative paths start', () => {
    expect(refusal(['missing.yml'])).toBe(`config "missing.yml": ${join(base, 'missing.yml')} does not exist; give the path of a file (relative paths are from ${base}, where you ran npm)`);
    expect(refusal(['project'])).toContain(`config "project": ${join(base, 'project')} is not a file`);
    expect(refusal(['--roles', 'nope.yml'])).toMatch(/^--roles "nope.yml": .* does not exist; give the path of a file/);
    expect(refusal(['--project', 'config.yml'])).toMatch(/^--project "config.yml": .* is not a directory; give the path of a directory/);
    expect(refusal(['config.yml', 'config.yml'])).toMatch(/^one config at a time/);
  });

  it('refuses --env without KEY=VALUE, naming the key but never the value', () => {
    expect(refusal(['--env', 'DEPLOY_ROLE_ARN'])).toBe('--env DEPLOY_ROLE_ARN has no value: write --env KEY=VALUE, e.g. --env DEPLOY_ROLE_ARN=arn:aws:iam::111111111111:role/deploy');
    const pasted = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const m = refusal(['--env', 'A=1', '--env', pasted]);
    expect(m).toMatch(/^--env argument 2 \(not shown: it may be a secret\) is not KEY=VALUE: write --env KEY=VALUE/);
    expect(m).not.toContain(pasted.slice(0, 8));
    const badKey = refusal(['--env', '9LIVES=topsecretvalue']);
    expect(badKey).toMatch(/^--env argument 1 has the key "9LIVES", which is not a variable name/);
    expect(badKey).not.toContain('topsecret');
  });

  it('shows a stray argument by its position and length only, never its text', () => {
    const secret = 'hunter2-super-secret';
    const second = refusal(['config.yml', `MY_SECRET=${secret}`]);
    expect(second).toBe(`one config at a time: argument 2 (30 characters, not shown: it may be a secret) comes after ${join(base, 'config.yml')}; run the demo once per config, and quote an --env value with spaces (--env "KEY=several words")`);
    const words = refusal(['config.yml', '--env', 'PASSWORD=correct', 'horse', 'battery']);
    expect(words).toMatch(/^one config at a time: argument 4 \(5 characters, not shown: it may be a secret\)/);
    expect(words).not.toContain('horse');
    expect(refusal([`MY_SECRET=${secret}`])).toBe('argument 1 (30 characters, not shown: it may be a secret) looks like KEY=VALUE: pass project variables as --env KEY=VALUE, and the config first');
    const pasted = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const first = refusal([pasted]);
    expect(first).toMatch(/^argument 1 \(40 characters, not shown: it may be a secret\) is not a config file that exists: give the path of a \.yml file/);
    expect(first).not.toContain(pasted.slice(0, 8));
    const dashed = refusal(['config.yml', `-${pasted}`]);
    expect(dashed).toMatch(/^unknown option \(argument 2, 41 characters, not shown\)/);
    expect(dashed).not.toContain(pasted.slice(0, 8));
    for (const m of [second, words, first, dashed]) expect(m).not.toContain(secret.slice(0, 7));
  });

  it('refuses an unknown option with a did-you-mean, an option without its value, and a branch git would not take', () => {
    expect(refusal(['--jbo', 'deploy'])).toMatch(/^unknown option --jbo; did you mean --job\? \(npm run demo -- \[config.yml\]/);
    expect(refusal(['--verbose'])).toMatch(/^unknown option --verbose \(npm run demo --/);
    expect(refusal(['--job'])).toBe('--job needs a value: --job NAME');
    expect(refusal(['--env', '--job', 'x'])).toBe('--env needs a value: --env KEY=VALUE');
    expect(refusal(['--branch', 'a..b'])).toBe('--branch "a..b" is not a branch name git would take (it contains "..", "@{" or "//"): e.g. --branch main or --branch feature/login');
    expect(refusal(['--branch=-x'])).toBe('--branch "-x" is not a branch name git would take (it starts with "-"): e.g. --branch main or --branch feature/login');
  });
});
