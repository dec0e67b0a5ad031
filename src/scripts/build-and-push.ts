// Entry point of the build-and-push orb command.
import { stepParams } from '../lib/params.ts';
import { readFileSync } from 'node:fs';
import { main, resultWriter } from '../lib/main.ts';
import { bashEnvWriter } from '../lib/sh-steps.ts';
import { resolveKeys } from '../lib/aws/credentials.ts';
import { ecrCalls } from '../lib/aws/ecr-calls.ts';
import { docker, dockerOutput, hasBuildx } from '../lib/docker.ts';
import { parseParams } from '../commands/build-and-push/params.ts';
import { run } from '../commands/build-and-push/run.ts';
import { parseRepoPolicies } from '../commands/ecr-images/policies.ts';
import { parseScanGate } from '../commands/ecr-images/scan-gate.ts';
import { realRepositoryPort } from '../commands/ecr-images/real-port.ts';

main('build-and-push', async (env, log) => {
  const src = stepParams(env);
  const base = parseParams(src, env, process.cwd());
  // Policy files are read and checked here, before any AWS call.
  const p = { ...base, policies: parseRepoPolicies(src, env, process.cwd(), base.region, base.createRepo, (f) => readFileSync(f, 'utf8')), scanGate: parseScanGate(src, env) };
  await run(p, {
    env, log, now: () => new Date(), ...ecrCalls(env, log, p.retry),
    resolveKeys: (profile) => resolveKeys(profile, env, p.region),
    hasBuildx, docker, dockerOutput,
    writeExports: bashEnvWriter(env, log),
    writeResult: resultWriter(env),
    repository: (keys, region, id, name) => realRepositoryPort(env, log, p.retry, keys, region, id, name),
  });
});
