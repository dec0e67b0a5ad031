// How promote-image reports refusals: which side (source or target) and identity a refused registry call is
// blamed on, ECR's TAG_INVALID and NAME_UNKNOWN, other registry failures, and the IMMUTABLE refusal's fixes.
import { afterEach, describe, expect, it } from 'vitest';
import { explainRegistryError, immutableTagError, isImmutable, planTags } from '../../../../src/commands/promote-image/explain.ts';
import { promote } from '../../../../src/commands/promote-image/run.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { RegistryError } from '../../../../src/lib/registry/client.ts';
import { rejection } from '../../../support/rejection.ts';
import { closeRegistries, storeImage, storeList } from '../../lib/registry/memory-registry.ts';
import { PRODUCTION, promoteDeps, promoteParams, promoteWorld, STAGING } from './world.ts';

afterEach(closeRegistries);
const SIDE = { what: 'target', identity: 'profile production' };
const D = `sha256:${'a'.repeat(64)}`;
const explained = (err: unknown) => explainRegistryError(err, SIDE) as OrbError;

describe('explainRegistryError', () => {
  it.each([[401, ''], [403, ''], [400, 'UNAUTHORIZED'], [400, 'DENIED']])('HTTP %i %s: names the side and its identity, and the policy fix', (status, code) => {
    const err = explained(new RegistryError(status, code, 'PUT r', 'no'));
    expect(err).toBeInstanceOf(OrbError);
    expect(err.message).toBe(`the registry refused profile production for the target: PUT r: HTTP ${status}${code ? ` ${code}` : ''}: no`);
    expect(err.hint).toBe('let that identity pull (source) or push (target) in the repository\'s policy, or give the target\'s profile-name the identity that owns it');
  });

  it('TAG_INVALID is the IMMUTABLE refusal; NAME_UNKNOWN a missing repository on that side', () => {
    const tag = explained(new RegistryError(400, 'TAG_INVALID', 'PUT r', 'tag exists'));
    expect([tag.message, tag.hint]).toEqual(['PUT r: HTTP 400 TAG_INVALID: tag exists', 'the target repository is IMMUTABLE: use a new tag, or promote the image the tag already names']);
    const name = explained(new RegistryError(404, 'NAME_UNKNOWN', 'GET r', 'no repo'));
    expect([name.message, name.hint]).toEqual(['the target repository does not exist: GET r: HTTP 404 NAME_UNKNOWN: no repo', 'create it first (build-and-push with create-repo: true, or your infrastructure code)']);
  });

  it('other failures keep the registry\'s text; a 5xx says re-run, anything below says debug', () => {
    for (const [status, hint] of [[500, 're-run the job; the registry failed after the retries'], [499, 'run the step again with ORB_DEBUG=1 for details']] as const) {
      const err = explained(new RegistryError(status, 'UNKNOWN', 'GET r', 'x'));
      expect([err.message, err.hint]).toEqual([`copying through the registry API failed: GET r: HTTP ${status} UNKNOWN: x`, hint]);
    }
    const other = new Error('ECONNRESET');
    expect(explainRegistryError(other, SIDE)).toBe(other);
  });
});

describe('the IMMUTABLE refusal and the plan', () => {
  it('names every conflicting tag with its digest; the fix depends on the step', () => {
    const conflicts = [{ tag: 'a', digest: D }, { tag: 'b', digest: 'sha256:b' }];
    const promoteErr = immutableTagError('promote-image', 'repo', conflicts, 'sha256:new');
    expect(promoteErr.message).toBe(`the repository repo is IMMUTABLE and already has tag(s) a (at ${D}), b (at sha256:b), not sha256:new: ECR refuses to move a tag there`);
    expect(promoteErr.hint).toBe('use a new tag (e.g. ${CIRCLE_SHA1}), or promote the image those tags already name');
    const push = immutableTagError('push-image', 'repo', conflicts.slice(1), undefined);
    expect(push.message).toBe('the repository repo is IMMUTABLE and already has tag(s) b (at sha256:b): ECR refuses to move a tag there');
    expect(push.hint).toBe(promoteErr.hint);
    expect(immutableTagError('build-and-push', 'repo', conflicts, undefined).hint).toMatch(/skip-when-tags-exist: true/);
  });

  it('IMMUTABLE and IMMUTABLE_WITH_EXCLUSION are immutable; MUTABLE ones are not', () => {
    expect(['IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE', 'MUTABLE_WITH_EXCLUSION'].map(isImmutable)).toEqual([true, true, false, false]);
    expect(planTags(['x', 'y', 'z'], new Map([['x', D], ['y', 'sha256:o']]), D, false)).toEqual({ put: ['y', 'z'], noop: ['x'], conflicts: [] });
  });
});

