// STS's other refusals of AssumeRoleWithWebIdentity and of a role-chain hop, as the step explains them: the
// call and role on the first line, the token's claims (never the token) where the trust policy matches them,
// and a fix for the cause AWS names. AccessDenied has its own file (access-denied.test.ts).
import { describe, expect, it } from 'vitest';
import { describeClaims, explainChainRefusal, explainRefusal } from '../../../../src/commands/assume-role-with-oidc/explain.ts';
import { parseParams } from '../../../../src/commands/assume-role-with-oidc/params.ts';
import { orbParams } from '../../../support/params.ts';

const ORG = '0f3e1c2a-1111-4222-8333-944455556666';
const ISS = `https://oidc.circleci.com/org/${ORG}`;
const ROLE = 'arn:aws:iam::222222222222:role/deploy';
const SUB = `org/${ORG}/project/p/user/u`;
const claims = { iss: ISS, aud: ORG, sub: SUB, exp: 1_790_000_000 };
const params = (more: Record<string, string> = {}) => parseParams(orbParams({ 'role-arn': ROLE, region: 'eu-west-1', ...more }), {});
const refusal = (code: string, message: string) => explainRefusal({ code, message, status: 400 }, params({ 'session-duration': '7200' }), claims, 'cause');

describe('describeClaims', () => {
  it('names iss, aud and sub, joins a list audience, and marks a missing claim with ?', () => {
    expect(describeClaims(claims)).toBe(`token claims: iss=${ISS} aud=${ORG} sub=${SUB}`);
    expect(describeClaims({ aud: ['a', 'sts.amazonaws.com'] })).toBe('token claims: iss=? aud=a,sts.amazonaws.com sub=?');
    expect(describeClaims({})).toBe('token claims: iss=? aud=? sub=?');
  });
});

