// How the docker credential helper and self-refresh profiles run the runtime again, in later steps: through the
// loader that ran this step (tools/loader.ts, whose text it leaves on globalThis), which checks the file's
// SHA-256 against the one built into it and refuses a changed file, instead of a plain `node <file>`.
import { OrbError } from './errors.ts';
import { NODE_DEBUG_OFF } from './log.ts';
import type { Env } from './params.ts';

/** The global the loader leaves its own text under (tools/loader.ts LOADER_GLOBAL; a test checks they agree). */
export const LOADER_KEY = Symbol.for('aws-oidc.loader');

/** What a launcher needs: the Node that ran the step, the runtime file and the loader's text. */
export interface Launch { node: string; runtime: string; loader: string }

/**
 * This step's launch: `process.execPath`, `AWS_OIDC_RUNTIME` and the loader's text. An OrbError naming `what`
 * when the runtime was not started by the orb's loader (no AWS_OIDC_RUNTIME or no loader text), or when the
 * text could not stand between single quotes on one line of a config file (a quote, a line break, or a `;` or
 * `#` after a blank, which the AWS SDKs' config parsers read as a comment).
 */
export function stepLaunch(env: Env, what: string): Launch {
  const runtime = env.AWS_OIDC_RUNTIME;
  const loader = (globalThis as Record<symbol, unknown>)[LOADER_KEY];
  if (!runtime || typeof loader !== 'string' || loader === '') {
    throw new OrbError(`${what} needs the runtime the orb leaves in the job home, and this runtime was not started by the orb's loader`, 'run this step through the orb command');
  }
  if (/['\r\n]|\s[;#]/.test(loader)) throw new OrbError(`${what}: the orb's loader cannot be written into a launcher (it has a quote, a line break or a comment mark)`, 'use the orb as published, unedited');
  return { node: process.execPath, runtime, loader };
}

/**
 * The sh words that run the runtime through its loader, to be followed by the runtime's own arguments:
 * `env NODE_DEBUG= NODE_DEBUG_NATIVE= AWS_OIDC_RUNTIME=<runtime> <node> -e '<loader>' --`. `quote` quotes the
 * two paths (env(1) clears Node's debug logging whether a shell or a program runs the line).
 */
export function launchWords(l: Launch, quote: (path: string) => string): string {
  return `env ${NODE_DEBUG_OFF} AWS_OIDC_RUNTIME=${quote(l.runtime)} ${quote(l.node)} -e '${l.loader}' --`;
}
