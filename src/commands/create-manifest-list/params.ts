// create-manifest-list's parameters: the step's raw ORB_PARAM_* text -> one validated object.
import { ParamError } from '../../lib/errors.ts';
import { enumParam, expandVars, rawParam, profileNameParam, regionParam, registryAccountParam, retryParams, stringParam, type Env, type ParamSource } from '../../lib/params.ts';
import { isKind, KINDS, wordList } from '../../lib/grammar.ts';
import type { RetryPolicy } from '../../lib/retry.ts';

/** What the stitch needs: the repository, the final tags, the per-architecture sources, where and as whom. */
export interface StitchParams {
  repo: string;
  tags: string[];
  sources: string[];
  builder: 'auto' | 'buildx' | 'docker';
  accountId: string;
  region: string;
  profileName: string;
  retry: RetryPolicy;
}

/** A source image: a tag of the repository, or a sha256 digest. */
const isSource = (v: string) => isKind('tag', v) || isKind('digest', v);

/** Parses and validates; every error names the parameter, the value and the fix. */
export function parseParams(raw: ParamSource, env: Env): StitchParams {
  const repo = stringParam(raw, env, 'repo');
  if (!isKind('repository', repo)) {
    throw new ParamError('repo', repo, `is not ${KINDS.repository.what}`, 'use a name such as webapp or team/api');
  }
  const list = (param: string, ok: (v: string) => boolean, example: string, fallback = '') => {
    const text = rawParam(raw, param) || fallback;
    const values = wordList(text).map((v) => expandVars(param, v, env));
    if (values.length === 0) throw new ParamError(param, text, 'is required', `give ${example}`);
    for (const v of values) if (!ok(v)) throw new ParamError(param, v, 'is not a tag (or sha256 digest)', `give ${example}`);
    return values;
  };
  const tags = list('tag', (v) => isKind('tag', v), 'the final tag(s), e.g. ${CIRCLE_SHA1}', '${CIRCLE_SHA1}');
  const sources = list('sources', isSource, 'the per-architecture tags, e.g. ${CIRCLE_SHA1}-amd64 ${CIRCLE_SHA1}-arm64');
  if (sources.length < 2) throw new ParamError('sources', sources.join(' '), 'names one image; a manifest list stitches two or more', 'list each architecture\'s tag');
  const accountId = registryAccountParam(raw, env);
  const profileName = profileNameParam(raw, env);
  return {
    repo, tags, sources: sources.map((s) => (s.startsWith('sha256:') ? `@${s}` : s)),
    builder: enumParam(raw, env, 'builder', ['auto', 'buildx', 'docker'] as const, 'auto'),
    accountId, region: regionParam(raw, env), profileName,
    retry: retryParams(raw, env),
  };
}

