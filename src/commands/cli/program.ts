// The `aws-oidc` CLI as a function of its arguments and its surroundings, so tests run it in-process.
// Thin: parse flags, call the command code, print. Secrets go nowhere but stdout, and only when asked.
import yargs, { type Argv } from 'yargs';
import { OrbError } from '../../lib/errors.ts';
import { failureLines } from '../../lib/report.ts';
import { Log } from '../../lib/log.ts';
import type { Env } from '../../lib/params.ts';
import type { StsPort } from '../../lib/aws/sts.ts';
import { parseTrustPolicyFlags, type RawFlags } from '../trust-policy/params.ts';
import { trustPolicy } from '../trust-policy/generate.ts';
import { render } from '../trust-policy/render.ts';
import { parsePolicy } from '../doctor/policy.ts';
import { doctor, passes, renderReport } from '../doctor/check.ts';
import { checkSignature, type KeySource } from '../doctor/signature.ts';
import { httpTimeoutMs } from '../../lib/aws/http-handler.ts';
import { readToken, type TokenInput } from '../assume-from-file/token-file.ts';
import { ASSUME_FLAGS, assumeFromToken, parseAssumeFlags, requireOutput } from '../assume-from-file/run.ts';
import type { AssumeRoleParams } from '../assume-role-with-oidc/params.ts';
import { COMMANDS, type CommandSpec } from './commands.ts';
import { usageProblem } from './usage.ts';

/** Everything the CLI touches outside itself. */
export interface CliIo extends TokenInput {
  env: Env;
  stdout(text: string): void;
  stderr(text: string): void;
  now(): number;
  /** The terminal's width in columns when stdout is a terminal; undefined when it is a pipe or a file (help is not wrapped then). */
  columns?: number | undefined;
  /** What --version prints: the package's version. */
  version: string;
  /** The STS client for the validated flags (endpoint, proxy and retries as the orb's step has them). */
  sts(p: AssumeRoleParams, log: Log): StsPort;
}

/** The flag values by name, as strings (yargs may give numbers). */
function pick(argv: Record<string, unknown>, names: readonly string[]): RawFlags {
  return Object.fromEntries(names.map((f) => [f, argv[f] === undefined ? undefined : String(argv[f])]));
}

/** One command's flags and examples, as yargs takes them. */
const builder = (spec: CommandSpec) => (y: Argv): Argv => {
  const withFlags = Object.entries(spec.flags).reduce((acc, [name, { missingFix: _fix, requiredWith: _with, ...options }]) => acc.option(name, options), y);
  return spec.examples.reduce((acc, [line, what]) => acc.example(line, what), withFlags);
};

const spec = (name: string): CommandSpec => COMMANDS.find((c) => c.name === name) as CommandSpec;

/** The text of doctor's --policy-file; an unreadable file is an OrbError naming it. */
function readPolicyFile(path: string, io: CliIo): string {
  try {
    return io.readFile(path);
  } catch (err) {
    throw new OrbError(`--policy-file ${path}: cannot read it (${(err as Error).message})`, 'check the path', { cause: err });
  }
}

/** doctor's --jwks-file (read now) or --jwks-url; undefined when neither is given. */
function keySource(argv: Record<string, unknown>, io: CliIo): KeySource | undefined {
  const [file, url] = [argv['jwks-file'], argv['jwks-url']].map((v) => (v === undefined ? '' : String(v).trim()));
  if (file && url) throw new OrbError('--jwks-file and --jwks-url both given', 'give one of them: the keys saved in a file, or the URL to fetch them from');
  if (url) return { url };
  if (!file) return undefined;
  try {
    return { file, text: io.readFile(file) };
  } catch (err) {
    throw new OrbError(`--jwks-file ${file}: cannot read it (${(err as Error).message})`, 'check the path', { cause: err });
  }
}

