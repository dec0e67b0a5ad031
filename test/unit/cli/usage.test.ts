import { withoutUserinfo } from '../../../src/commands/cli/program.ts';
import { describe, expect, it } from 'vitest';
import { closest, editDistance, usageProblem } from '../../../src/commands/cli/usage.ts';

describe('editDistance', () => {
  it.each([
    ['region', 'region', 0], ['rgion', 'region', 1], ['regoin', 'region', 2], ['', 'abc', 3], ['kitten', 'sitting', 3],
  ])('%s -> %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closest', () => {
  const flags = ['token-file', 'role-arn', 'region', 'role-session-name', 'profile-name'];
  it.each([
    ['rgion', 'region'], ['role-ar', 'role-arn'], ['token', 'token-file'], ['profilename', 'profile-name'], ['rol-arn', 'role-arn'],
  ])('%s -> %s', (given, near) => {
    expect(closest(given, flags)).toBe(near);
  });
  it('nothing near: no suggestion', () => {
    expect(closest('bucket', flags)).toBeUndefined();
    expect(closest('ro', flags)).toBeUndefined(); // too short for a prefix, too far for a typo
  });
});

describe('usageProblem', () => {
  it('lets through a well-formed line, --help and --version', () => {
    expect(usageProblem(['trust-policy', '--org-id', 'a', '--project-id', 'b', '--account-id', 'c'])).toBeUndefined();
    expect(usageProblem(['trust-policy', '--org-id', 'a', '--project-id', 'b', '--format', 'terraform'])).toBeUndefined();
    expect(usageProblem(['--help'])).toBeUndefined();
    expect(usageProblem(['--version'])).toBeUndefined();
    expect(usageProblem(['doctor', '--token-file', '-', '--policy-file', 'p', '--jwks-url', 'https://x'])).toBeUndefined();
  });
  it('reports the unknown flag before the missing required one', () => {
    expect(usageProblem(['trust-policy', '--project-id', 'b', '--orgid', 'a'])).toMatchObject({ problem: 'unknown flag "--orgid"', fix: expect.stringMatching(/^did you mean --org-id\?/) });
  });
  it('shows a stray argument by its position and length only, never its text (it may be a secret typed without its flag)', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const u = usageProblem(['assume-role', '--token-file', 't', '--role-arn', 'arn:aws:iam::123456789012:role/r', '--print-exports', secret]);
    expect(u?.problem).toBe('unexpected argument at position 7 (40 characters, not shown)');
    expect(JSON.stringify(u)).not.toContain(secret.slice(0, 8));
  });
  it('quotes an argument cut to 40 characters', () => {
    expect(usageProblem([`x${'a'.repeat(60)}`])?.problem).toBe(`unknown command "x${'a'.repeat(39)}..."`);
  });
});

describe('withoutUserinfo', () => {
  it('shows the user:password of every URL in a message as ***, Node\'s messages too', () => {
    expect(withoutUserinfo('Request cannot be constructed from a URL that includes credentials: https://alice:hunter2@keys.example/jwks'))
      .toBe('Request cannot be constructed from a URL that includes credentials: https://***@keys.example/jwks');
    expect(withoutUserinfo('a http://u@h/x and https://h/y@z')).toBe('a http://***@h/x and https://h/y@z');
  });
});
