// `<< ... >>` interpolation and `\<<` unescaping, in one pass per string, as CircleCI 2.1 does.
import { ConfigError } from './types.ts';
import type { PipelineValues } from './types.ts';
import type { Scope } from './scope.ts';

/** A `steps` parameter value: the steps plus the scope (config or orb) they were written in. */
export class StepsRef {
  constructor(
    readonly steps: unknown,
    readonly scope: Scope,
  ) {}
}

/** An `executor` parameter value: a name or {name, ...args}, resolved in the scope it was written in. */
export class ExecutorRef {
  constructor(
    readonly value: unknown,
    readonly scope: Scope,
  ) {}
}

/** What `<< ... >>` can see at one place in the config. */
export interface InterpContext {
  /** Bound parameters of the enclosing command/job/executor; undefined where none are declared. */
  params?: Record<string, unknown>;
  pipeline: PipelineValues;
  pipelineParams: Record<string, unknown>;
  /** Only inside a workflow job entry with a matrix. */
  matrix?: Record<string, unknown>;
}

const NAME = '[A-Za-z0-9_-]+';
const EXPR = new RegExp(`^(?:parameters\\.(${NAME})|pipeline\\.parameters\\.(${NAME})|pipeline\\.([a-z_.]+)|matrix\\.(${NAME}))$`);
const SECTION = new RegExp(`^([#^/])\\s*parameters\\.(${NAME})$`);

function unclosed(s: string): ConfigError {
  return new ConfigError(`Unclosed '<<' tag in string: '${s}'\n('<<' must be escaped as '\\<<' in config v2.1+)`);
}

/** Looks up one expression; `expr` is the trimmed text between `<<` and `>>`. */
function lookup(expr: string, ctx: InterpContext, whole: string): unknown {
  const m = EXPR.exec(expr);
  if (!m) throw unclosed(whole);
  const [, param, pipeParam, pipeKey, matrixKey] = m;
  if (param !== undefined) {
    if (!ctx.params || !(param in ctx.params)) {
      throw new ConfigError(`Arguments referenced without declared parameters: ${param}`);
    }
    return ctx.params[param];
  }
  if (pipeParam !== undefined) {
    if (!(pipeParam in ctx.pipelineParams)) {
      throw new ConfigError(`Arguments referenced without declared parameters: pipeline.parameters.${pipeParam}`);
    }
    return ctx.pipelineParams[pipeParam];
  }
  if (pipeKey !== undefined) {
    if (!Object.hasOwn(ctx.pipeline, pipeKey)) throw new ConfigError(`Unknown pipeline value: pipeline.${pipeKey}`);
    return (ctx.pipeline as unknown as Record<string, unknown>)[pipeKey];
  }
  if (!ctx.matrix || !(matrixKey! in ctx.matrix)) {
    throw new ConfigError(`Arguments referenced without declared parameters: matrix.${matrixKey}`);
  }
  return ctx.matrix[matrixKey!];
}

/** CircleCI truthiness, used by `<<# >>` sections and when/unless literals. */
export function truthy(v: unknown): boolean {
  if (v instanceof StepsRef) return Array.isArray(v.steps) && v.steps.length > 0;
  return !(v === false || v === null || v === undefined || v === 0 || v === '' || Number.isNaN(v));
}

function asText(v: unknown, expr: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '';
  if (v instanceof ExecutorRef && typeof v.value === 'string') return v.value;
  throw new ConfigError(`Cannot interpolate << ${expr} >> (a steps or executor value) into a string`);
}

/**
 * Interpolates one string. A string that is exactly one `<< expr >>` keeps the value's type
 * (boolean, integer, steps, executor), as CircleCI does; otherwise values are spliced as text.
 */
export function interpolateString(s: string, ctx: InterpContext): unknown {
  const single = /^<<\s*([^<>]*?)\s*>>$/.exec(s);
  if (single && EXPR.test(single[1]!)) return lookup(single[1]!, ctx, s);
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('\\<<', i)) {
      out += '<<';
      i += 3;
      continue;
    }
    if (!s.startsWith('<<', i)) {
      out += s[i];
      i += 1;
      continue;
    }
    const end = s.indexOf('>>', i + 2);
    if (end < 0) throw unclosed(s);
    const expr = s.slice(i + 2, end).trim();
    const section = SECTION.exec(expr);
    if (section && section[1] !== '/') {
      // Mustache-style section: <<# parameters.x >>text<</ parameters.x >> (or ^ for "not").
      const close = new RegExp(`<<\\s*/\\s*parameters\\.${section[2]}\\s*>>`).exec(s.slice(end + 2));
      if (!close) throw unclosed(s);
      const body = s.slice(end + 2, end + 2 + close.index);
      const on = truthy(lookup(`parameters.${section[2]}`, ctx, s));
      if (on === (section[1] === '#')) out += asText(interpolateString(body, ctx), expr);
      i = end + 2 + close.index + close[0].length;
      continue;
    }
    out += asText(lookup(expr, ctx, s), expr);
    i = end + 2;
  }
  return out;
}

/** Interpolates every string in a YAML tree (map keys are left alone). */
export function interpolate(node: unknown, ctx: InterpContext): unknown {
  if (typeof node === 'string') return interpolateString(node, ctx);
  if (Array.isArray(node)) return node.map((n) => interpolate(n, ctx));
  if (isPlainMap(node)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = interpolate(v, ctx);
    return out;
  }
  return node;
}

/** True for a YAML mapping (not an array, not a StepsRef/ExecutorRef). */
export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}
