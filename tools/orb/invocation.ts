// Steps and invocations: walking step lists, and checking the arguments passed to a command, job or executor.
import { at } from './findings.ts';
import type { Finding } from './findings.ts';
import { isInterpolated } from './interpolation.ts';
import { isRequired } from './model.ts';
import type { ParamDef, Params } from './model.ts';
import { isMap } from './source.ts';

/** CircleCI's built-in steps: never resolved against orb commands. */
export const BUILTIN_STEPS = new Set([
  'run', 'checkout', 'setup_remote_docker', 'save_cache', 'restore_cache', 'store_artifacts', 'store_test_results',
  'persist_to_workspace', 'attach_workspace', 'add_ssh_keys', 'when', 'unless', 'deploy',
]);

/** One step reduced to its name and its arguments (a string step has none). */
export interface StepRef {
  name: string;
  args: Record<string, unknown>;
  /** The step's raw value (`run: echo hi` gives the string); undefined for a bare string step. */
  value: unknown;
  path: (string | number)[];
  bare: boolean;
}

/** Visits every step of a list, descending into `when`/`unless` blocks. */
export function walkSteps(steps: unknown, path: (string | number)[], visit: (s: StepRef) => void): void {
  if (!Array.isArray(steps)) return;
  steps.forEach((step, i) => {
    const p = [...path, i];
    if (typeof step === 'string') {
      visit({ name: step, args: {}, value: undefined, path: p, bare: true });
      return;
    }
    if (!isMap(step)) return;
    const [name, value] = Object.entries(step)[0] ?? [];
    if (name === undefined) return;
    visit({ name, args: isMap(value) ? value : {}, value, path: [...p, name], bare: false });
    if ((name === 'when' || name === 'unless') && isMap(value)) walkSteps(value['steps'], [...p, name, 'steps'], visit);
  });
}

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why a value does not fit a parameter's declared type, or null when it fits (interpolations always fit). */
export function typeProblem(def: ParamDef, value: unknown): string | null {
  if (isInterpolated(value)) return null;
  const shown = JSON.stringify(value);
  switch (def.type) {
    case 'string':
      return typeof value === 'string' ? null : `expects a string, got ${shown}`;
    case 'boolean':
      return typeof value === 'boolean' ? null : `expects a boolean, got ${shown}`;
    case 'integer':
      return Number.isInteger(value) ? null : `expects an integer, got ${shown}`;
    case 'enum': {
      const allowed = Array.isArray(def.enum) ? def.enum : [];
      return allowed.includes(value) ? null : `expects one of ${allowed.join(', ')}, got ${shown}`;
    }
    case 'env_var_name':
      return typeof value === 'string' && ENV_VAR_NAME.test(value) ? null : `expects an environment variable name, got ${shown}`;
    case 'steps':
      return Array.isArray(value) ? null : `expects a list of steps, got ${shown}`;
    case 'executor':
      return typeof value === 'string' || (isMap(value) && typeof value['name'] === 'string') ? null : `expects an executor, got ${shown}`;
    default:
      return null;
  }
}

/** Options for one invocation check. */
export interface InvocationCheck {
  rule: string;
  file: string;
  path: (string | number)[];
  /** e.g. "command 'assume-role-with-oidc'". */
  target: string;
  params: Params;
  args: Record<string, unknown>;
  /** Keys that belong to CircleCI, not to the parameters (workflow job keys like `requires`). */
  reserved?: ReadonlySet<string>;
  /** Parameters supplied some other way (a workflow job's `matrix.parameters`). */
  provided?: ReadonlySet<string>;
}

/** Checks an invocation's arguments: no unknown ones, every required one present, each of the right type. */
export function checkArgs(c: InvocationCheck): Finding[] {
  const out: Finding[] = [];
  const where = at(c.file, c.path);
  for (const [key, value] of Object.entries(c.args)) {
    if (c.reserved?.has(key)) continue;
    const def = c.params[key];
    if (!def) {
      out.push({ rule: c.rule, where, message: `${c.target} has no parameter '${key}'` });
      continue;
    }
    const problem = typeProblem(def, value);
    if (problem) out.push({ rule: c.rule, where, message: `${c.target} parameter '${key}' ${problem}` });
  }
  for (const [key, def] of Object.entries(c.params)) {
    if (isRequired(def) && !(key in c.args) && !c.provided?.has(key)) {
      out.push({ rule: c.rule, where, message: `${c.target} requires parameter '${key}', which is not passed` });
    }
  }
  return out;
}
