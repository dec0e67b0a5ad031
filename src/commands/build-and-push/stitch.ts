// create-manifest-list: the fan-in step of a per-architecture build. Each architecture's job pushed
// its own tag; this stitches them into one multi-architecture manifest list under the final tag(s).
import { OrbError, ParamError } from '../../lib/errors.ts';
import type { Log } from '../../lib/log.ts';
import { enumParam, expandVars, paramEnvName, profileNameParam, regionParam, registryAccountParam, retryParams, stringParam, type Env, type RawParams } from '../../lib/params.ts';
import { isKind, KINDS, wordList } from '../../lib/grammar.ts';
import type { RetryPolicy } from '../../lib/retry.ts';
import { stitchArgvs } from './argv.ts';
import type { AwsKeys } from '../../lib/aws/clients.ts';
import type { BuildAndPushDeps } from './run.ts';

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

export function parseStitchParams(raw: RawParams, env: Env): StitchParams {
  const repo = stringParam(raw, env, 'repo');
  if (!isKind('repository', repo)) {
    throw new ParamError('repo', repo, `is not ${KINDS.repository.what}`, 'use a name such as webapp or team/api');
  }
  const list = (param: string, ok: (v: string) => boolean, example: string, fallback = '') => {
    const text = (raw[paramEnvName(param)] ?? '').trim() || fallback;
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

type StitchDeps = Omit<BuildAndPushDeps, 'createRepository' | 'now'> & {
  log: Log;
  /** The registry's proxyEndpoint as ECR reports it (https on AWS); its scheme decides docker manifest's --insecure. */
  proxyEndpoint(keys: AwsKeys, region: string, registryId: string): Promise<string>;
};

export async function stitch(p: StitchParams, deps: StitchDeps): Promise<void> {
  const keys = await deps.resolveKeys(p.profileName);
  deps.log.secret(keys.secretAccessKey, keys.sessionToken, keys.accessKeyId);
  const registryId = p.accountId || (await deps.callerIdentity(keys, p.region)).account;
  const repo = await deps.describeRepository(keys, p.region, registryId, p.repo);
  if (!repo) throw new OrbError(`the ECR repository ${p.repo} does not exist in registry ${registryId} (${p.region})`, 'push the per-architecture images first (build-and-push)');
  const uri = repo.repositoryUri;
  const sources = p.sources.map((s) => (s.startsWith('@') ? `${uri}${s}` : s));
  const hasBuildx = p.builder !== 'docker' && await deps.hasBuildx();
  if (p.builder === 'buildx' && !hasBuildx) throw new OrbError('parameter builder: buildx was asked for, but `docker buildx` is not available here', 'use builder: auto');
  const builder = hasBuildx ? 'buildx' : 'docker';
  deps.log.info(`Stitching ${sources.join(', ')} into ${p.tags.map((t) => `${uri}:${t}`).join(', ')} with ${builder === 'buildx' ? 'docker buildx imagetools create' : 'docker manifest'}`);
  const insecure = builder === 'docker' && (await deps.proxyEndpoint(keys, p.region, registryId)).startsWith('http:');
  if (insecure) deps.log.info('note: the registry speaks plain HTTP (its proxyEndpoint says so), so docker manifest runs with --insecure');
  for (const argv of stitchArgvs(builder, uri, p.tags, sources, insecure)) {
    await deps.docker(argv).catch((err: unknown) => {
      throw new OrbError(`docker ${argv.slice(0, 2).join(' ')} failed: ${(err as Error).message}`, 'check that every source tag was pushed and that ecr-login ran in this job');
    });
  }
  const have = await deps.tagDigests(keys, p.region, registryId, p.repo, p.tags);
  const digest = have.get(p.tags[0] ?? '');
  if (!digest) throw new OrbError(`after stitching, ECR has no manifest list for ${p.repo}:${p.tags[0] ?? ''}`, 'see the docker output above');
  deps.writeExports({ AWS_ECR_IMAGE_URI: `${uri}:${p.tags[0] ?? ''}`, AWS_ECR_IMAGE_DIGEST: digest, AWS_ECR_IMAGE_REF: `${uri}@${digest}` });
  deps.log.info(`Manifest list ${uri}@${digest}; exported AWS_ECR_IMAGE_URI, AWS_ECR_IMAGE_DIGEST, AWS_ECR_IMAGE_REF`);
  deps.writeResult(`create-manifest-list-${p.repo.replace(/\//g, '_')}`, { repository: p.repo, repositoryUri: uri, tags: p.tags, sources, digest, builder });
}
