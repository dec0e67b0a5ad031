// Entry point of the push-image orb command.
import { spawn } from 'node:child_process';
import { main, resultWriter } from '../lib/main.ts';
import { bashEnvWriter } from '../lib/sh-steps.ts';
import { realRetryDeps, withRetry } from '../lib/retry.ts';
import { resolveKeys } from '../lib/aws/credentials.ts';
import { describeRepository } from '../lib/aws/ecr.ts';
import { createSts } from '../lib/aws/sts.ts';
import { explainAwsCall } from '../lib/aws/explain.ts';
import { realRepositoryPort } from '../commands/ecr-images/real-port.ts';
import { parseParams, pushImage } from '../commands/push-image/run.ts';

/** Runs docker; `quiet` drops its output. Resolves on exit 0, rejects otherwise. */
function docker(argv: string[], quiet = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', argv, { stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit'] });
    child.on('error', (err) => reject(new Error(`could not run docker: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker ${argv[0] ?? ''} exited with ${code}`))));
  });
}

main('push-image', async (env, log) => {
  const p = parseParams(env, env);
  const retry = realRetryDeps((line) => log.info(line));
  const again = <T>(what: string, where: string, call: () => Promise<T>) => withRetry(what, p.retry, retry, call).catch((err: unknown) => { throw explainAwsCall(what, where, err); });
  await pushImage(p, {
    log,
    resolveKeys: (profile) => resolveKeys(profile, env, p.region),
    callerIdentity: (keys, region) => again('GetCallerIdentity', `in ${region}`, () => createSts(region, '', env).getCallerIdentity(keys)),
    describeRepository: (keys, region, id, name) => again('DescribeRepositories', `for ${name} in ECR registry ${id} (${region})`, () => describeRepository(keys, region, id, name, env)),
    repository: (keys, region, id, name) => realRepositoryPort(env, log, p.retry, keys, region, id, name),
    hasLocalImage: (ref) => docker(['image', 'inspect', '--format', '{{.Id}}', ref], true).then(() => true, () => false),
    docker,
    writeExports: bashEnvWriter(env, log),
    writeResult: resultWriter(env),
  });
});
