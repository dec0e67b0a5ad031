// Semantic checks on the orb's own components (SEM001-SEM007); examples are in examples.ts.
import { at } from './findings.ts';
import type { Finding } from './findings.ts';
import { parseInclude, readInclude } from './include.ts';
import { scanInterpolations, walkStrings } from './interpolation.ts';
import { BUILTIN_STEPS, checkArgs, walkSteps } from './invocation.ts';
import type { Component, OrbModel } from './model.ts';
import { isMap } from './source.ts';

const SINGULAR = { commands: 'command', jobs: 'job', executors: 'executor', examples: 'example' } as const;

/** Expressions and includes in every string: SEM001 (undeclared parameter), SEM006 (include), SEM007 (stray `<<`).
 *  In examples, `parameters.x` and `matrix.x` belong to the user's config, so only SEM006/SEM007 apply. */
export function checkStrings(c: Component, srcDir: string): Finding[] {
  const out: Finding[] = [];
  const userConfig = c.kind === 'examples';
  walkStrings(c.data, (s, path) => {
    const where = at(c.file, [...c.base, ...path]);
    for (const x of scanInterpolations(s)) {
      if (userConfig && (x.kind === 'parameters' || x.kind === 'matrix')) continue;
      if (x.kind === 'parameters' && !(x.name in c.params)) {
        out.push({ rule: 'SEM001', where, message: `'${x.text}' refers to a parameter this ${SINGULAR[c.kind]} does not declare` });
      } else if (x.kind === 'matrix') {
        out.push({ rule: 'SEM007', where, message: `'${x.text}' is only valid in workflows, not inside an orb ${SINGULAR[c.kind]}` });
      } else if (x.kind === 'invalid') {
        out.push({ rule: 'SEM007', where, message: `unescaped '<<' that is not a parameter interpolation ('${x.text}'): move the script to an include or write '\\<<'` });
      } else if (x.kind === 'include') {
        try {
          const target = parseInclude(s);
          // Only commands, jobs and executors get includes inlined by the packer.
          if (c.kind === 'examples') throw new Error('includes are not inlined in examples');
          if (target !== null) readInclude(srcDir, target);
        } catch (e) {
          out.push({ rule: 'SEM006', where, message: (e as Error).message });
        }
      }
    }
  });
  return out;
}

/** SEM005: an enum parameter's default must be one of its values. */
function checkEnumDefaults(c: Component): Finding[] {
  const out: Finding[] = [];
  for (const [name, def] of Object.entries(c.params)) {
    if (def.type !== 'enum' || !('default' in def) || !Array.isArray(def.enum)) continue;
    if (!def.enum.includes(def.default)) {
      out.push({ rule: 'SEM005', where: at(c.file, [...c.base, 'parameters', name, 'default']), message: `default ${JSON.stringify(def.default)} is not one of the enum values (${def.enum.join(', ')})` });
    }
  }
  return out;
}

/** Resolves `name` or `alias/name` to an own component or an imported orb; returns a problem or null. */
function resolve(model: OrbModel, kind: 'commands' | 'executors', name: string): Component | string | null {
  const slash = name.indexOf('/');
  if (slash !== -1) {
    const alias = name.slice(0, slash);
    return model.aliases.has(alias) ? null : `'${name}' uses orb alias '${alias}', which @orb.yml does not import under orbs:`;
  }
  return model.byKind[kind].get(name) ?? `unknown ${SINGULAR[kind]} '${name}'`;
}

/** SEM002/SEM003: every step resolves, and own commands get the right arguments. */
function checkSteps(c: Component, model: OrbModel): Finding[] {
  const out: Finding[] = [];
  walkSteps(c.data['steps'], [...c.base, 'steps'], (step) => {
    const where = at(c.file, step.path);
    const expr = step.bare ? scanInterpolations(step.name)[0] : undefined;
    if (expr) {
      // `- << parameters.steps >>` splices a steps parameter; SEM001 reports it when undeclared.
      const def = c.params[expr.name];
      if (expr.kind === 'parameters' && def && def.type !== 'steps') {
        out.push({ rule: 'SEM002', where, message: `'${step.name}' is used as steps but parameter '${expr.name}' has type ${String(def.type)}` });
      }
      return;
    }
    if (BUILTIN_STEPS.has(step.name)) return;
    const r = resolve(model, 'commands', step.name);
    if (typeof r === 'string') out.push({ rule: 'SEM002', where, message: r });
    else if (r) out.push(...checkArgs({ rule: 'SEM003', file: c.file, path: step.path, target: `command '${r.name}'`, params: r.params, args: step.args }));
  });
  return out;
}

/** SEM004/SEM003: a job's executor, and every executor parameter default, resolves. */
function checkExecutors(c: Component, model: OrbModel): Finding[] {
  const out: Finding[] = [];
  const check = (ref: unknown, path: (string | number)[]): void => {
    const name = typeof ref === 'string' ? ref : isMap(ref) ? ref['name'] : undefined;
    if (typeof name !== 'string') return; // the schema reports the shape
    const where = at(c.file, path);
    const expr = scanInterpolations(name)[0];
    if (expr) {
      const def = c.params[expr.name];
      if (expr.kind !== 'parameters' || name !== expr.text) {
        out.push({ rule: 'SEM004', where, message: `executor '${name}' must be a name or exactly one '<< parameters.x >>'` });
      } else if (def && def.type !== 'executor') {
        out.push({ rule: 'SEM004', where, message: `executor comes from parameter '${expr.name}', whose type is ${String(def.type)}, not executor` });
      }
      return;
    }
    const r = resolve(model, 'executors', name);
    if (typeof r === 'string') out.push({ rule: 'SEM004', where, message: r });
    else if (r) {
      const args = isMap(ref) ? Object.fromEntries(Object.entries(ref).filter(([k]) => k !== 'name')) : {};
      out.push(...checkArgs({ rule: 'SEM003', file: c.file, path, target: `executor '${r.name}'`, params: r.params, args }));
    }
  };
  if (c.kind === 'jobs' && 'executor' in c.data) check(c.data['executor'], [...c.base, 'executor']);
  for (const [name, def] of Object.entries(c.params)) {
    if (def.type === 'executor' && 'default' in def) check(def.default, [...c.base, 'parameters', name, 'default']);
  }
  return out;
}

/** Runs SEM001-SEM007 on commands, jobs and executors. */
export function checkSemantics(model: OrbModel, srcDir: string): Finding[] {
  const out: Finding[] = [];
  for (const c of model.components) {
    if (c.kind === 'examples') continue;
    out.push(...checkStrings(c, srcDir), ...checkEnumDefaults(c), ...checkExecutors(c, model));
    if (c.kind !== 'executors') out.push(...checkSteps(c, model));
  }
  return out;
}
