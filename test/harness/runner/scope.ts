// Component scopes: the user's config and each orb, with orbs resolved from given sources.
import { parse } from 'yaml';
import type { ScalarTag, Tags } from 'yaml';
import { ConfigError } from './types.ts';
import { isPlainMap } from './interpolate.ts';

/** The components one config or orb defines, and the orbs it imports under their aliases. */
export interface Scope {
  /** 'config' for the user's file; the alias path for an orb, e.g. 'aws-oidc' or 'aws-oidc/node'. */
  id: string;
  commands: Record<string, unknown>;
  jobs: Record<string, unknown>;
  executors: Record<string, unknown>;
  orbs: Record<string, Scope>;
}

export type ComponentKind = 'commands' | 'jobs' | 'executors';

const ORB_REF = /^([a-z0-9_-]+)\/([a-z0-9_-]+)@(.+)$/;
// A URL orb: the orb file at an https URL (CircleCI fetches it when the organization's allow-list has a prefix of it).
// https://circleci.com/docs/orbs/author/create-test-and-use-url-orbs/
const URL_REF = /^https:\/\/\S+$/;
const KIND_WORD: Record<ComponentKind, string> = { commands: 'command', jobs: 'job', executors: 'executor' };

// CircleCI reads YAML with SnakeYAML's 1.1 rules, which differ from the yaml package's 1.1 schema
// in two ways that matter for configs: a lone y or n stays a string (not a boolean), and a lone
// dot (`root: .`) stays a string (not NaN).
const SNAKE_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const SNAKE_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
const SNAKE_FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;
function snakeYaml(tags: Tags): Tags {
  return tags.map((t) => {
    if (typeof t !== 'object' || !('test' in t) || !(t.test instanceof RegExp)) return t;
    let test: RegExp | undefined;
    if (t.tag === 'tag:yaml.org,2002:bool') test = t.identify?.(true) ? SNAKE_TRUE : SNAKE_FALSE;
    else if (t.tag === 'tag:yaml.org,2002:float' && t.test.test('.')) test = SNAKE_FLOAT;
    // Same tag, narrower test; the cast only bridges exactOptionalPropertyTypes on a spread.
    return test ? ({ ...t, test } as ScalarTag) : t;
  });
}

/** Parses YAML the way CircleCI does (YAML 1.1 booleans as SnakeYAML reads them, `<<:` merge keys). */
export function parseYaml(text: string, what: string): unknown {
  try {
    return parse(text, { version: '1.1', merge: true, maxAliasCount: 10_000, customTags: snakeYaml });
  } catch (e) {
    throw new ConfigError(`Unable to parse YAML of ${what}: ${(e as Error).message}`);
  }
}

function mapOf(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isPlainMap(v)) throw new ConfigError(`${what} must be a map`);
  return v;
}

/**
 * Builds a scope from a parsed config or orb, resolving its `orbs:` through `sources` (keyed by the reference as
 * written, a registry reference or a URL orb's URL, or by the alias). An inline orb (a map) is used as written.
 */
export function buildScope(doc: unknown, id: string, sources: Record<string, string>, depth = 0): Scope {
  if (!isPlainMap(doc)) throw new ConfigError(`${id === 'config' ? 'Config' : `Orb '${id}'`} must be a map`);
  if (depth > 8) throw new ConfigError(`Orb imports nested too deeply at '${id}'`);
  const orbs: Record<string, Scope> = {};
  for (const [alias, ref] of Object.entries(mapOf(doc.orbs, `orbs in ${id}`))) {
    const childId = id === 'config' ? alias : `${id}/${alias}`;
    if (isPlainMap(ref)) {
      orbs[alias] = buildScope(ref, childId, sources, depth + 1);
      continue;
    }
    if (typeof ref !== 'string' || !(ORB_REF.test(ref) || URL_REF.test(ref))) {
      throw new ConfigError(`Invalid orb reference for '${alias}': ${JSON.stringify(ref)} (expected <namespace>/<orb>@<version>, or the https URL of a URL orb)`);
    }
    const text = sources[ref] ?? sources[childId] ?? sources[alias];
    if (text === undefined) throw new ConfigError(`Cannot find orb '${ref}' (imported as '${alias}'): no source was given for it`);
    orbs[alias] = buildScope(parseYaml(text, `orb ${ref}`), childId, sources, depth + 1);
  }
  return {
    id,
    commands: mapOf(doc.commands, `commands in ${id}`),
    jobs: mapOf(doc.jobs, `jobs in ${id}`),
    executors: mapOf(doc.executors, `executors in ${id}`),
    orbs,
  };
}

/** A component found by name, with the scope its body must be expanded in. */
export interface Resolved {
  def: Record<string, unknown>;
  scope: Scope;
  /** Identity for recursion checks: '<scope id>:<kind>:<local name>'. */
  key: string;
}

/**
 * Finds `name` (local, or `alias/name` for an orb's component) from `scope`.
 * Inside an orb, its own components are named without a prefix, as in CircleCI.
 */
export function resolve(scope: Scope, kind: ComponentKind, name: string): Resolved | undefined {
  const slash = name.indexOf('/');
  let target = scope;
  let local = name;
  if (slash >= 0) {
    const orb = scope.orbs[name.slice(0, slash)];
    if (!orb) return undefined;
    target = orb;
    local = name.slice(slash + 1);
  }
  if (!Object.hasOwn(target[kind], local)) return undefined;
  const def = target[kind][local];
  if (def !== null && def !== undefined && !isPlainMap(def)) {
    throw new ConfigError(`The ${KIND_WORD[kind]} '${name}' must be a map`);
  }
  return { def: (def ?? {}) as Record<string, unknown>, scope: target, key: `${target.id}:${kind}:${local}` };
}

/** Like resolve, but refuses a missing component with CircleCI's message. */
export function mustResolve(scope: Scope, kind: ComponentKind, name: string): Resolved {
  const found = resolve(scope, kind, name);
  if (!found) throw new ConfigError(`Cannot find a definition for ${KIND_WORD[kind]} named ${name}`);
  return found;
}