describe('promote-image blames a refused copy on the right side', () => {
  /** A copy from staging's webapp to production's team/webapp with `fault` injected on one side. */
  async function refusedCopy(side: string, match: RegExp, status: number, code: string) {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE', [`${PRODUCTION}/team/webapp`]: 'MUTABLE' });
    storeImage(w.registries.get(STAGING)!, 'webapp', 'v1', ['l']);
    w.registries.get(side)!.faults.push({ match, status, code, times: 9 });
    const p = promoteParams({ 'source-repo': 'webapp', 'source-tag': 'v1', 'source-profile-name': 'staging', 'profile-name': 'production', repo: 'team/webapp', 'account-id': PRODUCTION, tag: 'v1' });
    return { w, err: await rejection(promote(p, promoteDeps(w)), OrbError) };
  }

  it('a refused read of the source names the source identity', async () => {
    const { err } = await refusedCopy(STAGING, /^GET \/v2\/webapp\/manifests/, 403, 'DENIED');
    expect(err.message).toMatch(/^the registry refused profile staging for the source: GET 127\.0\.0\.1:\d+\/v2\/webapp\/manifests\/sha256:/);
  });

  it('a refused blob write, a refused tag and a refused read of the target name the target identity', async () => {
    const blob = await refusedCopy(PRODUCTION, /^POST/, 401, 'UNAUTHORIZED');
    expect(blob.err.message).toMatch(/^the registry refused profile production for the target: POST /);
    const tag = await refusedCopy(PRODUCTION, /^PUT \/v2\/team\/webapp\/manifests\/v1$/, 400, 'TAG_INVALID');
    expect(tag.err.hint).toMatch(/^the target repository is IMMUTABLE/);
    expect(tag.w.calls.filter((c) => c === 'retry PUT manifest v1')).toHaveLength(1);
    const head = await refusedCopy(PRODUCTION, /^HEAD/, 500, '');
    expect(head.err.message).toMatch(/^copying through the registry API failed: HEAD /);
    expect(head.err.hint).toBe('re-run the job; the registry failed after the retries');
    expect(head.w.exports).toEqual([]);
  });

  it('a refused read of a target manifest, and a refused write in another repository of the source registry, are the target\'s', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE', [`${STAGING}/prod`]: 'MUTABLE' });
    const staging = w.registries.get(STAGING)!;
    storeImage(staging, 'webapp', 'v1', ['l']);
    staging.faults.push({ match: /^POST \/v2\/prod\//, status: 403, code: 'DENIED' });
    const p = promoteParams({ 'source-repo': 'webapp', 'source-tag': 'v1', 'source-profile-name': 'staging', repo: 'prod', tag: 'v1' });
    expect((await rejection(promote(p, promoteDeps(w)), OrbError)).message).toMatch(/^the registry refused the environment for the target: POST /);
    const list = await refusedCopyOfList();
    expect(list.message).toMatch(/^the registry refused profile production for the target: GET 127\.0\.0\.1:\d+\/v2\/team\/webapp\/manifests\/sha256:/);
  });

  async function refusedCopyOfList() {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE', [`${PRODUCTION}/team/webapp`]: 'MUTABLE' });
    const img = storeImage(w.registries.get(STAGING)!, 'webapp', 'amd', ['l']);
    storeList(w.registries.get(STAGING)!, 'webapp', 'v1', [{ digest: img.digest, size: img.bytes.length }]);
    w.registries.get(PRODUCTION)!.faults.push({ match: /^GET \/v2\/team\/webapp\/manifests/, status: 403, code: 'DENIED', times: 9 });
    const p = promoteParams({ 'source-repo': 'webapp', 'source-tag': 'v1', 'source-profile-name': 'staging', 'profile-name': 'production', repo: 'team/webapp', 'account-id': PRODUCTION, tag: 'v1' });
    return rejection(promote(p, promoteDeps(w)), OrbError);
  }
});
