// The YAML side of the wiring check: parameters a component declares against the ones its steps use, and
// what a job (or a command) passes on to the orb commands it calls.
//   WIRE001  declared, but no step uses it (for a command with a runtime step: not passed as ORB_PARAM_* either)
//   WIRE002  used in a step (`<< parameters.x >>`), but not declared
//   WIRE006  passed on under another name (`region: << parameters.account-id >>`): this orb passes a
//            parameter on under its own name, as the build-and-push job's description promises
//   WIRE007  declared, and the called command takes a parameter of that name, but it is not passed on
import { at } from './findings.ts';
import type { Finding } from './findings.ts';
import { scanInterpolations, walkStrings } from './interpolation.ts';
import { BUILTIN_STEPS, walkSteps } from './invocation.ts';
import type { Component, OrbModel } from './model.ts';

const KIND_WORD = { commands: 'command', jobs: 'job', executors: 'executor', examples: 'example' } as const;
// Keys of a component that hold no wiring: its declarations and its prose.
const NOT_WIRING = new Set(['parameters', 'description']);
const EXACT_REF = /^<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>$/;

/** "command 'ecr-login'", for messages. */
export function componentLabel(c: Component): string {
  return `${KIND_WORD[c.kind]} '${c.name}'`;
}

/** The parameter a value passes on whole (`<< parameters.x >>`), or null. */
export function exactParamRef(value: unknown): string | null {
  return typeof value === 'string' ? (EXACT_REF.exec(value.trim())?.[1] ?? null) : null;
}

/** Every `<< parameters.x >>` in a component's body (not in its declarations or description), with its path. */
export function paramRefs(c: Component): { name: string; path: (string | number)[] }[] {
  const out: { name: string; path: (string | number)[] }[] = [];
  for (const [key, value] of Object.entries(c.data)) {
    if (NOT_WIRING.has(key)) continue;
    walkStrings(value, (s, p) => {
      for (const x of scanInterpolations(s)) if (x.kind === 'parameters') out.push({ name: x.name, path: [...c.base, key, ...p] });
    }, []);
  }
  return out;
}

/** WIRE001 and WIRE002 for one component; `runtimeStep` says whether a run step hands parameters to a runtime. */
export function checkDeclaredAgainstUsed(c: Component, runtimeStep: boolean): Finding[] {
  const out: Finding[] = [];
  const refs = paramRefs(c);
  const used = new Set(refs.map((r) => r.name));
  const label = componentLabel(c);
  for (const name of Object.keys(c.params)) {
    if (used.has(name)) continue;
    const how = runtimeStep ? 'it is not passed to its run step as an ORB_PARAM_* variable and no step uses it' : 'no step uses it';
    out.push({ rule: 'WIRE001', where: at(c.file, [...c.base, 'parameters', name]), message: `${label} declares parameter '${name}', but ${how}: it does nothing` });
  }
  for (const r of refs) {
    if (r.name in c.params || !(r.path[c.base.length] === 'steps' || r.path[c.base.length] === 'executor')) continue;
    out.push({ rule: 'WIRE002', where: at(c.file, r.path), message: `${label} uses parameter '${r.name}', which it does not declare` });
  }
  return out;
}

/** WIRE006 and WIRE007: what a job or command passes on to each orb command it calls. */
export function checkPassingOn(c: Component, model: OrbModel): Finding[] {
  const out: Finding[] = [];
  const label = componentLabel(c);
  walkSteps(c.data['steps'], [...c.base, 'steps'], (step) => {
    if (BUILTIN_STEPS.has(step.name) || step.name.includes('/')) return;
    const target = model.byKind.commands.get(step.name);
    if (!target) return; // SEM002 reports it
    const where = at(c.file, step.path);
    for (const [arg, value] of Object.entries(step.args)) {
      const ref = exactParamRef(value);
      if (ref === null || ref === arg || !(arg in target.params)) continue;
      out.push({ rule: 'WIRE006', where: at(c.file, [...step.path, arg]), message: `${label} passes its parameter '${ref}' to '${arg}' of command '${target.name}'; pass each parameter on under its own name` });
    }
    for (const name of Object.keys(c.params)) {
      if (!(name in target.params) || name in step.args) continue;
      out.push({ rule: 'WIRE007', where, message: `${label} declares parameter '${name}' and calls command '${target.name}', which takes '${name}', without passing it on (add '${name}: << parameters.${name} >>')` });
    }
  });
  return out;
}
