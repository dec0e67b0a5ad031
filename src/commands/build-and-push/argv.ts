// The docker command lines of build-and-push, built by pure functions so that every form, including
// the buildx ones a machine without buildx cannot run, is tested by a table.
import { OrbError } from '../../lib/errors.ts';
import type { BuildAndPushParams } from './params.ts';
import { cacheSpec } from './cache.ts';

/** What the builder can do. */
export type ResolvedBuilder = 'buildx' | 'docker';

/**
 * The features the classic docker build cannot give, named as the parameters that ask for them: several
 * platforms, cache-to and attestations need buildx; secrets need BuildKit, which the classic build has
 * when `buildkit` (see classicBuildKit in ./buildkit.ts).
 */
export function buildxOnly(p: BuildAndPushParams, buildkit = false): string[] {
  const need: string[] = [];
  if (p.platforms.length > 1) need.push(`platform (${p.platforms.length} platforms)`);
  if (p.cacheTo.length > 0) need.push('cache-to');
  if (p.secrets.length > 0 && !buildkit) need.push('secrets');
  if (p.provenance) need.push('provenance');
  if (p.sbom) need.push('sbom');
  return need;
}

/**
 * The builder to use: buildx when asked or available, classic docker build otherwise (on BuildKit when
 * `buildkit`); refuses, naming the parameters, what the chosen builder cannot honour.
 */
export function chooseBuilder(p: BuildAndPushParams, hasBuildx: boolean, buildkit = false): ResolvedBuilder {
  if (p.builder === 'buildx' && !hasBuildx) {
    throw new OrbError('parameter builder: buildx was asked for, but `docker buildx` is not available on this executor',
      'use an executor with buildx (CircleCI\'s machine images and setup_remote_docker have it), or builder: auto');
  }
  const builder: ResolvedBuilder = p.builder === 'docker' ? 'docker' : hasBuildx ? 'buildx' : 'docker';
  const need = buildxOnly(p, buildkit);
  if (builder === 'docker' && need.length > 0) {
    const why = p.builder === 'docker' ? 'builder: docker' : 'no buildx here';
    const kitOnly = need.length === 1 && need[0] === 'secrets';
    throw new OrbError(`${need.join(', ')} ${need.length > 1 ? 'need' : 'needs'} ${kitOnly ? 'BuildKit' : 'buildx'}, and this build uses the classic docker build${kitOnly ? ' without it' : ''} (${why})`,
      `use an executor with docker buildx${kitOnly ? ' or with a docker CLI 18.09 to 22.x (its docker build runs BuildKit)' : ''}, or drop those parameters`);
  }
  return builder;
}

/** The labels the image gets: OCI labels from the CircleCI job (unless turned off), then the custom ones, which win. */
export function imageLabels(p: BuildAndPushParams, env: Readonly<Record<string, string | undefined>>, now: Date): [string, string][] {
  const oci: [string, string][] = [];
  if (p.ociLabels) {
    if (env.CIRCLE_SHA1) oci.push(['org.opencontainers.image.revision', env.CIRCLE_SHA1]);
    if (env.CIRCLE_REPOSITORY_URL) oci.push(['org.opencontainers.image.source', env.CIRCLE_REPOSITORY_URL]);
    oci.push(['org.opencontainers.image.created', now.toISOString()]);
  }
  const custom = new Set(p.labels.map(([k]) => k));
  return [...oci.filter(([k]) => !custom.has(k)), ...p.labels];
}

/** The build's argv (after `docker`). Build-arg values are not in it: docker reads `--build-arg KEY` from its environment. */
export function buildArgv(p: BuildAndPushParams, builder: ResolvedBuilder, repositoryUri: string, labels: [string, string][], metadataFile?: string): string[] {
  const a: string[] = builder === 'buildx' ? ['buildx', 'build'] : ['build'];
  a.push('--file', p.dockerfile);
  for (const t of p.tags) a.push('--tag', `${repositoryUri}:${t}`);
  for (const [k] of p.buildArgs) a.push('--build-arg', k);
  for (const [k, v] of labels) a.push('--label', `${k}=${v}`);
  if (p.target) a.push('--target', p.target);
  if (p.platforms.length > 0) a.push('--platform', p.platforms.join(','));
  for (const c of p.cacheFrom) a.push('--cache-from', builder === 'buildx' ? cacheSpec('cache-from', c, repositoryUri) : classicCacheFrom(c, repositoryUri));
  if (builder === 'buildx') for (const c of p.cacheTo) a.push('--cache-to', cacheSpec('cache-to', c, repositoryUri));
  // The classic build gets secrets only on BuildKit: chooseBuilder refused them otherwise.
  for (const s of p.secrets) a.push('--secret', s);
  if (builder === 'buildx') {
    a.push(`--provenance=${p.provenance}`, `--sbom=${p.sbom}`);
    // Several platforms cannot be loaded into the local engine: they are pushed, or only built.
    if (p.push) a.push('--push');
    else if (p.platforms.length <= 1) a.push('--load');
    if (metadataFile) a.push('--metadata-file', metadataFile);
  }
  a.push(...p.extraBuildArgs);
  a.push(p.context);
  return a;
}

/** The classic builder takes images to use as cache, not buildx specs. */
function classicCacheFrom(value: string, repositoryUri: string): string {
  const ref = /(?:^|,)ref=([^,]+)/.exec(value)?.[1];
  if (ref) return ref;
  return value.includes('/') ? value : `${repositoryUri}:${value}`;
}

/** The pushes after a classic build (buildx pushes in the build): one `docker push` per tag. */
export function pushArgvs(p: BuildAndPushParams, builder: ResolvedBuilder, repositoryUri: string): string[][] {
  if (!p.push || builder === 'buildx') return [];
  return p.tags.map((t) => ['push', `${repositoryUri}:${t}`]);
}
