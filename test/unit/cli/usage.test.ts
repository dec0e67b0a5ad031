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
  it('quotes an argument cut to 40 characters', () => {
    expect(usageProblem([`x${'a'.repeat(60)}`])?.problem).toBe(`unknown command "x${'a'.repeat(39)}..."`);
  });
});
