import { describe, expect, it } from 'vitest';
import { parseParams } from '../../../../src/commands/promote-image/params.ts';
import { planTags } from '../../../../src/commands/promote-image/explain.ts';
import { ParamError } from '../../../../src/lib/errors.ts';
import { orbParams } from '../../../support/params.ts';
import { thrown } from '../../../support/rejection.ts';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const raw = orbParams;
const env = { AWS_REGION: 'eu-west-1', SHA: 'abc123' };
const refusal = (p: Record<string, string>) => thrown(() => parseParams(raw(p), env, () => undefined), ParamError);

describe('promote-image parameters', () => {
  it('reads both sides; the target repository defaults to the source, each region to its profile, then the target region', () => {
    const p = parseParams(raw({ 'source-repo': 'webapp', 'source-digest': D1, 'source-profile-name': 'staging', 'account-id': '222222222222', 'profile-name': 'production', tag: '${SHA}, production' }), env,
      (profile) => (profile === 'staging' ? 'ap-northeast-1' : undefined));
    expect(p.source).toEqual({ repo: 'webapp', tag: '', digest: D1, accountId: '', region: 'ap-northeast-1', profileName: 'staging' });
    expect(p.target).toEqual({ repo: 'webapp', tags: ['abc123', 'production'], accountId: '222222222222', region: 'eu-west-1', profileName: 'production' });
  });

  it.each([
    [{ 'source-repo': 'webapp', 'source-tag': 'v1', 'source-digest': D1, tag: 'x' }, 'source-digest', /given together with source-tag/],
    [{ 'source-repo': 'webapp', tag: 'x' }, 'source-tag', /is required when source-digest is empty/],
    [{ 'source-repo': 'webapp', 'source-digest': 'sha256:abc', tag: 'x' }, 'source-digest', /is not an image digest/],
    [{ 'source-repo': 'Web', 'source-tag': 'v1', tag: 'x' }, 'source-repo', /is not an ECR repository name/],
    [{ 'source-repo': 'webapp', 'source-tag': 'v1', tag: 'a,a' }, 'tag', /names a tag twice/],
    [{ 'source-repo': 'webapp', 'source-tag': 'v1', tag: '' }, 'tag', /names no tag/],
    [{ 'source-repo': 'webapp', 'source-tag': 'v1', tag: 'x', 'source-account-id': '12' }, 'source-account-id', /12-digit/],
    [{ 'source-repo': 'webapp', 'source-tag': 'v1', tag: 'x', 'source-profile-name': 'a b' }, 'source-profile-name', /not a profile name/],
    [{ 'source-repo': 'webapp', 'source-tag': 'v1', tag: 'x', 'source-region': 'mars-1' }, 'source-region', /not an AWS region/],
  ])('refuses %j naming %s', (p, param, problem) => {
    const err = refusal(p);
    expect(err.param).toBe(param);
    expect(err.message).toMatch(problem);
    expect(err.hint).toBeTruthy();
  });
});

describe('planTags', () => {
  const have = new Map([['same', D1], ['other', D2]]);
  it('a tag at the digest is a no-op, a missing one is put, one elsewhere is moved when mutable', () => {
    expect(planTags(['same', 'new', 'other'], have, D1, false)).toEqual({ put: ['new', 'other'], noop: ['same'], conflicts: [] });
  });
  it('one elsewhere is a conflict when immutable, with its digest', () => {
    expect(planTags(['same', 'new', 'other'], have, D1, true)).toEqual({ put: ['new'], noop: ['same'], conflicts: [{ tag: 'other', digest: D2 }] });
  });
});
