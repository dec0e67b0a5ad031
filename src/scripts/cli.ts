// The local CLI `aws-oidc`: helpers run on a workstation or in other CI systems, not in a job.
// The program is src/commands/cli/program.ts; this entry gives it the real process, files and STS.
import { hideBin } from 'yargs/helpers';
import { runCli } from '../commands/cli/program.ts';
import { readCapped, readRegularFile } from '../commands/cli/input.ts';
import { createSts, retryingSts } from '../lib/aws/sts.ts';
import { realRetryDeps } from '../lib/retry.ts';
import { sayingUnanswered } from '../lib/aws/unanswered.ts';
import { processLog } from '../lib/main.ts';

/** All of stdin (at most 1 MiB), as text; a terminal is refused rather than waited on (the token is piped in, never typed). */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new Error('stdin is a terminal, not a pipe or a file');
  return readCapped(process.stdin);
}

/** The package's version, which the build (tools/build.ts) writes in as a constant. */
declare const AWS_OIDC_VERSION: string | undefined;

const env = { ...process.env };
// stdout is the CLI's answer (with --print-exports, secret by request); stderr passes the process's one Log.
const errors = processLog(env, 'stderr');
runCli(hideBin(process.argv), {
  env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => errors.error(text),
  now: () => Date.now(),
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  version: typeof AWS_OIDC_VERSION === 'string' ? AWS_OIDC_VERSION : 'unknown (not built)',
  readFile: readRegularFile,
  readStdin,
  sts: (p, log) => sayingUnanswered(retryingSts(createSts(p.region, p.stsEndpoint, env), p.retry, realRetryDeps((line) => log.info(line))),
    { env, endpointSettings: '--region, --sts-endpoint, AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL' }),
}).then((code) => { process.exitCode = code; }, (err: unknown) => {
  errors.error(`aws-oidc: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
