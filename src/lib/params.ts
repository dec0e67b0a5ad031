// Turning a command's raw parameter text (a step's ORB_PARAM_* variables or the CLI's --flags) into typed
// values. Pure: no process.env here; the one effect is that expandVars registers secret variables' values
// with the process's secrets (src/lib/log.ts), so no message quotes them.
import { ParamError } from './errors.ts';
import { isSecretName, processSecrets } from './log.ts';
import { isKind, KINDS, wordList, type KindName } from './grammar.ts';
import type { RetryPolicy } from './retry.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where a command's raw parameter text comes from. A step reads the `ORB_PARAM_<NAME>` variables its run
 * step's `environment:` sets (CircleCI renders `<< parameters.x >>` into them); the CLI reads its --flags,
 * which carry the orb's parameter names. Either way a parser sees the same text and gives the same errors.
 */
export type ParamSource =
  | { readonly from: 'step'; readonly env: Env }
  | { readonly from: 'flags'; readonly flags: Readonly<Record<string, string | undefined>> };

/** The parameters of a step: its `ORB_PARAM_*` variables (usually process.env). */
export function stepParams(env: Env): ParamSource {
  return { from: 'step', env };
}

/** The parameters of a CLI call: flag name (the orb's kebab-case parameter name) -> its text. */
export function flagParams(flags: Readonly<Record<string, string | undefined>>): ParamSource {
  return { from: 'flags', flags };
}

/**
 * How messages name parameter `param` (kebab-case) of `src`: the orb's parameter name for a step (role-arn), the
 * flag as it is typed for the CLI (--role-arn). ParamError reads a name that starts with - as a flag.
 */
export const paramName = (src: ParamSource, param: string): string => (src.from === 'flags' ? `--${param}` : param);

/** The env var CircleCI sets for an orb parameter: role-arn -> ORB_PARAM_ROLE_ARN. */
export function paramEnvName(param: string): string {
  return `ORB_PARAM_${param.toUpperCase().replace(/-/g, '_')}`;
}

const VAR_REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Expands $VAR and ${VAR} from the job's environment, without eval: CircleCI passes
 * `environment:` values through unexpanded, and users write role-arn: ${PROD_ROLE_ARN}.
 * The value of a secret variable (src/lib/log.ts isSecretName: AWS_SECRET_ACCESS_KEY, CIRCLE_OIDC_TOKEN_V2,
 * GITHUB_TOKEN...) is registered with the process's secrets as $NAME, so a ParamError about the result
 * names the variable instead of quoting it, and no output shows it.
 */
export function expandVars(param: string, value: string, env: Env): string {
  return value.replace(VAR_REF, (_m, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const found = env[name];
    if (found === undefined || found === '') {
      throw new ParamError(param, value, `refers to $${name}, which is not set in this job`,
        `set ${name} in a context or the project's environment variables, or pass the value itself`);
    }
    if (isSecretName(name)) processSecrets.add(found, `$${name}`);
    return found;
  });
}

/** The text of parameter `param` (kebab-case, e.g. role-arn) exactly as given, not expanded; '' when absent. */
export function paramText(src: ParamSource, param: string): string {
  return (src.from === 'step' ? src.env[paramEnvName(param)] : src.flags[param]) ?? '';
}

/** The text of parameter `param` as given, trimmed, not expanded; '' when absent. */
export function rawParam(src: ParamSource, param: string): string {
  return paramText(src, param).trim();
}

/** A string parameter, expanded; '' when absent. */
export function stringParam(raw: ParamSource, env: Env, param: string): string {
  return expandVars(paramName(raw, param), rawParam(raw, param), env);
}

/** An integer parameter within [min, max]. */
export function intParam(raw: ParamSource, env: Env, param: string, min: number, max: number, fallback: number): number {
  const text = stringParam(raw, env, param);
  if (text === '') return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ParamError(paramName(raw, param), text, `must be a whole number from ${min} to ${max}`, `set ${paramName(raw, param)} to a value in that range, e.g. ${fallback}`);
  }
  return n;
}

