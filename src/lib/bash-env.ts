// Effects for later steps: `export K='v'` lines in $BASH_ENV, which bash sources in every later step.
import { OrbError } from './errors.ts';
import { appendFileAtomic } from './files.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes a value for bash with single quotes, so nothing in it is expanded or executed. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The text appended to $BASH_ENV: one export per entry, unsets for names mapped to null. */
export function renderExports(entries: Readonly<Record<string, string | null>>): string {
  let out = '';
  for (const [name, value] of Object.entries(entries)) {
    if (!NAME.test(name)) throw new Error(`bug: invalid variable name ${name}`);
    out += value === null ? `unset ${name}\n` : `export ${name}=${shellQuote(value)}\n`;
  }
  return out;
}

/** Appends the exports to the file named by $BASH_ENV in one atomic replace. */
export function writeExports(bashEnv: string | undefined, entries: Readonly<Record<string, string | null>>): void {
  if (!bashEnv) {
    throw new OrbError('BASH_ENV is not set, so later steps could not see the credentials',
      'run this command as a step of a CircleCI job (CircleCI sets BASH_ENV), or set BASH_ENV to a file path');
  }
  appendFileAtomic(bashEnv, renderExports(entries));
}
