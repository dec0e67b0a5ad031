// Reads an orb source directory (CircleCI's unpacked layout) into parsed files, one per component.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

/** The component directories `circleci orb pack` turns into top-level keys, in packed order. */
export const COMPONENT_KINDS = ['commands', 'executors', 'jobs', 'examples'] as const;
/** The folders an orb source may hold: the component folders, and scripts/ for include targets. */
export const SOURCE_FOLDERS: ReadonlySet<string> = new Set([...COMPONENT_KINDS, 'scripts']);
/** One of the four component kinds. */
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/** A parsed YAML file of the orb source; `file` is relative to the source dir. */
export interface SourceFile {
  file: string;
  data: unknown;
}

/** The whole orb source: @orb.yml plus every component file, by kind and name. */
export interface OrbSource {
  dir: string;
  root: SourceFile;
  components: Record<ComponentKind, Map<string, SourceFile>>;
}

/** Error for an orb source the packer refuses; the message starts with the offending file. */
export class OrbSourceError extends Error {
  override name = 'OrbSourceError';
}

const YAML_EXT = /\.(ya?ml)$/;

/** Parses one YAML file strictly (duplicate keys and multiple documents are errors, as in Go's yaml.v3). */
export function readYamlFile(srcDir: string, rel: string): SourceFile {
  const text = readFileSync(path.join(srcDir, rel), 'utf8');
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new OrbSourceError(`${rel}: invalid YAML: ${first ? first.message : 'unknown error'}`);
  }
  return { file: rel, data: doc.toJS({ maxAliasCount: 100 }) as unknown };
}

/** True for a plain YAML map (not an array, not a scalar). */
export function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function readKind(srcDir: string, kind: ComponentKind): Map<string, SourceFile> {
  const out = new Map<string, SourceFile>();
  const dir = path.join(srcDir, kind);
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir).sort()) {
    const rel = `${kind}/${entry}`;
    // Dot files (.gitkeep) carry no component; the CLI skips dot folders and we skip both.
    if (entry.startsWith('.')) continue;
    if (statSync(path.join(dir, entry)).isDirectory()) {
      throw new OrbSourceError(`${rel}: nested directories are not components (one file per component in ${kind}/)`);
    }
    if (!YAML_EXT.test(entry)) {
      // The CLI would turn this into an empty component named after the file; refuse it instead.
      throw new OrbSourceError(`${rel}: not a .yml/.yaml file; component directories hold only YAML files`);
    }
    const name = entry.replace(YAML_EXT, '');
    const prior = out.get(name);
    if (prior) {
      // The CLI merges both maps shallowly in an order Go leaves undefined: never what anyone meant.
      throw new OrbSourceError(`${rel}: duplicate ${kind} component '${name}' (also defined by ${prior.file})`);
    }
    const parsed = readYamlFile(srcDir, rel);
    // An empty file packs to an empty map in the CLI; a list or scalar makes the CLI crash.
    if (parsed.data === null || parsed.data === undefined) parsed.data = {};
    if (!isMap(parsed.data)) {
      throw new OrbSourceError(`${rel}: a component file must be a YAML map, found ${Array.isArray(parsed.data) ? 'a list' : typeof parsed.data}`);
    }
    out.set(name, parsed);
  }
  return out;
}

/** Loads an orb source dir; throws OrbSourceError naming the file for anything `orb pack` would refuse or mangle. */
export function loadOrbSource(srcDir: string): OrbSource {
  if (!existsSync(path.join(srcDir, '@orb.yml'))) {
    throw new OrbSourceError(`@orb.yml: not found in ${srcDir}; is this the orb source root?`);
  }
  for (const entry of readdirSync(srcDir).sort()) {
    const stat = statSync(path.join(srcDir, entry));
    // The CLI merges any other root YAML file into the orb's top level; that hides config, so refuse.
    if (entry !== '@orb.yml' && YAML_EXT.test(entry) && stat.isFile()) {
      throw new OrbSourceError(`${entry}: only @orb.yml may sit at the root of the orb source`);
    }
    // The CLI walks only the component folders (and skips dot folders): any other folder is dropped in silence.
    if (stat.isDirectory() && !entry.startsWith('.') && !SOURCE_FOLDERS.has(entry)) {
      throw new OrbSourceError(`${entry}/: unknown folder in the orb source; \`circleci orb pack\` reads only ${COMPONENT_KINDS.map((k) => `${k}/`).join(', ')} (and includes read files from scripts/), so it would drop this folder without a word: move its files into one of those, or out of the orb source`);
    }
  }
  const root = readYamlFile(srcDir, '@orb.yml');
  if (!isMap(root.data)) throw new OrbSourceError('@orb.yml: must be a YAML map');
  const components = {} as Record<ComponentKind, Map<string, SourceFile>>;
  for (const kind of COMPONENT_KINDS) components[kind] = readKind(srcDir, kind);
  return { dir: srcDir, root, components };
}
