// Entry point of the assume-role-with-oidc orb command.
import { main, resultWriter } from '../lib/main.ts';
import { writeExports } from '../lib/bash-env.ts';
import { writeProfile } from '../lib/aws-files.ts';
import { runProgram } from '../lib/oidc-token.ts';
import { createSts } from '../lib/sts.ts';
import { realRetryDeps, retryingSts } from '../lib/retry.ts';
import { parseParams } from '../commands/assume-role-with-oidc/params.ts';
import { run } from '../commands/assume-role-with-oidc/run.ts';

main('assume-role-with-oidc', async (env, log) => {
  const params = parseParams(env, env);
  await run(params, {
    env, log, runProgram,
    sts: retryingSts(createSts(params.region), params.retry, realRetryDeps((line) => log.info(line))),
    writeExports: (entries) => writeExports(env.BASH_ENV, entries),
    writeProfile: (profile, creds, region) => writeProfile(env, profile, creds, region),
    writeResult: resultWriter(env),
  });
});
