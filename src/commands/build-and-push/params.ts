// The build-and-push parameters, typed and checked before anything is called, built or pushed.
import { isAbsolute, relative, resolve } from 'node:path';
import { OrbError, ParamError } from '../../lib/errors.ts';
import { boolParam, enumParam, expandVars, profileNameParam, regionParam, registryAccountParam, retryParams, stringParam, rawParam, type Env, type ParamSource } from '../../lib/params.ts';
import type { RetryPolicy } from '../../lib/retry.ts';
import { shellWords } from '../../lib/shell-words.ts';
import { isKind, KINDS, lineList, wordList } from '../../lib/grammar.ts';
import type { RepoPolicies } from '../ecr-images/policies.ts';
import type { ScanGateParams } from '../ecr-images/scan-gate.ts';
import { cacheLines } from './cache.ts';

export type Builder = 'auto' | 'buildx' | 'docker';

export interface BuildAndPushParams {
  repo: string;
  tags: string[];
  /** The Dockerfile, as a path relative to the working directory (or absolute inside it). */
  dockerfile: string;
  /** The build context directory. */
  context: string;
  /** KEY -> value; values go to docker through its environment, never argv. */
  buildArgs: [string, string][];
  /** BuildKit secrets, as docker's --secret specs (id=...,env=... or id=...,src=...). */
  secrets: string[];
  target: string;
  platforms: string[];
  cacheFrom: string[];
  cacheTo: string[];
  ociLabels: boolean;
  labels: [string, string][];
  provenance: boolean;
  sbom: boolean;
  push: boolean;
  skipWhenTagsExist: boolean;
  createRepo: boolean;
  repoScanOnPush: boolean;
  repoTagMutability: 'MUTABLE' | 'IMMUTABLE';
  repoEncryptionType: 'AES256' | 'KMS';
  repoKmsKey: string;
  extraBuildArgs: string[];
  builder: Builder;
  accountId: string;
  region: string;
  profileName: string;
  retry: RetryPolicy;
  /** Policies for create-repo (src/commands/ecr-images/policies.ts), read by the entry point: files are read there. */
  policies?: RepoPolicies;
  /** The scan gate after the push (src/commands/ecr-images/scan-gate.ts). */
  scanGate?: ScanGateParams;
}

/** A platform (os/arch[/variant]), a build arg name and a label key, as docker takes them. */
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** Non-empty trimmed lines of a multi-line parameter. */
const lines = lineList;
/** Items of a list parameter: comma-, space- or line-separated. */
const items = wordList;

/** A path parameter: relative to the working directory and inside it, so `../` cannot reach the rest of the machine. */
function insidePath(param: string, value: string, cwd: string): string {
  if (value.includes('\0') || /[\r\n]/.test(value)) throw new ParamError(param, value, 'has a line break or NUL', 'give a path inside the project');
  const abs = resolve(cwd, value);
  const rel = relative(cwd, abs);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ParamError(param, value, 'points outside the working directory', 'give a path inside the project, e.g. . or services/api');
  }
  return rel === '' ? '.' : rel;
}

/**
 * Names docker, buildx or the credential helper (node) read as their own settings: a build arg's value reaches
 * docker through its environment, where these would change docker itself (HTTP_PROXY etc. are lower- or
 * upper-case in Go's net/http, docker's predefined build args too).
 */
const OWN_NAME = /^(?:(?:HTTPS?|NO|ALL|FTP)_PROXY|PATH|HOME|(?:NODE|LD|DOCKER|BUILDKIT|BUILDX|SSL_CERT)_.*)$/i;

/**
 * A build arg's name: refused (ParamError on `param`) when not a name, or when docker would read it as its own
 * setting (OWN_NAME) and its value comes from a variable (`fromVar`) or holds a URL's user:password (`value`).
 * Such a name with another value written in the config goes on docker's command line instead (see parseParams):
 * that value is no secret, the config shows it.
 */
function argName(param: string, k: string, fromVar = false, value = ''): string {
  if (!ARG_NAME.test(k)) throw new ParamError(param, k, 'is not a build arg name', 'use letters, digits and _, e.g. APP_ENV');
  // A proxy URL's password would be on docker's command line, which any process on the machine may read.
  if (OWN_NAME.test(k) && /\/\/[^/@]*:[^/@]*@/.test(value)) {
    throw new ParamError(param, k, `${k}'s value holds a user:password, which would be on docker's command line`, `set ${k} in the job's environment and write --build-arg ${k} with no value`);
  }
  if (fromVar && OWN_NAME.test(k)) {
    throw new ParamError(param, k, `${k} cannot take its value from a variable here: build arg values reach docker through its environment, where ${k} steers docker itself`,
      `set ${k} in the job's environment and write --build-arg ${k} (no value) in extra-build-args: docker fills it from its own environment`);
  }
  return k;
}

