// CircleCI logic statements for `when`/`unless` conditions (and, or, not, equal, matches, literals).
// https://circleci.com/docs/configuration-reference/#logic-statements
import { ConfigError } from './types.ts';
import { isPlainMap, truthy } from './interpolate.ts';
import { isDeepStrictEqual } from 'node:util';

const OPERATORS = ['and', 'or', 'not', 'equal', 'matches'];

function listOf(op: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new ConfigError(`Logic statement '${op}' takes a list, got ${JSON.stringify(v)}`);
  return v;
}

/** Evaluates an (already interpolated) condition. */
export function evaluate(cond: unknown): boolean {
  if (!isPlainMap(cond)) return truthy(cond);
  const keys = Object.keys(cond);
  const op = keys[0];
  if (keys.length !== 1 || op === undefined || !OPERATORS.includes(op)) {
    // A map that is not one logic statement is just a (truthy) literal, as in CircleCI.
    return keys.length > 0;
  }
  const arg = cond[op];
  switch (op) {
    case 'and':
      return listOf(op, arg).every(evaluate);
    case 'or':
      return listOf(op, arg).some(evaluate);
    case 'not':
      return !evaluate(arg);
    case 'equal': {
      const items = listOf(op, arg);
      return items.every((x) => isDeepStrictEqual(x, items[0]));
    }
    default: {
      if (!isPlainMap(arg) || typeof arg.pattern !== 'string' || !('value' in arg)) {
        throw new ConfigError(`Logic statement 'matches' takes {pattern, value}, got ${JSON.stringify(arg)}`);
      }
      let re: RegExp;
      try {
        // CircleCI matches the whole value (a Java-style full match), so anchor the pattern.
        re = new RegExp(`^(?:${arg.pattern})$`);
      } catch (e) {
        throw new ConfigError(`Invalid pattern in 'matches': ${(e as Error).message}`);
      }
      return re.test(String(arg.value));
    }
  }
}