/** A boolean parameter: CircleCI renders booleans as true/false; 1/0 are accepted too. */
export function boolParam(raw: ParamSource, env: Env, param: string, fallback: boolean): boolean {
  const text = stringParam(raw, env, param);
  if (text === '') return fallback;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  const name = paramName(raw, param);
  throw new ParamError(name, text, 'must be true or false', `set ${name} to true or false`);
}

/** An enum parameter. */
export function enumParam<T extends string>(raw: ParamSource, env: Env, param: string, allowed: readonly T[], fallback: T): T {
  const text = stringParam(raw, env, param);
  if (text === '') return fallback;
  if ((allowed as readonly string[]).includes(text)) return text as T;
  const name = paramName(raw, param);
  throw new ParamError(name, text, `must be one of ${allowed.join(', ')}`, `set ${name} to one of those values`);
}

/**
 * A parameter that must be a value of `kind` (src/lib/grammar.ts), expanded; '' when absent. A value of
 * another shape is a ParamError naming the parameter, the value, the kind and `fix`.
 */
export function kindParam(raw: ParamSource, env: Env, param: string, kind: KindName, fix = `e.g. ${KINDS[kind].example}`): string {
  const value = stringParam(raw, env, param);
  if (value !== '' && !isKind(kind, value)) throw new ParamError(paramName(raw, param), value, `is not ${KINDS[kind].what}`, fix);
  return value;
}

/**
 * A list parameter of one kind (src/lib/grammar.ts wordList: commas, spaces or lines between items), each
 * item expanded; duplicates refused. [] when absent.
 */
export function kindListParam(raw: ParamSource, env: Env, param: string, kind: KindName, fix = `list values such as ${KINDS[kind].example}, separated by commas, spaces or lines`): string[] {
  const text = rawParam(raw, param);
  const name = paramName(raw, param);
  const values = wordList(text).map((v) => expandVars(name, v, env));
  for (const v of values) if (!isKind(kind, v)) throw new ParamError(name, v, `is not ${KINDS[kind].what}`, fix);
  if (new Set(values).size !== values.length) throw new ParamError(name, text, 'names a value twice', 'list each value once');
  return values;
}

/** The region: the parameter, else AWS_REGION, else AWS_DEFAULT_REGION; never empty. */
export function regionParam(raw: ParamSource, env: Env, param = 'region'): string {
  return checkedRegion(paramName(raw, param), stringParam(raw, env, param), env);
}

/**
 * `given` (e.g. a profile's region setting, '' for none), else AWS_REGION, else AWS_DEFAULT_REGION, checked as
 * a region code. Throws a ParamError naming `param` (a --flag: the CLI's words) when none is set or the value is not a region code.
 */
export function checkedRegion(param: string, given: string, env: Env): string {
  const region = given || env.AWS_REGION || env.AWS_DEFAULT_REGION || '';
  if (region === '') {
    throw new ParamError(param, '', 'no AWS region is set',
      `set ${param} (e.g. us-east-1), or AWS_REGION${param[0] === '-' ? '' : ' in a context or the project\'s environment variables'}`);
  }
  if (!isKind('region', region)) {
    throw new ParamError(param, region, `is not ${KINDS.region.what}`, 'use a region code such as us-east-1, eu-west-2 or cn-north-1');
  }
  return region;
}

/** retry-max-attempts (1-20, default 5) and retry-max-seconds (1-maxSeconds, default 60), as every step takes them. */
export function retryParams(raw: ParamSource, env: Env, maxSeconds = 600): RetryPolicy {
  return { maxAttempts: intParam(raw, env, 'retry-max-attempts', 1, 20, 5), totalSeconds: intParam(raw, env, 'retry-max-seconds', 1, maxSeconds, 60) };
}

/** profile-name, in every command: a profile name of src/lib/grammar.ts; '' when absent. */
export function profileNameParam(raw: ParamSource, env: Env): string {
  return kindParam(raw, env, 'profile-name', 'profileName', 'use a name like staging-deploy or prj-prd-admin (the profile-name you gave assume-role-with-oidc)');
}

/** account-id naming one registry: 12 digits, or '' for the identity's own account. */
export function registryAccountParam(raw: ParamSource, env: Env): string {
  return kindParam(raw, env, 'account-id', 'accountId', 'give the registry\'s account id, or leave it empty for the identity\'s own account');
}
