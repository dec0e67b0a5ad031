// Entry point of the build-and-push orb command.
import { main, resultWriter } from '../lib/main.ts';
import { writeExports } from '../lib/bash-env.ts';
import { resolveKeys } from '../lib/aws/credentials.ts';
import { ecrCalls } from '../lib/aws/ecr-calls.ts';
import { docker, hasBuildx } from '../lib/docker.ts';
import { parseParams } from '../commands/build-and-push/params.ts';
import { run } from '../commands/build-and-push/run.ts';

main('build-and-push', async (env, log) => {
  const p = parseParams(env, env, process.cwd());
  await run(p, {
    env, log, now: () => new Date(), ...ecrCalls(env, log, p.retry),
    resolveKeys: (profile) => resolveKeys(profile, env, p.region),
    hasBuildx, docker,
    writeExports: (entries) => writeExports(env.BASH_ENV, entries),
    writeResult: resultWriter(env),
  });
});
