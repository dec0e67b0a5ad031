import { describe, expect, it } from 'vitest';
import { circleciTags, parseSessionControls } from '../../../../src/commands/assume-role-with-oidc/session-controls.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { stepParams, type Env } from '../../../../src/lib/params.ts';

/** The controls parsed from a step's ORB_PARAM_* variables, with no CircleCI variables set. */
const parse = (raw: Env, env: Env = {}) => parseSessionControls(stepParams(raw), env);

/** The error a user reads (message and fix) when the step is refused. */
function refusal(raw: Env, env: Env = {}): { message: string; hint: string } {
  try {
    parse(raw, env);
  } catch (e) {
    if (e instanceof OrbError) return { message: e.message, hint: e.hint ?? '' };
    throw e;
  }
  throw new Error('the parameters were accepted');
}

const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
const arns = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:iam::123456789012:policy/p${i}`);

describe('session controls at their edges', () => {
  it('tags a chained session with the CircleCI job and pipeline, and replaces every character STS refuses', () => {
    expect(circleciTags({ CIRCLE_PROJECT_REPONAME: 'a#b!c', CIRCLE_JOB: 'deploy', CIRCLE_PIPELINE_ID: 'p-1' })).toEqual([
      { key: 'circleci:project', value: 'a_b_c' }, { key: 'circleci:job', value: 'deploy' }, { key: 'circleci:pipeline-id', value: 'p-1' },
    ]);
  });

  it('cuts a CircleCI tag value to the 256 characters STS accepts', () => {
    expect(circleciTags({ CIRCLE_BRANCH: 'b'.repeat(300) })).toEqual([{ key: 'circleci:branch', value: 'b'.repeat(256) }]);
  });

  it('sends session tags with the spaces around = and at the ends taken off', () => {
    expect(parse({ ORB_PARAM_SESSION_TAGS: 'team = web\ncost-center =  42 ' }).tags).toEqual([
      { key: 'team', value: 'web' }, { key: 'cost-center', value: '42' },
    ]);
  });

  it('tells how to write a session tag when one is malformed', () => {
    const r = refusal({ ORB_PARAM_SESSION_TAGS: 'team' });
    expect(r.message).toBe('parameter session-tags: is not a valid Key=Value session tag (got "team")');
    expect(r.hint).toMatch(/one Key=Value per line.*no aws: prefix/);
  });

  it('sends a session policy document and the managed policy ARNs as given', () => {
    const c = parse({ ORB_PARAM_SESSION_POLICY: POLICY, ORB_PARAM_MANAGED_SESSION_POLICIES: 'arn:aws:iam::aws:policy/ReadOnlyAccess arn:aws-cn:iam::123456789012:policy/team/x' });
    expect(c.policy).toBe(POLICY);
    expect(c.policyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws-cn:iam::123456789012:policy/team/x']);
  });

  it.each([['a JSON string', '"Allow everything"'], ['null', 'null'], ['a number', '42'], ['a document without Statement', '{"Version":"2012-10-17"}']])(
    'refuses a session policy that is %s', (_name, text) => {
      const r = refusal({ ORB_PARAM_SESSION_POLICY: text });
      expect(r.message).toBe(`parameter session-policy: is not an IAM policy document in JSON (got ${JSON.stringify(text)})`);
      expect(r.hint).toBe('give a JSON document with Version and Statement');
    });

  it('quotes only the first 60 characters of a session policy that is not JSON', () => {
    const text = `{Statement: ${'x'.repeat(100)}`;
    expect(refusal({ ORB_PARAM_SESSION_POLICY: text }).message).toBe(`parameter session-policy: is not an IAM policy document in JSON (got ${JSON.stringify(text.slice(0, 60))})`);
  });

  it('accepts a session policy of 2048 characters and refuses one of 2049, saying how long it is', () => {
    const sized = (n: number) => POLICY.replace('"Version"', `${' '.repeat(n - POLICY.length)}"Version"`);
    expect(parse({ ORB_PARAM_SESSION_POLICY: sized(2048) }).policy).toHaveLength(2048);
    const r = refusal({ ORB_PARAM_SESSION_POLICY: sized(2049) });
    expect(r.message).toBe(`parameter session-policy: is 2049 characters long; STS accepts at most 2048 (got ${JSON.stringify(`${sized(2049).slice(0, 60)}...`)})`);
    expect(r.hint).toMatch(/remove spaces and line breaks.*managed-session-policies/);
  });

  it('shows the forms of a managed policy ARN when one is wrong', () => {
    expect(refusal({ ORB_PARAM_MANAGED_SESSION_POLICIES: 'arn:aws:iam::aws:role/x' }).hint).toMatch(/arn:aws:iam::aws:policy\/<name> or arn:aws:iam::<account>:policy\/<name>/);
  });

  it('accepts 10 managed session policies and refuses 11', () => {
    expect(parse({ ORB_PARAM_MANAGED_SESSION_POLICIES: arns(10).join(' ') }).policyArns).toHaveLength(10);
    const r = refusal({ ORB_PARAM_MANAGED_SESSION_POLICIES: arns(11).join(' ') });
    expect(r.message).toBe('parameter managed-session-policies: has more than 10 ARNs, the most STS accepts (got "11 ARNs")');
    expect(r.hint).toBe('pass at most 10');
  });

  it('accepts 50 session tags, counting the CircleCI ones, and refuses 51', () => {
    const env = { CIRCLE_JOB: 'deploy', CIRCLE_BUILD_NUM: '7' };
    const own = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join('\n');
    expect(parse({ ORB_PARAM_SESSION_TAGS: own(48) }, env).tags).toHaveLength(50);
    const r = refusal({ ORB_PARAM_SESSION_TAGS: own(49) }, env);
    expect(r.message).toBe('parameter session-tags: has more than 50 tags, the most STS accepts (got "51 tags")');
    expect(r.hint).toBe('pass fewer tags');
  });

  it('refuses a transitive tag key that none of several session tags has, and accepts one they have', () => {
    const raw = { ORB_PARAM_SESSION_TAGS: 'team=web\nstage=prod' };
    expect(parse({ ...raw, ORB_PARAM_TRANSITIVE_TAG_KEYS: 'stage' }).transitiveTagKeys).toEqual(['stage']);
    const r = refusal({ ...raw, ORB_PARAM_TRANSITIVE_TAG_KEYS: 'stage, owner' });
    expect(r.message).toBe('parameter transitive-tag-keys: is not the key of a session tag (got "owner")');
    expect(r.hint).toMatch(/list keys of session-tags/);
  });

  it('sends a valid source identity and tells how to fix an invalid one', () => {
    expect(parse({ ORB_PARAM_SOURCE_IDENTITY: 'jane.doe@example' }).sourceIdentity).toBe('jane.doe@example');
    expect(parse({})).not.toHaveProperty('sourceIdentity');
    expect(parse({})).not.toHaveProperty('policy');
    expect(refusal({ ORB_PARAM_SOURCE_IDENTITY: 'x' }).hint).toBe('use e.g. the CircleCI username');
  });
});
