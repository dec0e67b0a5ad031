// Entry point of the push-image orb command.
import { stepParams } from '../lib/params.ts';
import { main, resultWriter } from '../lib/main.ts';
import { bashEnvWriter } from '../lib/sh-steps.ts';
import { resolveKeys } from '../lib/aws/credentials.ts';
import { ecrCalls } from '../lib/aws/ecr-calls.ts';
import { docker } from '../lib/docker.ts';
import { realRepositoryPort } from '../commands/ecr-images/real-port.ts';
import { parseParams, pushImage } from '../commands/push-image/run.ts';

main('push-image', async (env, log) => {
  const p = parseParams(stepParams(env), env);
  const calls = ecrCalls(env, log, p.retry);
  await pushImage(p, {
    log,
    resolveKeys: (profile) => resolveKeys(profile, env, p.region),
    callerIdentity: calls.callerIdentity,
    describeRepository: calls.describeRepository,
    repository: (keys, region, id, name) => realRepositoryPort(env, log, p.retry, keys, region, id, name),
    hasLocalImage: (ref) => docker(['image', 'inspect', '--format', '{{.Id}}', ref], {}, true).then(() => true, () => false),
    docker: (argv) => docker(argv),
    writeExports: bashEnvWriter(env, log),
    writeResult: resultWriter(env),
  });
});
