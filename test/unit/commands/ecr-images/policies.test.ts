import { describe, expect, it } from 'vitest';
import { applyPolicies, parseRepoPolicies, pullPolicy } from '../../../../src/commands/ecr-images/policies.ts';
import { ParamError } from '../../../../src/lib/errors.ts';
import { orbParams } from '../../../support/params.ts';
import { thrown } from '../../../support/rejection.ts';

const raw = orbParams;
const LIFECYCLE = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}';
const files: Record<string, string> = { '/w/lc.json': `${LIFECYCLE}\n`, '/w/bad.json': '{"rules": ' };
const read = (f: string) => {
  const text = files[f];
  if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return text;
};
const parse = (p: Record<string, string>, createRepo = true) => parseRepoPolicies(raw(p), {}, '/w', 'us-east-1', createRepo, read);
const refusal = (p: Record<string, string>, createRepo = true) => thrown(() => parse(p, createRepo), ParamError);

describe('repository policy parameters', () => {
  it('reads a file or inline JSON, compacted; the pull shortcut writes the policy for the accounts\' root principals', () => {
    expect(parse({ 'repo-lifecycle-policy': 'lc.json', 'repo-pull-account-ids': '222222222222, 333333333333' })).toEqual({
      lifecycle: LIFECYCLE, repository: pullPolicy(['222222222222', '333333333333'], 'us-east-1'), updateExisting: false,
    });
    expect(JSON.parse(pullPolicy(['222222222222'], 'cn-north-1')).Statement[0].Principal.AWS).toEqual(['arn:aws-cn:iam::222222222222:root']);
    expect(parse({ 'repo-policy': ' {"Version": "2012-10-17", "Statement": []} ' }).repository).toBe('{"Version":"2012-10-17","Statement":[]}');
  });

  it.each([
    [{ 'repo-lifecycle-policy': 'missing.json' }, 'repo-lifecycle-policy', /neither inline JSON nor a readable file \(ENOENT\)/],
    [{ 'repo-lifecycle-policy': 'bad.json' }, 'repo-lifecycle-policy', /is not valid JSON/],
    [{ 'repo-lifecycle-policy': '{"Statement": []}' }, 'repo-lifecycle-policy', /not a lifecycle policy: has no "rules" list/],
    [{ 'repo-policy': '{"rules": []}' }, 'repo-policy', /not a repository policy: has no "Statement" list/],
    [{ 'repo-policy': '{"Statement": []}', 'repo-pull-account-ids': '222222222222' }, 'repo-pull-account-ids', /together with repo-policy/],
    [{ 'repo-pull-account-ids': '2222' }, 'repo-pull-account-ids', /is not a 12-digit AWS account id \(got "2222"\)/],
    [{ 'update-repo-policies': 'true' }, 'update-repo-policies', /names no policy/],
  ])('refuses %j naming %s', (p, param, problem) => {
    const err = refusal(p);
    expect(err.param).toBe(param);
    expect(err.message).toMatch(problem);
  });

  it('refuses policies that would never apply (no create-repo, no update-repo-policies)', () => {
    expect(refusal({ 'repo-lifecycle-policy': 'lc.json' }, false).message).toMatch(/would never be applied/);
    expect(parse({ 'repo-lifecycle-policy': 'lc.json', 'update-repo-policies': 'true' }, false).updateExisting).toBe(true);
  });
});

describe('applyPolicies', () => {
  it('sets each policy on a new repository; on an existing one leaves an equal policy alone and replaces another', async () => {
    const set: string[] = [];
    const had: Record<string, string | undefined> = { lifecycle: JSON.stringify(JSON.parse(LIFECYCLE), null, 2), repository: '{"Statement":[1]}' };
    const port = { get: async (k: 'lifecycle' | 'repository') => had[k], set: async (k: string) => { set.push(k); } };
    const p = { lifecycle: LIFECYCLE, repository: '{"Statement":[]}', updateExisting: true };
    expect(await applyPolicies(p, port, false)).toEqual(['The lifecycle policy is already the one given: left as it is', 'Replaced the repository policy']);
    expect(set).toEqual(['repository']);
    expect(await applyPolicies(p, port, true)).toEqual(['Applied the lifecycle policy', 'Applied the repository policy']);
  });
});
