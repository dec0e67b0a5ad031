// Packs src/orb into one orb YAML with `circleci orb pack` semantics.
// CLI: npx tsx tools/pack.ts [srcDir=src/orb] [out=dist/orb.yml]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Document } from 'yaml';
import { inlineIncludes } from './orb/include.ts';
import { COMPONENT_KINDS, OrbSourceError, isMap, loadOrbSource } from './orb/source.ts';
import type { OrbSource } from './orb/source.ts';
import { at } from './orb/findings.ts';

// The keys the CLI's OrbSchema keeps; it silently drops any other, which we refuse instead.
const ROOT_KEYS = new Set(['version', 'description', 'display', 'orbs', ...COMPONENT_KINDS]);
const EXAMPLE_KEYS = new Set(['description', 'usage', 'result']);
const USAGE_KEYS = new Set(['version', 'setup', 'orbs', 'jobs', 'workflows']);
// Only these sections get includes inlined by the CLI (not examples, not display).
const INCLUDE_KINDS = new Set(['commands', 'executors', 'jobs']);

function checkExampleKeys(file: string, example: Record<string, unknown>): void {
  for (const key of Object.keys(example)) {
    if (!EXAMPLE_KEYS.has(key)) throw new OrbSourceError(`${file}: unknown example key '${key}' (the CLI would drop it)`);
  }
  for (const part of ['usage', 'result'] as const) {
    const v = example[part];
    if (!isMap(v)) continue;
    for (const key of Object.keys(v)) {
      if (!USAGE_KEYS.has(key)) throw new OrbSourceError(`${file}: unknown key '${part}.${key}' (the CLI would drop it)`);
    }
  }
}

const YAML11_TRUE = /^(y|yes|on)$/i;
const YAML11_FALSE = /^(n|no|off)$/i;

/** Refuses a boolean parameter whose default is a string. `circleci orb pack` reads YAML 1.2 (Go's yaml.v3),
 *  so `default: on` (or yes, no, off, y, n in any case) stays the string "on", which CircleCI then refuses
 *  for a boolean; older CLIs read YAML 1.1 and packed true. Rather than pick one, the packer refuses it. */
export function checkBooleanDefaults(file: string, prefix: string[], component: unknown): void {
  const params = isMap(component) ? component['parameters'] : undefined;
  if (!isMap(params)) return;
  for (const [name, def] of Object.entries(params)) {
    if (!isMap(def) || def['type'] !== 'boolean' || typeof def['default'] !== 'string') continue;
    const text = def['default'];
    const where = at(file, [...prefix, 'parameters', name, 'default']);
    const meant = YAML11_TRUE.test(text) ? 'true' : YAML11_FALSE.test(text) ? 'false' : null;
    throw new OrbSourceError(meant
      ? `${where}: boolean parameter '${name}' has default '${text}', a YAML 1.1 boolean that orb pack keeps as the string "${text}" (CircleCI refuses a string default for a boolean); write default: ${meant}`
      : `${where}: boolean parameter '${name}' has the string default ${JSON.stringify(text)}; write default: true or default: false`);
  }
}

/** Builds the packed orb as plain data, includes inlined, in the packed key order. */
export function assembleOrb(src: OrbSource): Record<string, unknown> {
  const root = src.root.data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(root)) {
    if (!ROOT_KEYS.has(key)) throw new OrbSourceError(`@orb.yml: unknown top-level key '${key}' (the CLI would drop it)`);
    if (!(COMPONENT_KINDS as readonly string[]).includes(key)) out[key] = value;
  }
  for (const kind of COMPONENT_KINDS) {
    const inline = root[kind];
    if (inline !== undefined && inline !== null && !isMap(inline)) throw new OrbSourceError(`@orb.yml: '${kind}' must be a map`);
    const entries: [string, string, unknown][] = Object.entries(inline ?? {}).map(([n, d]) => [n, `@orb.yml`, d]);
    for (const [name, f] of src.components[kind]) {
      if (inline && name in inline) throw new OrbSourceError(`${f.file}: ${kind} '${name}' is also defined inline in @orb.yml`);
      entries.push([name, f.file, f.data]);
    }
    if (entries.length === 0) continue;
    const section: Record<string, unknown> = {};
    for (const [name, file, data] of entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const prefix = file === '@orb.yml' ? [kind, name] : [];
      if (kind === 'examples' && isMap(data)) checkExampleKeys(file, data);
      else checkBooleanDefaults(file, prefix, data);
      section[name] = INCLUDE_KINDS.has(kind)
        ? inlineIncludes(data, src.dir, (p) => at(file, [...prefix, ...p]))
        : data;
    }
    out[kind] = section;
  }
  return out;
}

/** Serialises packed orb data: block literals for multi-line strings, no line folding, and
 *  YAML 1.1-safe quoting (CircleCI reads `yes`/`on` as booleans), so it re-parses to the same data. */
export function stringifyOrb(orb: Record<string, unknown>): string {
  return new Document(orb, { version: '1.1' }).toString({ lineWidth: 0, blockQuote: 'literal' });
}

/** Packs the orb source directory and returns the packed YAML text. */
export function packOrb(srcDir: string): string {
  return stringifyOrb(assembleOrb(loadOrbSource(srcDir)));
}

function main(argv: string[]): number {
  const [srcDir = 'src/orb', out = 'dist/orb.yml'] = argv;
  try {
    const text = packOrb(srcDir);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, text);
    console.log(`packed ${srcDir} -> ${out} (${Buffer.byteLength(text)} bytes)`);
    return 0;
  } catch (e) {
    console.error(`pack failed: ${(e as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
