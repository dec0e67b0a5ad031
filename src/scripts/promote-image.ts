// Entry point of the promote-image orb command.
import { stepParams } from '../lib/params.ts';
import { main, resultWriter } from '../lib/main.ts';
import { bashEnvWriter } from '../lib/sh-steps.ts';
import { realRetryDeps, withRetry } from '../lib/retry.ts';
import { resolveKeys } from '../lib/aws/credentials.ts';
import { profileSetting } from '../lib/aws/files.ts';
import { createSts } from '../lib/aws/sts.ts';
import { describeRepository, getAuthorizationTokens, tagDigests } from '../lib/aws/ecr.ts';
import { getImage, putImage, type EcrRepoRef } from '../lib/aws/ecr-images.ts';
import { RegistryClient } from '../lib/registry/client.ts';
import { registryTransport } from '../lib/registry/transport.ts';
import { explainedRetry } from '../lib/aws/explain.ts';
import { parseParams } from '../commands/promote-image/params.ts';
import { promote } from '../commands/promote-image/run.ts';
import { immutableTagError } from '../commands/promote-image/explain.ts';

main('promote-image', async (env, log) => {
  const p = parseParams(stepParams(env), env, (profile) => profileSetting(env, profile, 'region'));
  const retryDeps = realRetryDeps((line) => log.info(line));
  const retry = <T>(what: string, call: () => Promise<T>) => withRetry(what, p.retry, retryDeps, call);
  const explained = explainedRetry(p.retry, retryDeps);
  const again = <T>(what: string, at: EcrRepoRef | string, call: () => Promise<T>) =>
    explained(what, typeof at === 'string' ? at : `for ${at.repo} in ECR registry ${at.registryId} (${at.region})`, call);
  const send = registryTransport(env);
  await promote(p, {
    log, retry,
    resolveKeys: (profile, region) => resolveKeys(profile, env, region),
    callerIdentity: (keys, region) => again('GetCallerIdentity', `in ${region}`, () => createSts(region, '', env).getCallerIdentity(keys)),
    describeRepository: (at) => again('DescribeRepositories', at, () => describeRepository(at.keys, at.region, at.registryId, at.repo, env)),
    getImage: (at, id) => again('BatchGetImage', at, () => getImage(at, id, env)),
    tagDigests: (at, tags) => again('BatchGetImage', at, () => tagDigests(at.keys, at.region, at.registryId, at.repo, tags, env)),
    putImage: (at, image, tag) => again('PutImage', at, () => putImage(at, image, tag, env).catch((err: unknown) => {
      const name = (err as { name?: string }).name;
      if (name === 'ImageAlreadyExistsException') return 'exists' as const;
      if (name === 'ImageTagAlreadyExistsException') throw immutableTagError('promote-image', at.repo, [{ tag, digest: 'another digest' }], image.digest);
      throw err;
    })),
    registry: async (at) => {
      const [login] = await again('GetAuthorizationToken', at, () => getAuthorizationTokens(at.keys, at.region, [at.registryId], env));
      if (!login) throw new Error(`ECR returned no login for registry ${at.registryId}`);
      log.secret(login.password);
      return new RegistryClient(login.proxyEndpoint, login.username, login.password, send);
    },
    writeExports: bashEnvWriter(env, log),
    writeResult: resultWriter(env),
  });
});
