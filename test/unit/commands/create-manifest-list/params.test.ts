// create-manifest-list's parameters: tags and sources (tags or digests), as the stitch takes them.
import { describe, expect, it } from 'vitest';
import { parseParams as parseStitchParams } from '../../../../src/commands/create-manifest-list/params.ts';
import { ParamError } from '../../../../src/lib/errors.ts';
import { orbParams } from '../../../support/params.ts';

const ENV = { CIRCLE_SHA1: 'abc1234', AWS_REGION: 'ap-northeast-1' };
const raw = orbParams;

describe('create-manifest-list parameters', () => {
  const stitch = (p: Record<string, string>) => parseStitchParams(raw({ repo: 'webapp', sources: 'a-amd64 a-arm64', ...p }), ENV);
  it('takes tags and sources, digests marked', () => {
    expect(stitch({ tag: 'abc,latest', sources: `x-amd64 sha256:${'2'.repeat(64)}` })).toMatchObject({ tags: ['abc', 'latest'], sources: ['x-amd64', `@sha256:${'2'.repeat(64)}`] });
  });
  it.each([
    [{ sources: 'only-one' }, 'sources', /names one image/],
    [{ sources: '' }, 'sources', /is required/],
    [{ sources: 'a ../b' }, 'sources', /not a tag/],
    [{ repo: 'Bad Repo' }, 'repo', /not an ECR repository name/],
  ] as const)('refuses %j', (p, param, message) => {
    expect(() => stitch(p)).toThrow(message);
    try {
      stitch(p);
    } catch (e) {
      expect((e as ParamError).param).toBe(param);
    }
  });
});
