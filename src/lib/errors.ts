// Errors the orb shows to users: a message that names the cause, and a hint that says the fix.
import { maskKeyId, processSecrets } from './log.ts';

/** A failure the entry point prints as "message" + "hint" (no stack unless ORB_DEBUG=1). */
export class OrbError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrbError';
    this.hint = hint;
  }
}

/**
 * The value as a message quotes it: JSON-quoted, and cut to its first 120 characters when longer than 160.
 * A value that holds a secret the process knows (src/lib/log.ts processSecrets: the environment's secret
 * variables, which expandVars registers, and what the step learned) is named, never quoted, whole or in part:
 * `the value of $AWS_SECRET_ACCESS_KEY, not shown`; a key id shows as ****ABCD at most.
 */
export function shown(value: string): string {
  const s = processSecrets.find(value);
  if (s) {
    const what = s.label ? `the value of ${s.label}` : 'a secret of this step';
    return `${s.value === value ? what : `a value holding (part of) ${what}`}, ${s.keyId ? maskKeyId(s.value) : 'not shown'}`;
  }
  if (value.length <= 160) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, 120))}... (${value.length} characters)`;
}

/**
 * Bad input: names the orb parameter (a name that starts with -, e.g. --region, is the CLI's flag, named as it
 * is typed) and the value it got, unless that was empty: "parameter region: no AWS region is set".
 */
export class ParamError extends OrbError {
  readonly param: string;
  constructor(param: string, value: string, problem: string, hint: string) {
    super(`${param[0] === '-' ? '' : 'parameter '}${param}: ${problem}${value && ` (got ${shown(value)})`}`, hint);
    this.name = 'ParamError';
    this.param = param;
  }
}
