// Entry point of the build-and-push orb command.
import { spawn } from 'node:child_process';
import { main, resultWriter } from '../lib/main.ts';
import { bashEnvWriter } from '../lib/sh-steps.ts';
import { realRetryDeps, withRetry } from '../lib/retry.ts';
import { resolveKeys } from '../lib/aws/credentials.ts';
import { callerIdentity, createRepository, describeRepository, getAuthorizationTokens, tagDigests } from '../lib/aws/ecr.ts';
import { parseParams } from '../commands/build-and-push/params.ts';
import { explainAwsCall, run, type BuildAndPushDeps } from '../commands/build-and-push/run.ts';
import { parseStitchParams, stitch } from '../commands/build-and-push/stitch.ts';
import type { Env } from '../lib/params.ts';
import type { Log } from '../lib/log.ts';
import type { RetryPolicy } from '../lib/retry.ts';
import type { AwsKeys } from '../lib/aws/clients.ts';

/** Runs docker with the step's stdout/stderr; resolves on exit 0. */
function docker(argv: string[], extraEnv: Record<string, string> = {}, quiet = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', argv, { env: { ...process.env, ...extraEnv }, stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit'] });
    child.on('error', (err) => reject(new Error(`could not run docker: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker ${argv[0] ?? ''} exited with ${code}`))));
  });
}

/** The real calls, each retried by the policy (proxyEndpoint serves create-manifest-list). */
function deps(env: Env, log: Log, policy: RetryPolicy, region: string): Omit<BuildAndPushDeps, 'now'> & { proxyEndpoint(keys: AwsKeys, region: string, id: string): Promise<string> } {
  const retry = realRetryDeps((line) => log.info(line));
  const again = <T>(what: string, call: () => Promise<T>, where = '') =>
    withRetry(what, policy, retry, call).catch((err: unknown) => { throw explainAwsCall(what, where, err); });
  const at = (region: string, id: string, name?: string) => `${name ? `for ${name} ` : ''}in ECR registry ${id || 'of the identity'} (${region})`;
  return {
    env, log,
    resolveKeys: (profile) => resolveKeys(profile, env, region),
    callerIdentity: (keys, region) => again('GetCallerIdentity', () => callerIdentity(keys, region, env), `in ${region}`),
    describeRepository: (keys, region, id, name) => again('DescribeRepositories', () => describeRepository(keys, region, id, name, env), at(region, id, name)),
    createRepository: (keys, region, id, name, s) => again('CreateRepository', () => createRepository(keys, region, id, name, s, env), at(region, id, name)),
    tagDigests: (keys, region, id, name, tags) => again('BatchGetImage', () => tagDigests(keys, region, id, name, tags, env), at(region, id, name)),
    proxyEndpoint: async (keys, region, id) =>
      (await again('GetAuthorizationToken', () => getAuthorizationTokens(keys, region, [id], env), at(region, id)))[0]?.proxyEndpoint ?? 'https://',
    hasBuildx: () => docker(['buildx', 'version'], {}, true).then(() => true, () => false),
    docker,
    writeExports: bashEnvWriter(env, log),
    writeResult: resultWriter(env),
  };
}

// The same runtime serves create-manifest-list (its step sets AWS_OIDC_STEP), the fan-in of per-architecture builds.
if (process.env.AWS_OIDC_STEP === 'create-manifest-list') {
  main('create-manifest-list', async (env, log) => {
    const p = parseStitchParams(env, env);
    await stitch(p, deps(env, log, p.retry, p.region));
  });
} else {
  main('build-and-push', async (env, log) => {
    const p = parseParams(env, env, process.cwd());
    await run(p, { ...deps(env, log, p.retry, p.region), now: () => new Date() });
  });
}
