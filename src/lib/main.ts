// The one place that reads process.env and prints failures: message, hint, stack only with ORB_DEBUG=1.
import { join, normalize } from 'node:path';
import { failureLines } from './report.ts';
import { Log, processSecrets } from './log.ts';
import { writeFileAtomic } from './files.ts';
import { recordWritten, type Written } from './job-manifest.ts';
import type { Env } from './params.ts';

/** Where each step writes its JSON result: $AWS_OIDC_RESULTS_DIR, else ~/.aws-oidc/results. */
export function resultsDir(env: Env): string {
  return env.AWS_OIDC_RESULTS_DIR || join(env.HOME || '.', '.aws-oidc', 'results');
}

/** Writes <dir>/<name>.json atomically, 0600, recorded in the job's manifest. */
export function resultWriter(env: Env): (name: string, result: object) => void {
  return (name, result) => {
    const file = join(resultsDir(env), `${name}.json`);
    recordWritten(env, [['file', file]]);
    writeFileAtomic(file, JSON.stringify(result, null, 2) + '\n');
  };
}

/**
 * What a step runs on that the wrapper wrote into the job's home, for the job's manifest: its runtime
 * (AWS_OIDC_RUNTIME is ~/.aws-oidc/runtime/<step>.cjs), and the Node.js of install-node (`node` is
 * ~/.aws-oidc/node/<version>/bin/node). Recorded here rather than by the wrapper's sh, whose text every
 * use of every command inlines again.
 */
export function runsOn(env: Env, step: string, node: string): Written[] {
  const out: Written[] = [];
  if (normalize(env.AWS_OIDC_RUNTIME ?? '.') === join(env.HOME || '.', '.aws-oidc', 'runtime', `${step}.cjs`)) out.push(['runtime', step]);
  const installed = /\/\.aws-oidc\/node\/(\d+\.\d+\.\d+)\/bin\/node$/.exec(node)?.[1];
  if (installed) out.push(['node', installed]);
  return out;
}

/**
 * The one Log of this process, knowing the secret variables of `env` from the start and every secret
 * registered later: notes to `notesTo`, failures to stderr. Every runtime entry prints through it (a step
 * through main, the docker credential helper and the CLI directly); only answers that are secret by design
 * (credential_process JSON, the helper's password, the CLI's --print-exports) go to stdout unredacted.
 */
export function processLog(env: Env, notesTo: 'stdout' | 'stderr' = 'stdout'): Log {
  processSecrets.addEnv(env);
  const stderr = (text: string) => void process.stderr.write(text);
  return new Log(notesTo === 'stdout' ? (text) => void process.stdout.write(text) : stderr, { error: stderr });
}

/**
 * Runs a step body with a snapshot of the environment and its Log (notes on `notesTo`), and reports its failure
 * cleanly; first records what the step runs on (runsOn) in the job's manifest.
 */
export function main(step: string, body: (env: Env, log: Log) => Promise<void>, notesTo: 'stdout' | 'stderr' = 'stdout'): void {
  const env: Env = { ...process.env };
  const log = processLog(env, notesTo);
  Promise.resolve().then(() => recordWritten(env, runsOn(env, step, process.execPath))).then(() => body(env, log)).catch((err: unknown) => {
    for (const line of failureLines(`aws-oidc/${step}`, err, env.ORB_DEBUG === '1')) log.error(line);
    process.exitCode = 1;
  });
}
