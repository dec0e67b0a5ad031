// Step expansion: commands (with their parameters), when/unless, and steps parameters,
// down to the primitive steps the agent runs.
import { ConfigError } from './types.ts';
import type { ExpandedStep, PipelineValues, StepKind } from './types.ts';
import { StepsRef, interpolate, isPlainMap } from './interpolate.ts';
import type { InterpContext } from './interpolate.ts';
import { evaluate } from './conditions.ts';
import { bindArgs, inFrame, parseDecls } from './params.ts';
import { mustResolve } from './scope.ts';
import type { Scope } from './scope.ts';

/** What step expansion needs from the config, plus the chain of commands being expanded. */
export interface StepCtx {
  pipeline: PipelineValues;
  pipelineParams: Record<string, unknown>;
  /** Keys of the commands on the way here, to refuse recursion. */
  stack: string[];
}

const BUILTINS: readonly StepKind[] = [
  'checkout', 'setup_remote_docker', 'persist_to_workspace', 'attach_workspace', 'save_cache',
  'restore_cache', 'store_artifacts', 'store_test_results', 'add_ssh_keys',
];
const RUN_KEYS = ['name', 'command', 'shell', 'environment', 'background', 'when', 'working_directory', 'no_output_timeout', 'max_auto_reruns', 'auto_rerun_delay'];
const STEP_WHEN = ['on_success', 'on_fail', 'always'];

/**
 * The most steps one job may expand to. CircleCI refuses configs that expand this large; the runner stops here, in
 * one line, instead of building millions of steps (commands ten wide and seven deep are 10^7).
 */
export const MAX_JOB_STEPS = 10_000;

/** A job that expands past MAX_JOB_STEPS: one line, not wrapped in the frames of the commands it was in. */
export class TooManyStepsError extends ConfigError {
  override name = 'TooManyStepsError';
}

function add(out: ExpandedStep[], step: ExpandedStep): void {
  if (out.length >= MAX_JOB_STEPS) {
    throw new TooManyStepsError(`the job expands to more than ${MAX_JOB_STEPS} steps (commands within commands multiply): the local runner stops here; call fewer commands or nest them less deeply`);
  }
  out.push(step);
}

/** Turns an `environment:` map into strings; YAML booleans become 1/0 as CircleCI passes them. */
export function envMap(raw: unknown, where: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainMap(raw)) throw new ConfigError(`environment of ${where} must be a map`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'boolean') out[k] = v ? '1' : '0';
    else if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    else if (v === null) out[k] = '';
    else throw new ConfigError(`environment variable ${k} of ${where} must be a scalar`);
  }
  return out;
}

function stepWhen(v: unknown, where: string): ExpandedStep['when'] | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !STEP_WHEN.includes(v)) throw new ConfigError(`when of ${where} must be one of ${STEP_WHEN.join(', ')}`);
  return v as ExpandedStep['when'];
}

function runStep(v: unknown): ExpandedStep {
  if (typeof v === 'string') return { kind: 'run', name: v, command: v };
  if (!isPlainMap(v)) throw new ConfigError(`run step must be a string or a map, got ${JSON.stringify(v)}`);
  const extra = Object.keys(v).filter((k) => !RUN_KEYS.includes(k));
  if (extra.length > 0) throw new ConfigError(`run: extraneous key [${extra.join(', ')}] is not permitted`);
  if (typeof v.command !== 'string') throw new ConfigError('run: required key [command] not found (it must be a string)');
  // CircleCI's default step title is the full command.
  const step: ExpandedStep = { kind: 'run', name: typeof v.name === 'string' ? v.name : v.command, command: v.command };
  if (v.shell !== undefined) step.shell = String(v.shell);
  if (v.environment !== undefined) step.environment = envMap(v.environment, `run step '${step.name}'`);
  if (v.background !== undefined) {
    if (typeof v.background !== 'boolean') throw new ConfigError('run: background must be a boolean');
    step.background = v.background;
  }
  const when = stepWhen(v.when, `run step '${step.name}'`);
  if (when) step.when = when;
  if (v.working_directory !== undefined) step.workingDirectory = String(v.working_directory);
  if (v.no_output_timeout !== undefined) step.noOutputTimeout = String(v.no_output_timeout);
  return step;
}

function builtinStep(kind: StepKind, v: unknown): ExpandedStep {
  if (v !== null && v !== undefined && !isPlainMap(v)) throw new ConfigError(`${kind} step must be a map`);
  const raw = (v ?? {}) as Record<string, unknown>;
  const step: ExpandedStep = { kind, raw };
  if (typeof raw.name === 'string') step.name = raw.name;
  const when = stepWhen(raw.when, `${kind} step`);
  if (when) step.when = when;
  return step;
}

function conditional(key: 'when' | 'unless', v: unknown): unknown {
  if (!isPlainMap(v) || !('condition' in v) || !('steps' in v)) {
    throw new ConfigError(`${key} step needs both condition and steps`);
  }
  const on = evaluate(v.condition);
  return on === (key === 'when') ? v.steps : [];
}

function invokeCommand(name: string, args: unknown, scope: Scope, cx: StepCtx, out: ExpandedStep[]): void {
  const found = mustResolve(scope, 'commands', name);
  inFrame(`Error calling command: '${name}'`, () => {
    if (cx.stack.includes(found.key)) {
      throw new ConfigError(`Circular command reference: ${[...cx.stack, found.key].map((k) => k.split(':').pop()).join(' -> ')}`);
    }
    if (args !== null && args !== undefined && !isPlainMap(args)) throw new ConfigError('Command arguments must be a map');
    const base: InterpContext = { pipeline: cx.pipeline, pipelineParams: cx.pipelineParams };
    const decls = parseDecls(found.def.parameters, `command ${name}`);
    const params = bindArgs(decls, (args ?? {}) as Record<string, unknown>, scope, found.scope, base);
    const body = interpolate(found.def.steps, { ...base, params });
    expandSteps(body, found.scope, { ...cx, stack: [...cx.stack, found.key] }, out);
  });
}

/**
 * Expands an already interpolated step list written in `scope`, appending primitive steps to `out`.
 * A StepsRef (a steps parameter) is expanded in the scope it was written in.
 */
export function expandSteps(list: unknown, scope: Scope, cx: StepCtx, out: ExpandedStep[]): void {
  if (list instanceof StepsRef) return expandSteps(list.steps, list.scope, cx, out);
  if (list === null || list === undefined) return;
  if (!Array.isArray(list)) throw new ConfigError(`steps must be a list, got ${JSON.stringify(list)}`);
  for (const item of list) {
    if (item instanceof StepsRef) {
      expandSteps(item, scope, cx, out);
    } else if (typeof item === 'string') {
      if ((BUILTINS as readonly string[]).includes(item)) add(out, builtinStep(item as StepKind, undefined));
      else invokeCommand(item, undefined, scope, cx, out);
    } else if (isPlainMap(item)) {
      const keys = Object.keys(item);
      if (keys.length !== 1) throw new ConfigError(`A step must have exactly one key, got [${keys.join(', ')}]`);
      const key = keys[0]!;
      const v = item[key];
      if (key === 'run') add(out, runStep(v));
      else if (key === 'when' || key === 'unless') expandSteps(conditional(key, v), scope, cx, out);
      else if ((BUILTINS as readonly string[]).includes(key)) add(out, builtinStep(key as StepKind, v));
      else invokeCommand(key, v, scope, cx, out);
    } else {
      throw new ConfigError(`Invalid step: ${JSON.stringify(item)}`);
    }
  }
}
