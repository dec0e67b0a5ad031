// Errors the orb shows to users: a message that names the cause, and a hint that says the fix.

/** A failure the entry point prints as "message" + "hint" (no stack unless ORB_DEBUG=1). */
export class OrbError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrbError';
    this.hint = hint;
  }
}

/** The value as a message quotes it: JSON-quoted, and cut to its first 120 characters when longer than 160. */
function shown(value: string): string {
  if (value.length <= 160) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, 120))}... (${value.length} characters)`;
}

/** Bad input: names the orb parameter and the value it got. */
export class ParamError extends OrbError {
  readonly param: string;
  constructor(param: string, value: string, problem: string, hint: string) {
    super(`parameter ${param}: ${problem} (got ${shown(value)})`, hint);
    this.name = 'ParamError';
    this.param = param;
  }
}
