// The one place that reads process.env and prints failures: message, hint, stack only with ORB_DEBUG=1.
import { join } from 'node:path';
import { failureLines } from './report.ts';
import { Log } from './log.ts';
import { writeFileAtomic } from './files.ts';
import type { Env } from './params.ts';

/** Where each step writes its JSON result: $AWS_OIDC_RESULTS_DIR, else ~/.aws-oidc/results. */
export function resultsDir(env: Env): string {
  return env.AWS_OIDC_RESULTS_DIR || join(env.HOME || '.', '.aws-oidc', 'results');
}

/** Writes <dir>/<name>.json atomically, 0600. */
export function resultWriter(env: Env): (name: string, result: object) => void {
  return (name, result) => writeFileAtomic(join(resultsDir(env), `${name}.json`), JSON.stringify(result, null, 2) + '\n');
}

/** Runs a step body with a snapshot of the environment and reports its failure cleanly. */
export function main(step: string, body: (env: Env, log: Log) => Promise<void>): void {
  const env: Env = { ...process.env };
  const log = new Log((text) => process.stdout.write(text));
  body(env, log).catch((err: unknown) => {
    for (const line of failureLines(`aws-oidc/${step}`, err, env.ORB_DEBUG === '1')) process.stderr.write(log.redact(line) + '\n');
    process.exitCode = 1;
  });
}
