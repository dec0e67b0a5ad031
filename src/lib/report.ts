// The one way a failure is put into words, whoever prints it: a step (src/lib/main.ts), the CLI
// (src/commands/cli/program.ts) or the docker credential helper (one line on stdout, as docker reads it).
import { OrbError } from './errors.ts';
import { awsErrorInfo } from './aws/errors.ts';
import { processSecrets } from './log.ts';

/** A failure as the user reads it: what happened, the fix when known, and whether it was foreseen (an OrbError). */
export interface Failure { message: string; fix: string | undefined; foreseen: boolean }

/** The message and fix of `err`: an OrbError's own, else "unexpected error: <message>" without a fix, the message on one line as awsErrorInfo reads any failure (cut, a reply the SDK could not read named as such). */
export function describeFailure(err: unknown): Failure {
  if (err instanceof OrbError) return { message: err.message, fix: err.hint, foreseen: true };
  return { message: `unexpected error: ${awsErrorInfo(err).message}`, fix: undefined, foreseen: false };
}

/**
 * The lines printed for a failure of `who` (e.g. aws-oidc/ecr-login): the message, a `fix:` line, and the
 * stack only when `debug`. Messages quote server text and values, so every line is redacted with the
 * secrets the process knows (src/lib/log.ts), whoever prints it.
 */
export function failureLines(who: string, err: unknown, debug: boolean): string[] {
  const f = describeFailure(err);
  const lines = [`${who}: ${f.message}`];
  if (f.fix) lines.push(`  fix: ${f.fix}`);
  if (debug && err instanceof Error && err.stack) lines.push(err.stack);
  return lines.map((l) => processSecrets.redact(l));
}

/** The same failure on one line ("<who>: <message>; <fix>"), for readers that take one line; redacted as failureLines. */
export function failureLine(who: string, err: unknown): string {
  const f = describeFailure(err);
  return processSecrets.redact(`${who}: ${f.message}${f.fix ? `; ${f.fix}` : ''}`);
}
