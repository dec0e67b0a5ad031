// The orb as the semantic and review checks see it: every component with its file and parameters.
import { COMPONENT_KINDS, isMap } from './source.ts';
import type { ComponentKind, OrbSource } from './source.ts';

/** A declared parameter as written in the source (types are checked by the schema). */
export interface ParamDef {
  type?: unknown;
  default?: unknown;
  enum?: unknown;
  description?: unknown;
}
/** Parameter name → definition. */
export type Params = Record<string, ParamDef>;

/** One component; `base` is its path inside `file` (empty for its own file, [kind, name] inline in @orb.yml). */
export interface Component {
  kind: ComponentKind;
  name: string;
  file: string;
  base: string[];
  data: Record<string, unknown>;
  params: Params;
}

/** Everything the checks resolve names against. */
export interface OrbModel {
  components: Component[];
  byKind: Record<ComponentKind, Map<string, Component>>;
  /** Aliases the orb imports under `orbs:` in @orb.yml. */
  aliases: Set<string>;
}

/** Reads a component's `parameters` map, ignoring entries that are not maps (the schema reports those). */
export function paramsOf(data: unknown): Params {
  const out: Params = {};
  const raw = isMap(data) ? data['parameters'] : undefined;
  if (!isMap(raw)) return out;
  for (const [name, def] of Object.entries(raw)) out[name] = isMap(def) ? (def as ParamDef) : {};
  return out;
}

/** True when a parameter has no default, so every invocation must pass it. */
export function isRequired(def: ParamDef): boolean {
  return !('default' in def);
}

/** Builds the model from a loaded source: file components and components written inline in @orb.yml. */
export function buildModel(src: OrbSource): OrbModel {
  const root = isMap(src.root.data) ? src.root.data : {};
  const byKind = {} as Record<ComponentKind, Map<string, Component>>;
  const components: Component[] = [];
  for (const kind of COMPONENT_KINDS) {
    byKind[kind] = new Map();
    const add = (name: string, file: string, base: string[], data: unknown): void => {
      if (!isMap(data)) return;
      const c: Component = { kind, name, file, base, data, params: paramsOf(data) };
      byKind[kind].set(name, c);
      components.push(c);
    };
    const inline = root[kind];
    if (isMap(inline)) for (const [name, data] of Object.entries(inline)) add(name, src.root.file, [kind, name], data);
    for (const [name, f] of src.components[kind]) add(name, f.file, [], f.data);
  }
  const orbs = root['orbs'];
  return { components, byKind, aliases: new Set(isMap(orbs) ? Object.keys(orbs) : []) };
}