/** `text` with the user:password of any URL in it shown as *** (a message may quote a URL, Node's own messages too). */
export const withoutUserinfo = (text: string): string => text.replace(/\b([a-z][a-z\d+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');

/** The yargs program; `result.code` is the exit code the handlers set. */
function program(args: string[], io: CliIo, result: { code: number }): Argv {
  const fail = (command: string, err: unknown, log?: Log): void => {
    for (const line of failureLines(`aws-oidc ${command}`, err, io.env.ORB_DEBUG === '1')) io.stderr(`${withoutUserinfo(log ? log.redact(line) : line)}\n`);
    result.code = 1;
  };

  return yargs(args)
    .scriptName('aws-oidc')
    .usage('$0 <command> [options]\n\nAWS credentials from CircleCI OIDC tokens: set-up, checks and local use.')
    .command('trust-policy', spec('trust-policy').describe, builder(spec('trust-policy')), (argv) => {
      try {
        const params = parseTrustPolicyFlags(pick(argv, Object.keys(spec('trust-policy').flags)));
        io.stdout(render(params.format, { ...trustPolicy(params), roleName: params.roleName }));
      } catch (err) {
        fail('trust-policy', err);
      }
    })
    .command('doctor', spec('doctor').describe, builder(spec('doctor')), async (argv) => {
      try {
        const { token, claims } = await readToken(String(argv['token-file']), io);
        const path = String(argv['policy-file']);
        const statements = parsePolicy(readPolicyFile(path, io), path);
        const signature = await checkSignature(token, claims.iss, keySource(argv, io), httpTimeoutMs(io.env));
        const report = { ...doctor(claims, statements, io.now()), signature };
        io.stdout(withoutUserinfo(renderReport(report)));
        // The policy refuses (or the signature failed): 1. It admits, but the --jwks-url gave no keys to check the signature with: 3.
        if (!passes(report)) result.code = 1;
        else if (signature.status === 'unfetched') result.code = KEYS_UNFETCHED_EXIT;
      } catch (err) {
        fail('doctor', err);
      }
    })
    .command(['assume-role', 'assume'], spec('assume-role').describe, builder(spec('assume-role')), async (argv) => {
      const log = new Log((text) => io.stderr(text));
      try {
        // Every input is checked (flags, then the token) before the question of where the credentials go.
        const printExports = argv['print-exports'] === true;
        const p = parseAssumeFlags(pick(argv, ASSUME_FLAGS), printExports, io.env);
        const { token } = await readToken(String(argv['token-file']), io);
        log.secret(token);
        requireOutput(p, printExports);
        await assumeFromToken(p, token, { sts: io.sts(p, log), log, env: io.env, stdout: io.stdout, tokenFile: String(argv['token-file']) });
      } catch (err) {
        fail('assume-role', err, log);
      }
    })
    .demandCommand(1, 'name a command, e.g. aws-oidc trust-policy --help')
    .strict()
    .help()
    .version(io.version)
    // On a terminal, lines break between words at its width (at most 120); piped, not at all, so examples paste whole.
    .wrap(io.columns ? Math.min(io.columns, 120) : null)
    .exitProcess(false);
}

/** A JWT (or the start of one): base64url JSON beginning with {" is eyJ. */
const looksLikeToken = (arg: string): boolean => /(^|=)eyJ[\w-]{8,}/.test(arg);

/** The exit code of a usage mistake (an unknown command or flag, a required flag missing), as getopt-style tools use it. */
export const USAGE_EXIT = 2;

/** doctor's exit code when the policy admits the token's claims but the signature could not be checked (the --jwks-url gave no keys). */
export const KEYS_UNFETCHED_EXIT = 3;

/** Runs the CLI on `args` (without node and the script); returns the exit code. */
export async function runCli(given: string[], io: CliIo): Promise<number> {
  // -h and -v, as most CLIs take them: --help and --version.
  const args = given.map((a) => (a === '-h' ? '--help' : a === '-v' ? '--version' : a));
  if (args.some(looksLikeToken)) {
    // A token on the command line is already in the shell history and `ps`; at least never print it back.
    io.stderr('aws-oidc: an argument looks like an OIDC token (not shown); the CLI never takes the token on the command line\n' +
      '  fix: write it to a file (mode 0600) and pass --token-file <path>, or pipe it in with --token-file -\n');
    return 1;
  }
  const usage = usageProblem(args);
  if (usage) {
    io.stderr(`${usage.who}: ${usage.problem}; fix: ${usage.fix}\n`);
    return USAGE_EXIT;
  }
  const result = { code: 0 };
  let output = '';
  let failure: Error | undefined;
  await program(args, io, result).parseAsync(args, {}, (err: Error | undefined, _argv: unknown, out: string) => {
    failure = err ?? undefined;
    output = out;
  });
  if (failure) {
    // A usage error the checks above let through: yargs' reason on one line, without the help.
    io.stderr(`aws-oidc: ${withoutUserinfo(failure.message.split('\n').join('; '))}; fix: aws-oidc --help describes the commands and their flags\n`);
    return USAGE_EXIT;
  }
  if (output) io.stdout(output.endsWith('\n') ? output : `${output}\n`);
  return result.code;
}
