// Entry point of the create-manifest-list orb command: the fan-in of per-architecture builds.
import { stepParams } from '../lib/params.ts';
import { main, resultWriter } from '../lib/main.ts';
import { bashEnvWriter } from '../lib/sh-steps.ts';
import { resolveKeys } from '../lib/aws/credentials.ts';
import { ecrCalls } from '../lib/aws/ecr-calls.ts';
import { docker, dockerOutput, hasBuildx } from '../lib/docker.ts';
import { parseParams } from '../commands/create-manifest-list/params.ts';
import { run } from '../commands/create-manifest-list/run.ts';

main('create-manifest-list', async (env, log) => {
  const p = parseParams(stepParams(env), env);
  await run(p, {
    log, ...ecrCalls(env, log, p.retry),
    resolveKeys: (profile) => resolveKeys(profile, env, p.region),
    hasBuildx, docker, dockerOutput,
    writeExports: bashEnvWriter(env, log),
    writeResult: resultWriter(env),
  });
});
