// Parameter declarations and argument binding, with CircleCI's checks and error wording.
import { ConfigError } from './types.ts';
import { ExecutorRef, StepsRef, interpolate, isPlainMap } from './interpolate.ts';
import type { InterpContext } from './interpolate.ts';
import type { Scope } from './scope.ts';

const TYPES = ['string', 'boolean', 'integer', 'enum', 'executor', 'steps', 'env_var_name'] as const;
type ParamType = (typeof TYPES)[number];

/** One declared parameter. */
export interface ParamDecl {
  type: ParamType;
  hasDefault: boolean;
  default?: unknown;
  enum?: string[];
}

// The documented rule for env_var_name values.
const ENV_VAR_NAME = /^[a-zA-Z][a-zA-Z0-9_-]+$/;

/** Reads a `parameters:` map; `allowed` narrows the types (pipeline parameters take fewer). */
export function parseDecls(raw: unknown, owner: string, allowed: readonly string[] = TYPES): Record<string, ParamDecl> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainMap(raw)) throw new ConfigError(`parameters of ${owner} must be a map`);
  const out: Record<string, ParamDecl> = {};
  for (const [name, d] of Object.entries(raw)) {
    if (!isPlainMap(d)) throw new ConfigError(`Parameter ${name} of ${owner} must be a map with a type`);
    const type = d.type;
    if (typeof type !== 'string' || !allowed.includes(type)) {
      throw new ConfigError(`Parameter ${name} of ${owner} has an invalid type ${JSON.stringify(type)} (expected one of ${allowed.join(', ')})`);
    }
    const decl: ParamDecl = { type: type as ParamType, hasDefault: Object.hasOwn(d, 'default') };
    if (decl.hasDefault) decl.default = d.default;
    if (type === 'enum') {
      if (!Array.isArray(d.enum) || d.enum.length === 0) throw new ConfigError(`Parameter ${name} of ${owner} is an enum without an enum: list`);
      decl.enum = d.enum.map((e) => String(e));
    }
    out[name] = decl;
  }
  return out;
}

function typeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'sequence';
  return 'map';
}

function typeError(name: string, expected: string, v: unknown): ConfigError {
  const shown = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  return new ConfigError(`Type error for argument ${name}: expected type: ${expected}, actual value: "${shown}" (type ${typeName(v)})`);
}

/** Checks one value against its declaration; throws CircleCI's type error. */
export function checkType(name: string, decl: ParamDecl, v: unknown): void {
  switch (decl.type) {
    case 'string':
      if (typeof v !== 'string') throw typeError(name, 'string', v);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw typeError(name, 'boolean', v);
      return;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(name, 'integer', v);
      return;
    case 'enum':
      if (typeof v !== 'string' || !decl.enum!.includes(v)) {
        throw typeError(name, `enum (${decl.enum!.map((e) => JSON.stringify(e)).join(' ')})`, v);
      }
      return;
    case 'env_var_name':
      if (typeof v !== 'string' || !ENV_VAR_NAME.test(v)) throw typeError(name, 'env_var_name', v);
      return;
    case 'steps':
      if (!(v instanceof StepsRef) && !Array.isArray(v)) throw typeError(name, 'steps', v);
      return;
    case 'executor':
      if (!(v instanceof ExecutorRef) && typeof v !== 'string' && !(isPlainMap(v) && typeof v.name === 'string')) {
        throw typeError(name, 'executor', v);
      }
      return;
  }
}

/**
 * Binds interpolated arguments (written in `argScope`) to declarations (written in `defScope`).
 * Unknown and missing arguments are refused before any type is checked, like CircleCI.
 * Steps and executor values are wrapped with the scope they must later be expanded in.
 */
export function bindArgs(
  decls: Record<string, ParamDecl>,
  args: Record<string, unknown>,
  argScope: Scope,
  defScope: Scope,
  defaultsCtx: InterpContext,
): Record<string, unknown> {
  const unexpected = Object.keys(args).filter((k) => !Object.hasOwn(decls, k));
  if (unexpected.length > 0) throw new ConfigError(`Unexpected argument(s): ${unexpected.join(', ')}`);
  const missing = Object.keys(decls).filter((k) => !decls[k]!.hasDefault && !Object.hasOwn(args, k));
  if (missing.length > 0) throw new ConfigError(`Missing required argument(s): ${missing.join(', ')}`);
  const bound: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(decls)) {
    const given = Object.hasOwn(args, name);
    // Defaults are written in the component's own scope and may use pipeline values only.
    const value = given ? args[name] : interpolate(decl.default, defaultsCtx);
    checkType(name, decl, value);
    const scope = given ? argScope : defScope;
    if (decl.type === 'steps' && !(value instanceof StepsRef)) bound[name] = new StepsRef(value, scope);
    else if (decl.type === 'executor' && !(value instanceof ExecutorRef)) bound[name] = new ExecutorRef(value, scope);
    else bound[name] = value;
  }
  return bound;
}

/** Runs `fn`, prefixing any ConfigError with one line of CircleCI's call chain. */
export function inFrame<T>(frame: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError && e.name !== 'TooManyStepsError') throw new ConfigError(`${frame}\n${e.message}`);
    throw e;
  }
}
