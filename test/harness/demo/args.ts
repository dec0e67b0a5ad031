// The command line of `npm run demo`: which config and job to run, the job's project variables, and what the local
// stand-ins should hold. Every refusal is one line that names the argument and says the fix.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { refNameProblem } from '../../../src/commands/trust-policy/params.ts';
import { parseRepositoryArg, type RepositoryWish } from './repositories.ts';

/** What `npm run demo -- ...` asked for. Paths are absolute. */
export interface DemoRequest {
  /** The config to run; absent: the packed orb's example `assume-role-and-call-aws`. */
  configPath?: string;
  /** The job (a workflow entry's name, or a key of `jobs:`); absent: the config's only job. */
  job?: string;
  /** Project/context variables (KEY=VALUE), masked in the output as CircleCI masks them. */
  env: Record<string, string>;
  /** A roles file (see README "Trying a config locally"): these roles instead of the ones the config names. */
  rolesPath?: string;
  /** The branch the job runs on (the OIDC token's vcs-ref); default main. */
  branch: string;
  /** What the job's `checkout` copies; absent: an empty git repository. */
  projectDir?: string;
  /** ECR repositories to create (--repository, repeatable) besides those the steps name. */
  repositories: RepositoryWish[];
  help: boolean;
}

/** A bad command line: the message is the one line to print. */
export class DemoUsageError extends Error {
  override name = 'DemoUsageError';
}

export const USAGE = 'usage: npm run demo -- [config.yml] [--job NAME] [--env KEY=VALUE]... [--roles FILE] [--branch NAME] [--project DIR] [--repository NAME]...';

/** Each option with the value it takes, as the usage line writes it. */
const TAKES: Record<string, string> = { '--job': 'NAME', '--env': 'KEY=VALUE', '--roles': 'FILE', '--branch': 'NAME', '--project': 'DIR', '--repository': 'NAME' };
const OPTIONS = [...Object.keys(TAKES), '--help'];
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The option closest to `flag` (at most two edits away), for a did-you-mean. */
function closest(flag: string): string | undefined {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    return d[a.length]![b.length]!;
  };
  const best = OPTIONS.map((o) => [o, dist(flag, o)] as const).sort((x, y) => x[1] - y[1])[0]!;
  return best[1] <= 2 ? best[0] : undefined;
}

/** One --env argument as KEY and VALUE; the value is never quoted in an error (it may be a secret). */
function envPair(arg: string, nth: number): [string, string] {
  const eq = arg.indexOf('=');
  if (eq < 0) {
    const shown = VAR_NAME.test(arg) ? `--env ${arg} has no value` : `--env argument ${nth} (not shown: it may be a secret) is not KEY=VALUE`;
    throw new DemoUsageError(`${shown}: write --env KEY=VALUE, e.g. --env DEPLOY_ROLE_ARN=arn:aws:iam::111111111111:role/deploy`);
  }
  const key = arg.slice(0, eq);
  if (!VAR_NAME.test(key)) {
    throw new DemoUsageError(`--env argument ${nth} has the key ${JSON.stringify(key)}, which is not a variable name: use letters, digits and _ (not first), as in --env DEPLOY_ROLE_ARN=...`);
  }
  return [key, arg.slice(eq + 1)];
}

/**
 * The refusal of a stray argument (the `pos`-th, 1-based): shown by position and length only, since a pasted value or
 * the rest of an unquoted `--env KEY=several words` may be a secret.
 */
function stray(pos: number, arg: string, configPath: string | undefined): string {
  const what = `argument ${pos} (${arg.length} characters, not shown: it may be a secret)`;
  if (configPath === undefined) return `${what} looks like KEY=VALUE: pass project variables as --env KEY=VALUE, and the config first`;
  return `one config at a time: ${what} comes after ${configPath}; run the demo once per config, and quote an --env value with spaces (--env "KEY=several words")`;
}

function repository(value: string): RepositoryWish {
  const wish = parseRepositoryArg(value);
  if (typeof wish === 'string') {
    throw new DemoUsageError(`--repository ${JSON.stringify(value)}: ${wish}; give NAME, ACCOUNT/NAME or <account>.dkr.ecr.<region>.amazonaws.com/NAME, e.g. --repository webapp`);
  }
  return wish;
}

function existing(flag: string, given: string, base: string, kind: 'file' | 'directory'): string {
  const path = resolve(base, given);
  const st = statSync(path, { throwIfNoEntry: false });
  const ok = kind === 'file' ? st?.isFile() : st?.isDirectory();
  if (!ok) {
    const what = st ? `is not a ${kind}` : 'does not exist';
    throw new DemoUsageError(`${flag} ${JSON.stringify(given)}: ${path} ${what}; give the path of a ${kind} (relative paths are from ${base}, where you ran npm)`);
  }
  return path;
}

/**
 * Parses the demo's arguments (after `demo`). `base` is the directory relative paths are taken from: where the user ran
 * npm (npm runs scripts from the package root and passes that directory as INIT_CWD). Throws DemoUsageError.
 */
export function parseDemoArgs(argv: readonly string[], base: string): DemoRequest {
  const req: DemoRequest = { env: {}, branch: 'main', repositories: [], help: false };
  const args = [...argv];
  let envCount = 0;
  while (args.length > 0) {
    const arg = args.shift()!;
    if (arg === '--help' || arg === '-h') { req.help = true; continue; }
    if (!arg.startsWith('-')) {
      if (req.configPath !== undefined || /^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) throw new DemoUsageError(stray(argv.length - args.length, arg, req.configPath));
      if (!/\.ya?ml$/.test(arg) && !statSync(resolve(base, arg), { throwIfNoEntry: false })) {
        throw new DemoUsageError(`argument ${argv.length - args.length} (${arg.length} characters, not shown: it may be a secret) is not a config file that exists: give the path of a .yml file (relative paths are from ${base}, where you ran npm)`);
      }
      req.configPath = existing('config', arg, base, 'file');
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    if (!(flag in TAKES)) {
      const near = closest(flag);
      const shown = /^--?[a-z][a-z-]{0,24}$/.test(flag) ? flag : `(argument ${argv.length - args.length}, ${arg.length} characters, not shown)`;
      throw new DemoUsageError(`unknown option ${shown}${near ? `; did you mean ${near}?` : ''} (${USAGE.slice('usage: '.length)})`);
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args.shift();
    if (value === undefined || (eq < 0 && value.startsWith('--'))) {
      throw new DemoUsageError(`${flag} needs a value: ${flag} ${TAKES[flag]}`);
    }
    if (flag === '--job') req.job = value;
    else if (flag === '--env') { const [k, v] = envPair(value, ++envCount); req.env[k] = v; }
    else if (flag === '--roles') req.rolesPath = existing('--roles', value, base, 'file');
    else if (flag === '--project') req.projectDir = existing('--project', value, base, 'directory');
    else if (flag === '--repository') req.repositories.push(repository(value));
    else if (value === '' || value.startsWith('-') || refNameProblem(value)) {
      throw new DemoUsageError(`--branch ${JSON.stringify(value)} is not a branch name git would take${value ? ` (it ${refNameProblem(value) ?? 'starts with "-"'})` : ''}: e.g. --branch main or --branch feature/login`);
    }
    else req.branch = value;
  }
  return req;
}