/** expandVars, refusing the ${...} forms it does not expand (${VAR:-default}, ${#VAR}...), which would pass literally. */
function expand(param: string, value: string, env: Env): string {
  const bad = /\$\{(?![A-Za-z_]\w*\})[^}]*\}?/.exec(value)?.[0];
  if (bad) throw new ParamError(param, bad, 'uses a ${...} form that is not expanded here', 'write $VAR or ${VAR} only, and set the value in the job\'s environment');
  return expandVars(param, value, env);
}

/** KEY=VALUE lines; values may name $VARS, expanded here without eval. */
function pairs(raw: ParamSource, env: Env, param: string, key: RegExp, keyWord: string): [string, string][] {
  return lines(rawParam(raw, param)).map((line) => {
    const eq = line.indexOf('=');
    const k = eq > 0 ? line.slice(0, eq).trim() : line;
    if (eq <= 0 || !key.test(k)) {
      throw new ParamError(param, line, `each line must be ${keyWord}=VALUE`, `write one ${keyWord}=VALUE per line, e.g. ${param === 'labels' ? 'team=web' : 'APP_ENV=production'}`);
    }
    const v = line.slice(eq + 1);
    return [param === 'build-args' ? argName(param, k, v.includes('$'), v) : k, expand(param, v, env)];
  });
}

/** A KMS key: a key id, or an ARN or alias of a key. */
const KMS_KEY = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]{1,250}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key\/[A-Za-z0-9-]{1,64}|alias\/[A-Za-z0-9/_-]{1,250}))$/;

/**
 * The step's parameters as one typed object (pure: the environment is passed in for `${VAR}` tags and
 * `env_var_name` values; `cwd` anchors path and dockerfile). Throws a ParamError naming the parameter
 * and the bad value; the checks run in the parameters' order below.
 */
export function parseParams(raw: ParamSource, env: Env, cwd: string): BuildAndPushParams {
  const repo = repoParam(raw, env);
  const tags = tagsParam(raw, env);
  const context = insidePath('path', stringParam(raw, env, 'path') || '.', cwd);
  const dockerfileParam = stringParam(raw, env, 'dockerfile') || 'Dockerfile';
  // As in the official orb, the Dockerfile is named relative to the build context.
  const dockerfile = insidePath('dockerfile', isAbsolute(dockerfileParam) ? dockerfileParam : resolve(cwd, context, dockerfileParam), cwd);
  const secrets = secretsParam(raw);
  const platforms = platformsParam(raw, env);
  const region = regionParam(raw, env);
  const accountId = registryAccountParam(raw, env);
  const profileName = profileNameParam(raw, env);
  // Names docker reads itself, with a value written in the config, go on its command line, not in its environment.
  const own: string[] = [];
  const buildArgs = pairs(raw, env, 'build-args', ARG_NAME, 'KEY').filter(([k, v]) => !(OWN_NAME.test(k) && own.push('--build-arg', `${k}=${v}`)));
  const extraBuildArgs = [...own, ...extraBuildArgsParam(raw, env, buildArgs)];
  const repoKmsKey = kmsKeyParam(raw, env);
  const target = targetParam(raw, env);
  return {
    repo, tags, dockerfile, context,
    buildArgs,
    secrets, target, platforms,
    cacheFrom: cacheLines(raw, env, 'cache-from'),
    cacheTo: cacheLines(raw, env, 'cache-to'),
    ociLabels: boolParam(raw, env, 'oci-labels', true),
    labels: pairs(raw, env, 'labels', LABEL_KEY, 'key'),
    provenance: boolParam(raw, env, 'provenance', false),
    sbom: boolParam(raw, env, 'sbom', false),
    push: boolParam(raw, env, 'push', true),
    skipWhenTagsExist: boolParam(raw, env, 'skip-when-tags-exist', false),
    createRepo: boolParam(raw, env, 'create-repo', false),
    repoScanOnPush: boolParam(raw, env, 'repo-scan-on-push', true),
    repoTagMutability: enumParam(raw, env, 'repo-tag-mutability', ['MUTABLE', 'IMMUTABLE'] as const, 'MUTABLE'),
    repoEncryptionType: enumParam(raw, env, 'repo-encryption-type', ['AES256', 'KMS'] as const, 'AES256'),
    repoKmsKey,
    extraBuildArgs,
    builder: enumParam(raw, env, 'builder', ['auto', 'buildx', 'docker'] as const, 'auto'),
    accountId, region, profileName,
    retry: retryParams(raw, env),
  };
}

/** repo: required, an ECR repository name. */
function repoParam(raw: ParamSource, env: Env): string {
  const repo = stringParam(raw, env, 'repo');
  if (!repo) throw new ParamError('repo', repo, 'is required', 'name the ECR repository, e.g. webapp or team/api');
  if (!isKind('repository', repo)) {
    throw new ParamError('repo', repo, `is not ${KINDS.repository.what}`, 'use a name such as webapp or team/api');
  }
  return repo;
}

