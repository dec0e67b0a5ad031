// orb-tools `review` rules, as CircleCI-Public/orb-tools-orb src/scripts/review.bats defines them.
// RC010 (snake_case component and parameter names) is OFF on purpose: this orb's step and parameter
// names are kebab-case (`role-arn`, `assume-role-with-oidc`), like the CircleCI built-ins users know.
// RC006/RC007 (URLs answer HTTP 200) need the internet and are not run here.
import path from 'node:path';
import { at } from './findings.ts';
import type { Finding } from './findings.ts';
import type { OrbModel } from './model.ts';
import { isMap } from './source.ts';
import type { OrbSource } from './source.ts';

/** Options for the review rules; defaults are orb-tools' own. */
export interface ReviewOptions {
  /** RC009 limit: orb-tools' `max_command_length` parameter defaults to 64. */
  maxCommandLength?: number;
  /** RC011 needs the orb name and a release tag `vX.Y.Z`; without them orb-tools skips it, as we do. */
  orbName?: string;
  releaseTag?: string;
}

/** The review rules this project runs, in order; RC010 is deliberately absent. */
export const REVIEW_RULES = ['RC001', 'RC002', 'RC003', 'RC004', 'RC005', 'RC008', 'RC009', 'RC011', 'RC012'] as const;

// yq prints a missing value as `null`, and bash's $(...) drops trailing newlines: the bats rules measure that text.
function yqText(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  return (typeof v === 'string' ? v : JSON.stringify(v)).replace(/\n+$/, '');
}

/** Every (path, value) under a node whose last path segment is `key` (jq `paths | select(last == key)`). */
function pathsEndingWith(node: unknown, key: string, path: (string | number)[] = [], out: [(string | number)[], unknown][] = []): [(string | number)[], unknown][] {
  if (Array.isArray(node)) node.forEach((v, i) => pathsEndingWith(v, key, [...path, i], out));
  else if (isMap(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push([[...path, k], v]);
      pathsEndingWith(v, key, [...path, k], out);
    }
  }
  return out;
}

function runSteps(src: OrbSource, opts: ReviewOptions): Finding[] {
  const out: Finding[] = [];
  const max = opts.maxCommandLength ?? 64;
  for (const kind of ['jobs', 'commands'] as const) {
    for (const f of src.components[kind].values()) {
      for (const [p, run] of pathsEndingWith(f.data, 'run')) {
        const where = at(f.file, p);
        if (typeof run === 'string') {
          const msg = "this 'run' step uses the string form; write a map with 'name' and 'command'";
          out.push({ rule: 'RC008', where, message: msg }, { rule: 'RC009', where, message: msg });
          continue;
        }
        const step = isMap(run) ? run : {};
        const name = yqText(step['name']);
        if (name === 'null' || name === '""' || name === '') out.push({ rule: 'RC008', where, message: "run step has no 'name' (the CircleCI UI would show the command instead)" });
        const command = yqText(step['command']);
        // review.bats tests `=~ \<\<include\(*`: unanchored, so any `<<include` anywhere exempts the command.
        if ([...command].length > max && !command.includes('<<include')) {
          out.push({ rule: 'RC009', where: at(f.file, [...p, 'command']), message: `command is longer than ${max} characters; move it to a script and use <<include(scripts/...)>>` });
        }
      }
    }
  }
  return out;
}

function rc011(src: OrbSource, opts: ReviewOptions): Finding[] {
  const tag = /^v(\d+)\.\d+\.\d+$/.exec(opts.releaseTag ?? '');
  if (!opts.orbName || !tag) return [];
  const out: Finding[] = [];
  for (const f of src.components.examples.values()) {
    const orbs = isMap(f.data) && isMap(f.data['usage']) ? f.data['usage']['orbs'] : undefined;
    // review.bats reads usage.orbs[<orb name>]; we also accept any alias whose reference names the orb.
    const entries = isMap(orbs) ? Object.entries(orbs) : [];
    const ref = entries.find(([k]) => k === opts.orbName)?.[1] ?? entries.find(([, v]) => typeof v === 'string' && v.split('@')[0]?.endsWith(`/${opts.orbName}`))?.[1];
    const version = yqText(ref).split('@')[1] ?? yqText(ref);
    const major = version.split('.')[0];
    if (major !== tag[1]) {
      out.push({ rule: 'RC011', where: at(f.file, ['usage', 'orbs']), message: `usage example shows ${opts.orbName} version '${version}', not the current major version ${tag[1]} (release ${opts.releaseTag})` });
    }
  }
  return out;
}

function rc012(src: OrbSource): Finding[] {
  const out: Finding[] = [];
  for (const kind of ['jobs', 'commands', 'executors'] as const) {
    for (const f of src.components[kind].values()) {
      const params = isMap(f.data) && isMap(f.data['parameters']) ? f.data['parameters'] : {};
      for (const [name, def] of Object.entries(params)) {
        const value = isMap(def) ? yqText(def['default']) : '';
        // An env var default (`$X`, `${X}`) is expanded by the shell, never inside CircleCI keys like cache keys.
        if (!value.includes('$') || value.endsWith('$')) continue;
        const hits: [(string | number)[], string][] = [];
        const walk = (node: unknown, p: (string | number)[]): void => {
          if (typeof node === 'string' && node.includes(name)) hits.push([p, node]);
          else if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...p, i]));
          else if (isMap(node)) for (const [k, v] of Object.entries(node)) walk(v, [...p, k]);
        };
        walk(f.data, []);
        for (const [p] of hits.filter(([p]) => String(p[p.length - 1]).endsWith('key'))) {
          out.push({ rule: 'RC012', where: at(f.file, p), message: `parameter '${name}' defaults to an environment variable (${value}) and is used in a key property, where CircleCI does not expand it` });
        }
      }
    }
  }
  return out;
}

/** Runs the enabled orb-tools review rules on the orb source. */
export function checkReview(src: OrbSource, _model: OrbModel, opts: ReviewOptions = {}): Finding[] {
  const out: Finding[] = [];
  const root = isMap(src.root.data) ? src.root.data : {};
  const display = isMap(root['display']) ? root['display'] : {};
  if (display['source_url'] === undefined || display['source_url'] === null) {
    out.push({ rule: 'RC001', where: at('@orb.yml', ['display', 'source_url']), message: "set 'source_url' under 'display' in @orb.yml" });
  }
  for (const kind of ['jobs', 'examples', 'commands', 'executors'] as const) {
    for (const f of src.components[kind].values()) {
      const d = isMap(f.data) ? f.data['description'] : undefined;
      if (d === undefined || d === null || d === '') out.push({ rule: 'RC002', where: f.file, message: `${kind.slice(0, -1)} has no description` });
    }
  }
  if (src.components.examples.size === 0) out.push({ rule: 'RC003', where: 'examples/', message: 'the orb has no usage example' });
  for (const f of src.components.examples.values()) {
    // review.bats means to flag example file names containing "example" (its find is broken, so it never does).
    if (path.basename(f.file).includes('example')) out.push({ rule: 'RC004', where: f.file, message: "usage example file names should be descriptive and not contain the word 'example'" });
  }
  const description = yqText(root['description']);
  const chars = [...description].length;
  if (chars < 64) out.push({ rule: 'RC005', where: at('@orb.yml', ['description']), message: `orb description is short (${chars} < 64 characters); say what use case the orb solves` });
  out.push(...runSteps(src, opts), ...rc011(src, opts), ...rc012(src));
  return out;
}