describe('explainRefusal', () => {
  it('puts the role, the code and AWS\'s message on the first line, and keeps the cause', () => {
    const e = refusal('ExpiredTokenException', 'Token expired: current date/time 1790000100 must be before the expiration date/time 1790000000');
    expect(e.message.split('\n')[0]).toBe(`AssumeRoleWithWebIdentity for ${ROLE} failed: ExpiredTokenException: Token expired: current date/time 1790000100 must be before the expiration date/time 1790000000`);
    expect(e.cause).toBe('cause');
  });

  it('an expired token: the claims with exp, and token-source: mint as the fix', () => {
    const e = refusal('ExpiredTokenException', 'Token expired');
    expect(e.message.split('\n')[1]).toBe(`  token claims: iss=${ISS} aud=${ORG} sub=${SUB} exp=1790000000`);
    expect(e.hint).toBe('the OIDC token expired (CircleCI tokens last one hour from the job start); use token-source: mint to get a fresh one');
    expect(explainRefusal({ code: 'ExpiredTokenException', message: 'x', status: 400 }, params(), { iss: ISS }, undefined).message).toContain(' exp=?');
  });

  it('a token whose audience the provider lacks: add it to the provider, named without https://', () => {
    const e = refusal('InvalidIdentityToken', 'Incorrect token audience');
    expect(e.message.split('\n')[1]).toBe(`  token claims: iss=${ISS} aud=${ORG} sub=${SUB}`);
    expect(e.hint).toBe(`the token's aud must be an audience of the IAM OIDC provider oidc.circleci.com/org/${ORG}: add it to the provider, or leave audience empty (CircleCI's default is the org id)`);
  });

  it('a token from an issuer with no provider: register the provider with the org id as audience', () => {
    const e = refusal('InvalidIdentityToken', 'No OpenIDConnect provider found in your account for https://oidc.circleci.com/org/x');
    expect(e.hint).toBe(`register the IAM OIDC provider https://oidc.circleci.com/org/${ORG} in the role's account, with your CircleCI org id as its audience`);
    const plain = explainRefusal({ code: 'InvalidIdentityToken', message: 'No OpenIDConnect provider', status: 400 }, params(), { iss: 'http://issuer.example/x' }, undefined);
    expect(plain.hint).toContain('register the IAM OIDC provider https://issuer.example/x in');
    // Only a leading scheme is cut; a token without iss names no host.
    const odd = explainRefusal({ code: 'InvalidIdentityToken', message: 'x', status: 400 }, params(), { iss: 'issuer.example/to/https://x' }, undefined);
    expect(odd.hint).toContain('provider https://issuer.example/to/https://x in');
    expect(explainRefusal({ code: 'InvalidIdentityToken', message: 'x', status: 400 }, params(), {}, undefined).hint).toContain('provider https:// in');
  });

  it('AWS unable to fetch the issuer\'s keys: a re-run, naming the issuer', () => {
    expect(refusal('IDPCommunicationError', 'Couldn\'t retrieve verification key').hint)
      .toBe(`AWS could not fetch the signing keys of ${ISS}; this is usually passing: re-run the job`);
    expect(explainRefusal({ code: 'IDPCommunicationError', message: 'x', status: 400 }, params(), {}, undefined).hint).toContain('signing keys of the issuer;');
  });

  it('a session longer than the role allows: lower session-duration (with its value) or raise MaxSessionDuration', () => {
    const e = refusal('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    expect(e.message).not.toContain('\n');
    expect(e.hint).toBe('lower session-duration (now 7200) or raise the role\'s MaxSessionDuration');
    expect(refusal('ValidationError', '1 validation error detected: Value at \'roleSessionName\' failed to satisfy constraint').hint)
      .toBe('check role-arn, role-session-name and session-duration');
  });

  it('keeps the SDK\'s error as the cause, whatever the code', () => {
    for (const code of ['AccessDenied', 'ExpiredTokenException', 'InvalidIdentityToken', 'IDPCommunicationError', 'ValidationError', 'Throttling']) {
      expect(refusal(code, 'x').cause, code).toBe('cause');
    }
  });

  it('any other code: the AWS error stands, with ORB_DEBUG=1 for details', () => {
    expect(refusal('RegionDisabledException', 'STS is not activated in this region').hint).toBe('see the AWS error above; set ORB_DEBUG=1 for details');
  });
});

describe('explainChainRefusal', () => {
  const FROM = 'arn:aws:sts::222222222222:assumed-role/deploy/s';
  const TO = 'arn:aws:iam::333333333333:role/target';
  const chain = (code: string, sent: { externalId: boolean; tags: boolean; sourceIdentity: boolean }) =>
    explainChainRefusal({ code, message: 'Not authorized', status: 403 }, FROM, TO, sent, 'cause');

  it('AccessDenied with nothing extra sent: the principal and sts:AssumeRole, both sides', () => {
    const e = chain('AccessDenied', { externalId: false, tags: false, sourceIdentity: false });
    expect(e.message).toBe(`AssumeRole from ${FROM} to ${TO} (role-chain) failed: AccessDenied: Not authorized`);
    expect(e.hint).toBe(`the trust policy of ${TO} must allow Principal {"AWS": "${FROM}"} the actions sts:AssumeRole, and ${FROM} needs permission for sts:AssumeRole on ${TO}`);
    expect(e.cause).toBe('cause');
  });

  it('AccessDenied with an external id, tags and a source identity: each action and condition they need', () => {
    const hint = chain('AccessDenied', { externalId: true, tags: true, sourceIdentity: true }).hint;
    expect(hint).toBe(`the trust policy of ${TO} must allow Principal {"AWS": "${FROM}"} the actions sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity` +
      ' with a Condition {"StringEquals": {"sts:ExternalId": ...}} equal to the external-id given (or set circleci-session-tags: false and no session-tags)' +
      `, and ${FROM} needs permission for sts:AssumeRole on ${TO}`);
  });

  it('another code: the role-chain line to check', () => {
    const e = chain('RegionDisabledException', { externalId: true, tags: true, sourceIdentity: true });
    expect(e.hint).toBe('check the role-chain line for this role; set ORB_DEBUG=1 for details');
    expect(e.cause).toBe('cause');
  });
});