/** tag: a list of tags (default `${CIRCLE_SHA1}`), variables expanded; at least one, each once. */
function tagsParam(raw: ParamSource, env: Env): string[] {
  const tagText = rawParam(raw, 'tag') || '${CIRCLE_SHA1}';
  const tags = items(tagText).map((t) => expandVars('tag', t, env));
  for (const t of tags) {
    if (!isKind('tag', t)) throw new ParamError('tag', t, `is not ${KINDS.tag.what}`, 'use tags such as latest, v1.2.3 or ${CIRCLE_SHA1}');
  }
  if (tags.length === 0) throw new ParamError('tag', tagText, 'names no tag', 'give at least one tag');
  if (new Set(tags).size !== tags.length) throw new ParamError('tag', tagText, 'names a tag twice', 'list each tag once');
  return tags;
}

/** secrets: one buildx secret a line, id=<id>,env=<VARIABLE> or id=<id>,src=<file>. */
function secretsParam(raw: ParamSource): string[] {
  const secrets = lines(rawParam(raw, 'secrets'));
  for (const s of secrets) {
    if (!/^id=[A-Za-z0-9_.-]+,(?:env|src)=[^,\s]+$/.test(s)) {
      throw new ParamError('secrets', s, 'each line must be id=<id>,env=<VARIABLE> or id=<id>,src=<file>', 'e.g. id=npmrc,src=.npmrc or id=token,env=GITHUB_TOKEN');
    }
  }
  return secrets;
}

/** platform: a list of os/arch[/variant]. */
function platformsParam(raw: ParamSource, env: Env): string[] {
  const platforms = items(stringParam(raw, env, 'platform'));
  for (const p of platforms) if (!PLATFORM.test(p)) throw new ParamError('platform', p, 'is not a platform (os/arch[/variant])', 'e.g. linux/amd64 or linux/amd64,linux/arm64');
  return platforms;
}

/**
 * extra-build-args: split into words as a shell would (quotes, backslashes), $VAR and ${VAR} expanded outside
 * single quotes (expandVars), never evaluated. A `--build-arg NAME=value` joins `args` (build-args), so that
 * its value reaches docker through its environment, never its argv.
 */
function extraBuildArgsParam(raw: ParamSource, env: Env, args: [string, string][]): string[] {
  const P = 'extra-build-args';
  const text = rawParam(raw, P);
  let words: string[], literal: string[];
  try {
    literal = shellWords(text, P);
    words = shellWords(text, P, (run) => expand(P, run, env));
  } catch (err) {
    throw err instanceof ParamError ? err : new ParamError(P, text, (err as OrbError).message.slice(P.length + 1), 'close the quote, or escape it with \\');
  }
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    // "--build-arg K=v" as one word: docker refuses it, and it would show the value on docker's command line.
    if (/^--build-arg\s/.test(w)) throw new ParamError(P, `${w.split('=')[0] as string}=...`, 'holds --build-arg and its value in one word', 'write --build-arg and NAME=value as two words, without quotes around both');
    const spec = w.startsWith('--build-arg=') ? w.slice(12) : w === '--build-arg' ? words[++i] : undefined;
    const fromVar = literal[i] !== words[i];
    if (w === '--build-arg' && spec === undefined) throw new ParamError(P, w, 'ends with --build-arg and no NAME=value', 'give the build arg after it, e.g. --build-arg APP_ENV=production');
    if (spec === undefined) { out.push(w); continue; }
    const eq = spec.indexOf('=');
    const k = argName(P, eq < 0 ? spec : spec.slice(0, eq), eq > 0 && fromVar, spec.slice(eq + 1));
    if (eq < 0 || OWN_NAME.test(k)) out.push('--build-arg', spec);
    else args.push([k, spec.slice(eq + 1)]);
  }
  return out;
}

/** repo-kms-key: empty, or a KMS key id, key ARN or alias. */
function kmsKeyParam(raw: ParamSource, env: Env): string {
  const repoKmsKey = stringParam(raw, env, 'repo-kms-key');
  if (repoKmsKey && !KMS_KEY.test(repoKmsKey)) {
    throw new ParamError('repo-kms-key', repoKmsKey, 'is not a KMS key id, key ARN or alias', 'e.g. alias/ecr, or arn:aws:kms:us-east-1:123456789012:key/<key id>');
  }
  return repoKmsKey;
}

/** target: empty, or a build stage name. */
function targetParam(raw: ParamSource, env: Env): string {
  const target = stringParam(raw, env, 'target');
  if (target && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(target)) throw new ParamError('target', target, 'is not a build stage name', 'name a stage of the Dockerfile (FROM ... AS <name>)');
  return target;
}
