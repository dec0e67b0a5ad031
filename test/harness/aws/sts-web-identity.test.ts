// AssumeRoleWithWebIdentity through the real @aws-sdk/client-sts: success and each refusal STS makes.
import { AssumeRoleWithWebIdentityCommand, type AssumeRoleWithWebIdentityCommandInput } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, job, ORG, PROJECT, rejection, startStack, USER, type Stack } from './fixture.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());

const exchange = (token: string, extra: Partial<AssumeRoleWithWebIdentityCommandInput> = {}) =>
  s.sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: s.deployRole, RoleSessionName: 'circleci-job-17', WebIdentityToken: token, ...extra }));

describe('AssumeRoleWithWebIdentity', () => {
  it('issues role credentials for a V2 token whose sub matches the StringLike condition', async () => {
    const out = await exchange(await s.issuer.mint(job('main')), { DurationSeconds: 7200 });
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.SecretAccessKey).toHaveLength(40);
    expect(c.SessionToken!.length).toBeGreaterThan(300);
    const lifetime = c.Expiration!.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(7190_000);
    expect(lifetime).toBeLessThanOrEqual(7200_000);
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/circleci-job-17`);
    expect(out.AssumedRoleUser!.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:circleci-job-17$/);
    expect(out.SubjectFromWebIdentityToken).toBe(`org/${ORG}/project/${PROJECT}/user/${USER}/vcs-origin/github.com/acme/webapp/vcs-ref/refs/heads/main`);
    expect(out.Audience).toBe(ORG);
    expect(out.Provider).toBe(s.providerArn);
    expect(s.aws.issuedSecrets).toEqual(expect.arrayContaining([c.AccessKeyId, c.SecretAccessKey, c.SessionToken]));
  });

  it.each([
    ['a token for another audience', { audience: 'sts.amazonaws.com' }, 'InvalidIdentityTokenException', 'Incorrect token audience'],
    ['an expired token', { iat: Math.floor(Date.now() / 1000) - 7200 }, 'ExpiredTokenException', 'Token expired: current date/time'],
    ['a token signed with a key outside the JWKS', { signWithForeignKey: true }, 'InvalidIdentityTokenException', 'signature'],
    ['a token from an unregistered issuer', { issuer: 'https://oidc.circleci.com/org/someone-else' }, 'InvalidIdentityTokenException',
      'No OpenIDConnect provider found in your account for https://oidc.circleci.com/org/someone-else'],
  ] as const)('refuses %s', async (_name, opts, name, message) => {
    const err = await rejection(exchange(await s.issuer.mint(job('main'), opts)));
    expect(err.name).toBe(name);
    expect(err.message).toContain(message);
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it('refuses a sub outside the trust policy (a feature branch) with AccessDenied', async () => {
    const err = await rejection(exchange(await s.issuer.mint(job('feature/x'))));
    expect(err.name).toBe('AccessDenied');
    expect(err.message).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });

  it('refuses a V1 token where the policy expects a V2 sub', async () => {
    const err = await rejection(exchange(await s.issuer.mint(job('main'), { version: 1 })));
    expect(err.name).toBe('AccessDenied');
  });

  it('refuses a role that does not exist exactly like a role that does not trust the caller', async () => {
    const err = await rejection(exchange(await s.issuer.mint(job()), { RoleArn: `arn:aws:iam::${ACCOUNT}:role/nope` }));
    expect(err.name).toBe('AccessDenied');
  });

  it('validates DurationSeconds like STS', async () => {
    const err = await rejection(exchange(await s.issuer.mint(job()), { DurationSeconds: 100 }));
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe(
      "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it("refuses a DurationSeconds above the role's MaxSessionDuration", async () => {
    const err = await rejection(exchange(await s.issuer.mint(job()), { DurationSeconds: 7201 }));
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  });

  it('validates RoleSessionName and reports every broken constraint at once', async () => {
    const err = await rejection(exchange(await s.issuer.mint(job()), { RoleSessionName: 'a b' }));
    expect(err.name).toBe('ValidationError');
    expect(err.message).toContain("Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
    const two = await rejection(exchange(await s.issuer.mint(job()), { RoleSessionName: 'x', DurationSeconds: 50000 }));
    expect(two.message).toMatch(/^2 validation errors detected: .*roleSessionName.*; .*durationSeconds.*less than or equal to 43200$/);
  });

  it('refuses a malformed JWT without echoing it', async () => {
    const err = await rejection(exchange('not-a-jwt'));
    expect(err.name).toBe('InvalidIdentityTokenException');
    expect(err.message).not.toContain('not-a-jwt');
  });

  it('answers IDPCommunicationError when the issuer JWKS cannot be fetched, and recovers after', async () => {
    s.issuer.failJwks(1);
    const err = await rejection(exchange(await s.issuer.mint(job())));
    expect(err.name).toBe('IDPCommunicationErrorException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    await expect(exchange(await s.issuer.mint(job()))).resolves.toHaveProperty('Credentials');
  });
});
