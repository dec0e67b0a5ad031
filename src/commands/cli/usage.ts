// The CLI's usage checks, before yargs runs a command: an unknown command or flag, a flag without its value,
// a stray argument or a required flag that is missing is one line (what is wrong; fix: what to type), with
// the closest known name when one is near. Pure: reads the argument list and the command tables only.
import { COMMANDS, GLOBAL_FLAGS, type CommandSpec, type FlagSpec } from './commands.ts';

/** A usage mistake: `who` is "aws-oidc" or "aws-oidc <command>"; the line reads "<who>: <problem>; fix: <fix>". */
export interface UsageProblem { who: string; problem: string; fix: string }

/** The number of single-character insertions, deletions and substitutions that turn `a` into `b` (Levenshtein). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The known name closest to `given`: one that starts with it (`token` -> `token-file`), else the nearest by
 * edit distance when at most a third of its letters (and at least 2) differ; undefined when none is that near.
 */
export function closest(given: string, known: readonly string[]): string | undefined {
  const prefixed = known.filter((k) => given.length >= 3 && k.startsWith(given));
  if (prefixed.length === 1) return prefixed[0];
  const ranked = known.map((k) => ({ k, d: editDistance(given, k) })).sort((x, y) => x.d - y.d);
  const best = ranked[0];
  return best && best.d <= Math.max(2, Math.floor(best.k.length / 3)) ? best.k : undefined;
}

/** An argument as a message quotes it: JSON-quoted, at most 40 characters. */
const quote = (arg: string): string => JSON.stringify(arg.length > 40 ? `${arg.slice(0, 40)}...` : arg);

const COMMAND_NAMES = COMMANDS.flatMap((c) => [c.name, ...c.aliases]);

/** The problem with the command word (args[0]), or the command it names; undefined for --help and --version alone. */
function commandOf(args: string[]): CommandSpec | UsageProblem | undefined {
  const first = args[0];
  const list = COMMANDS.map((c) => c.name).join(', ');
  if (first?.startsWith('-')) {
    const bad = args.find((a) => a.startsWith('-') && !/^--(help|version)$/.test(a));
    if (bad === undefined) return undefined;
    const near = closest(bad.replace(/^--?/, ''), Object.keys(GLOBAL_FLAGS));
    return { who: 'aws-oidc', problem: `unknown flag ${quote(bad.split('=')[0] as string)}`, fix: `${near ? `did you mean --${near}? ` : ''}name a command first, one of ${list}` };
  }
  if (first === undefined) {
    return { who: 'aws-oidc', problem: 'no command given', fix: `name one of ${list}, e.g. aws-oidc trust-policy --help; aws-oidc --help describes them` };
  }
  const spec = COMMANDS.find((c) => c.name === first || c.aliases.includes(first));
  if (spec) return spec;
  const near = closest(first, COMMAND_NAMES);
  return { who: 'aws-oidc', problem: `unknown command ${quote(first)}`, fix: `${near ? `did you mean aws-oidc ${near}? ` : ''}the commands are ${list}` };
}

/** The flags of `spec` as they are typed (--name), for a fix that lists them. */
const typed = (names: string[]) => names.map((n) => `--${n}`).join(', ');

/** The problem with the flags after the command word, if any. */
function flagProblem(spec: CommandSpec, args: string[]): UsageProblem | undefined {
  const who = `aws-oidc ${spec.name}`;
  const flags: Record<string, FlagSpec> = { ...spec.flags, ...GLOBAL_FLAGS };
  const seen = new Map<string, string>();
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      // Never its text: a stray word is often a value typed without its flag, and values may be secrets.
      return { who, problem: `unexpected argument at position ${i + 1} (${arg.length} characters, not shown)`, fix: `give values after their flag (--name value); the flags are ${typed(Object.keys(spec.flags))}` };
    }
    const [written = '', inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2);
    const name = flags[written] ? written : written.replace(/^no-/, '');
    const flag = flags[name];
    if (!flag || !arg.startsWith('--') || (name !== written && flag.type !== 'boolean')) {
      const near = closest(written, Object.keys(spec.flags));
      return { who, problem: `unknown flag ${quote(arg.split('=')[0] as string)}`, fix: `${near ? `did you mean --${near}? ` : ''}the flags of ${spec.name} are ${typed(Object.keys(spec.flags))}` };
    }
    let value = inline;
    if (flag.type === 'string' && value === undefined) {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        return { who, problem: `--${name} needs a value`, fix: `pass --${name} <value> (${flag.describe ?? 'see --help'})` };
      }
      value = next;
      i++;
    } else if (flag.type === 'boolean' && value === undefined && /^(true|false)$/.test(args[i + 1] ?? '')) {
      i++;
    }
    if (seen.has(name) && flag.type === 'string') return { who, problem: `--${name} is given twice`, fix: `pass --${name} once` };
    seen.set(name, value ?? '');
  }
  if (seen.has('version')) return undefined;
  // A flag required only with another's value (--account-id with --format json) counts when that value is given or the default.
  const needed = (f: FlagSpec): boolean => f.demandOption === true ||
    (f.requiredWith !== undefined && (seen.get(f.requiredWith.flag) ?? String(spec.flags[f.requiredWith.flag]?.default)) === f.requiredWith.value);
  const missing = Object.entries(spec.flags).filter(([n, f]) => needed(f) && (seen.get(n) ?? '').trim() === '');
  if (missing.length === 0) return undefined;
  const names = missing.map(([n, f]) => `--${n}${f.requiredWith ? ` (with --${f.requiredWith.flag} ${f.requiredWith.value})` : ''}`);
  return { who, problem: `${names.slice(0, -1).join(', ')}${names.length > 1 ? ' and ' : ''}${names.at(-1) ?? ''} ${names.length === 1 ? 'is' : 'are'} required`, fix: missing.map(([, f]) => f.missingFix).join('; ') };
}

/** The first usage mistake in `args` (without node and the script), or undefined when yargs may run them. */
export function usageProblem(args: string[]): UsageProblem | undefined {
  const command = commandOf(args);
  // Asked for help, the user gets it, whatever else the line holds; but for a command that does not exist, the one meant.
  if (args.includes('--help')) return command !== undefined && 'problem' in command && command.problem.startsWith('unknown command') ? command : undefined;
  if (command === undefined) return undefined;
  if ('problem' in command) return command;
  return flagProblem(command, args);
}
