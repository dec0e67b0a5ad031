// SCHEMA rule: each orb source file is validated with ajv against orb-source.schema.json (draft-07).
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { at } from './findings.ts';
import type { Finding } from './findings.ts';
import type { ComponentKind, OrbSource } from './source.ts';

const SCHEMA_ID = 'orb-source.schema.json';
const DEFINITION: Record<ComponentKind | 'root', string> = {
  root: 'orbRoot',
  commands: 'command',
  executors: 'executor',
  jobs: 'job',
  examples: 'example',
};

let ajv: Ajv | undefined;

function validatorFor(def: string): ValidateFunction {
  if (!ajv) {
    // strictTypes/strictRequired off: unions like ["string", "object"] with if/then, and `required`
    // inside if/then/oneOf branches naming properties declared by the parent, are deliberate.
    ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, verbose: true });
    ajv.addSchema(JSON.parse(readFileSync(new URL(`./${SCHEMA_ID}`, import.meta.url), 'utf8')) as object, SCHEMA_ID);
  }
  const v = ajv.getSchema(`${SCHEMA_ID}#/definitions/${def}`);
  if (!v) throw new Error(`schema definition ${def} missing from ${SCHEMA_ID}`);
  return v;
}

// ajv reports the branches of if/oneOf/anyOf as well as the summary; keep one readable line per problem.
function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown key '${String(p['additionalProperty'])}'`;
    case 'enum':
      return e.propertyName !== undefined
        ? `unknown key '${e.propertyName}'`
        : `must be one of: ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'oneOf':
    case 'anyOf': {
      // The schema carries the human wording for each alternative set in a $comment.
      const comment = (e.parentSchema as { $comment?: unknown } | undefined)?.$comment;
      return typeof comment === 'string' ? comment : `must match ${e.keyword === 'oneOf' ? 'exactly one' : 'one'} of the allowed forms`;
    }
    default:
      return e.message ?? e.keyword;
  }
}

function toFindings(file: string, errors: readonly ErrorObject[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  // A failed oneOf/anyOf already says what was expected; its branches' own errors are noise. The oneOf
  // branches are plain `required` lists (found by schema path); anyOf branches are refs (found by value path).
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    if (/\/oneOf\/\d+\//.test(e.schemaPath)) continue;
    if (e.keyword !== 'anyOf' && anyOfPaths.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`))) continue;
    const where = at(file, e.instancePath.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~')));
    const message = describe(e);
    const key = `${where}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ rule: 'SCHEMA', where, message });
  }
  return out;
}

/** Validates one value against a named schema definition (orbRoot, command, executor, job, example). */
export function validateAgainst(def: string, file: string, data: unknown): Finding[] {
  const validate = validatorFor(def);
  return validate(data) ? [] : toFindings(file, validate.errors ?? []);
}

/** Runs the SCHEMA rule over @orb.yml and every component file. */
export function checkSchema(src: OrbSource): Finding[] {
  const out = validateAgainst(DEFINITION.root, src.root.file, src.root.data);
  for (const [kind, files] of Object.entries(src.components) as [ComponentKind, Map<string, { file: string; data: unknown }>][]) {
    for (const f of files.values()) out.push(...validateAgainst(DEFINITION[kind], f.file, f.data));
  }
  return out;
}
