// Trust policy evaluation: operators, wildcards, set qualifiers, principals, and Deny precedence.
import { describe, expect, it } from 'vitest';
import { evaluateTrust, parseTrustPolicy, stringLike, type TrustRequest } from './policy.ts';

const P = 'arn:aws:iam::123456789012:oidc-provider/oidc.example/org/o1';
const K = 'oidc.example/org/o1';

function web(condition: object | undefined, context: TrustRequest['context'], extra: object[] = []) {
  const policy = parseTrustPolicy({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: P }, Action: 'sts:AssumeRoleWithWebIdentity', ...(condition ? { Condition: condition } : {}) }, ...extra],
  });
  return evaluateTrust(policy, { action: 'sts:AssumeRoleWithWebIdentity', federated: P, context });
}

describe('stringLike', () => {
  it.each([
    ['org/*/user/*', 'org/a/user/b', true],
    ['org/*/user/*', 'org/a/b/user/', true],
    ['org/*/user/*', 'org/a/usr/b', false],
    ['refs/heads/?', 'refs/heads/x', true],
    ['refs/heads/?', 'refs/heads/xy', false],
    ['a.b(c)+', 'a.b(c)+', true],
    ['a.b', 'axb', false],
    ['exact', 'exactly', false],
  ])('%s ~ %s is %s', (pattern, value, expected) => expect(stringLike(pattern, value)).toBe(expected));
});

describe('evaluateTrust', () => {
  const ctx = { [`${K}:aud`]: 'o1', [`${K}:sub`]: 'org/o1/project/p1/user/u1' };

  it('allows when every operator and key holds (AND across keys, OR within values)', () => {
    expect(web({ StringEquals: { [`${K}:aud`]: ['x', 'o1'] }, StringLike: { [`${K}:sub`]: 'org/o1/project/p1/*' } }, ctx)).toBe('Allow');
    expect(web({ StringEquals: { [`${K}:aud`]: 'o1', [`${K}:sub`]: 'org/o1/project/p2/user/u1' } }, ctx)).toBe('ImplicitDeny');
  });

  it('matches condition key names case-insensitively and values case-sensitively', () => {
    expect(web({ StringEquals: { [`${K}:AUD`]: 'o1' } }, ctx)).toBe('Allow');
    expect(web({ StringEquals: { [`${K}:aud`]: 'O1' } }, ctx)).toBe('ImplicitDeny');
    expect(web({ StringEqualsIgnoreCase: { [`${K}:aud`]: 'O1' } }, ctx)).toBe('Allow');
  });

  it('treats a missing key as failing positive operators and satisfying negated ones', () => {
    expect(web({ StringEquals: { 'sts:ExternalId': 'x' } }, ctx)).toBe('ImplicitDeny');
    expect(web({ StringNotEquals: { 'sts:ExternalId': 'x' } }, ctx)).toBe('Allow');
    expect(web({ StringEqualsIfExists: { 'sts:ExternalId': 'x' } }, ctx)).toBe('Allow');
  });

  it('applies StringNotEquals and StringNotLike to present keys', () => {
    expect(web({ StringNotLike: { [`${K}:sub`]: '*/user/u1' } }, ctx)).toBe('ImplicitDeny');
    expect(web({ StringNotEquals: { [`${K}:aud`]: 'other' } }, ctx)).toBe('Allow');
  });

  it('evaluates ForAnyValue and ForAllValues over multivalued keys', () => {
    const multi = { tags: ['a', 'b'] };
    expect(web({ 'ForAnyValue:StringEquals': { tags: ['b', 'z'] } }, multi)).toBe('Allow');
    expect(web({ 'ForAllValues:StringEquals': { tags: ['b', 'z'] } }, multi)).toBe('ImplicitDeny');
    expect(web({ 'ForAllValues:StringLike': { tags: ['?'] } }, multi)).toBe('Allow');
    expect(web({ 'ForAllValues:StringEquals': { tags: 'x' } }, {})).toBe('Allow');
    expect(web({ 'ForAnyValue:StringEquals': { tags: 'x' } }, {})).toBe('ImplicitDeny');
  });

  it('lets an explicit Deny win over an Allow', () => {
    const deny = { Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { StringLike: { [`${K}:sub`]: '*/user/u1' } } };
    expect(web(undefined, ctx)).toBe('Allow');
    expect(web(undefined, ctx, [deny])).toBe('ExplicitDeny');
  });

  it('needs the federated principal and the action to match', () => {
    const policy = parseTrustPolicy({ Statement: [{ Effect: 'Allow', Principal: { Federated: P }, Action: 'sts:AssumeRoleWithWebIdentity' }] });
    expect(evaluateTrust(policy, { action: 'sts:AssumeRoleWithWebIdentity', federated: P.replace('o1', 'o2'), context: {} })).toBe('ImplicitDeny');
    expect(evaluateTrust(policy, { action: 'sts:AssumeRole', federated: P, context: {} })).toBe('ImplicitDeny');
  });

  it('matches AWS principals by account id, account root, and exact ARN', () => {
    const caller = { account: '123456789012', arns: ['arn:aws:sts::123456789012:assumed-role/r/s', 'arn:aws:iam::123456789012:role/r'] };
    const allow = (aws: unknown) =>
      evaluateTrust(parseTrustPolicy({ Statement: [{ Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' }] }), { action: 'sts:AssumeRole', aws: caller, context: {} });
    expect(allow('123456789012')).toBe('Allow');
    expect(allow('arn:aws:iam::123456789012:root')).toBe('Allow');
    expect(allow(['arn:aws:iam::999999999999:root', 'arn:aws:iam::123456789012:role/r'])).toBe('Allow');
    expect(allow('arn:aws:iam::123456789012:role/other')).toBe('ImplicitDeny');
    expect(allow('999999999999')).toBe('ImplicitDeny');
  });
});

describe('parseTrustPolicy', () => {
  it.each([
    ['invalid JSON', '{'],
    ['no Statement', { Version: '2012-10-17' }],
    ['a bad Effect', { Statement: [{ Effect: 'Maybe', Principal: '*', Action: 'sts:AssumeRole' }] }],
    ['no Principal', { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }],
    ['an unknown operator', { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Condition: { NumericLessThan: { k: '1' } } }] }],
  ])('refuses %s with MalformedPolicyDocument', (_n, doc) => {
    expect(() => parseTrustPolicy(doc)).toThrow(expect.objectContaining({ code: 'MalformedPolicyDocument' }));
  });
});
