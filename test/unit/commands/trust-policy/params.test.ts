// Flag parsing: defaults, branch to ref, and refusals that name the flag, the value and the fix.
import { describe, expect, it } from 'vitest';
import { parseTrustPolicyFlags, refNameProblem, type RawFlags } from '../../../../src/commands/trust-policy/params.ts';
import { ParamError } from '../../../../src/lib/errors.ts';

const ORG = 'b9c3e0a2-4f1d-4c4e-9a57-0c3f5e2d1a10';
const PROJ = '5d2a7c1e-8b3f-4e6a-9c0d-7f1e2b3a4c5d';
const OK: RawFlags = { 'org-id': ORG, 'project-id': PROJ, 'account-id': '123456789012' };

describe('parseTrustPolicyFlags', () => {
  it('fills the defaults', () => {
    expect(parseTrustPolicyFlags(OK)).toEqual({
      orgId: ORG, projectId: PROJ, accountId: '123456789012', partition: 'aws',
      issuerUrl: `https://oidc.circleci.com/org/${ORG}`, format: 'json', roleName: 'circleci-oidc',
    });
  });

  it.each([
    ['main', 'refs/heads/main'], ['release/1.2', 'refs/heads/release/1.2'], ['refs/tags/v1', 'refs/tags/v1'], ['refs/heads/main', 'refs/heads/main'],
  ])('--branch %s pins %s', (branch, ref) => {
    expect(parseTrustPolicyFlags({ ...OK, branch }).ref).toBe(ref);
  });

  it('upper-case UUIDs are normalised, as CircleCI writes them in lower case', () => {
    expect(parseTrustPolicyFlags({ ...OK, 'org-id': ORG.toUpperCase() }).orgId).toBe(ORG);
  });

  it('terraform and cloudformation need no account: they refer to the provider they create', () => {
    expect(parseTrustPolicyFlags({ 'org-id': ORG, 'project-id': PROJ, format: 'terraform' }).accountId).toBeUndefined();
  });

  it('accepts a loopback http issuer (a local test issuer)', () => {
    expect(parseTrustPolicyFlags({ ...OK, 'issuer-url': `http://127.0.0.1:8080/org/${ORG}` }).issuerUrl).toBe(`http://127.0.0.1:8080/org/${ORG}`);
  });

  const refusals: [string, RawFlags, RegExp][] = [
    ['no org id', { 'project-id': PROJ }, /^--org-id: is required$/],
    ['an org name, not an id', { ...OK, 'org-id': 'acme' }, /^--org-id: is not a UUID \(got "acme"\)$/],
    ['a project slug', { ...OK, 'project-id': 'gh/acme/webapp' }, /^--project-id: is not a UUID \(got "gh\/acme\/webapp"\)$/],
    ['a short account', { ...OK, 'account-id': '12345' }, /^--account-id: is not a 12-digit AWS account id \(got "12345"\)$/],
    ['json without an account', { 'org-id': ORG, 'project-id': PROJ }, /^--account-id: is required with --format json/],
    ['an unknown partition', { ...OK, partition: 'aws-iso' }, /^--partition: must be one of aws, aws-cn, aws-us-gov \(got "aws-iso"\)$/],
    ['an unknown format', { ...OK, format: 'hcl' }, /^--format: must be one of json, terraform, cloudformation/],
    ['a wildcard branch', { ...OK, branch: 'release/*' }, /^--branch: is not a valid git ref name: .*\(got "release\/\*"\)$/],
    ['a branch with ..', { ...OK, branch: 'a..b' }, /^--branch: is not a valid git ref name/],
    ['a branch with a space', { ...OK, branch: 'my branch' }, /^--branch: is not a valid git ref name/],
    ['a branch ending in .lock', { ...OK, branch: 'main.lock' }, /^--branch: is not a valid git ref name/],
    ['a plain-http remote issuer', { ...OK, 'issuer-url': `http://oidc.circleci.com/org/${ORG}` }, /^--issuer-url: must be an https URL/],
    ['an issuer with a trailing slash', { ...OK, 'issuer-url': `https://oidc.circleci.com/org/${ORG}/` }, /^--issuer-url: must be an https URL/],
    ['an issuer that is not a URL', { ...OK, 'issuer-url': 'oidc.circleci.com' }, /^--issuer-url: is not a URL/],
    ['a role name with a slash', { ...OK, 'role-name': 'ci/deploy' }, /^--role-name: /],
  ];
  it.each(refusals)('refuses %s', (_name, flags, message) => {
    let caught: unknown;
    try {
      parseTrustPolicyFlags(flags);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ParamError);
    expect((caught as ParamError).message).toMatch(message);
    expect((caught as ParamError).hint).toMatch(/^(pass|copy|pick) .{20,}/);
  });
});

describe('refNameProblem', () => {
  it.each(['refs/heads/main', 'refs/heads/feature/x-1', 'refs/tags/v1.2.3'])('accepts %s', (ref) => expect(refNameProblem(ref)).toBeUndefined());
  it.each(['refs/heads/a?b', 'refs/heads/a~1', 'refs/heads/a^', 'refs/heads/a:b', 'refs/heads/[x]', 'refs/heads/a\\b', 'refs/heads/a\tb', 'refs/heads/.hidden',
    'refs/heads/x/', 'refs/heads//x', 'refs/heads/x.', 'refs/heads/a@{1}', '@'])('refuses %s', (ref) => expect(refNameProblem(ref)).toBeDefined());
});
