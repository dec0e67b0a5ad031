// The ECR calls of the image steps (build-and-push, create-manifest-list), each retried by the step's
// policy and, when it fails, reported in the words of src/lib/aws/explain.ts.
import type { Env } from '../params.ts';
import type { Log } from '../log.ts';
import { realRetryDeps, type RetryPolicy } from '../retry.ts';
import type { AwsKeys } from './clients.ts';
import { createRepository, describeRepository, getAuthorizationTokens, tagDigests, type NewRepository, type RepositoryInfo } from './ecr.ts';
import { explainedRetry } from './explain.ts';
import { createSts } from './sts.ts';

/** What the image steps ask of AWS; regions and registry ids are per call. */
export interface EcrCalls {
  callerIdentity(keys: AwsKeys, region: string): Promise<{ arn: string; account: string }>;
  describeRepository(keys: AwsKeys, region: string, registryId: string, name: string): Promise<RepositoryInfo | undefined>;
  createRepository(keys: AwsKeys, region: string, registryId: string, name: string, settings: NewRepository): Promise<RepositoryInfo>;
  tagDigests(keys: AwsKeys, region: string, registryId: string, name: string, tags: readonly string[]): Promise<Map<string, string>>;
  /** The registry's proxyEndpoint as ECR reports it (https on AWS). */
  proxyEndpoint(keys: AwsKeys, region: string, registryId: string): Promise<string>;
}

/** Where a call went, as messages say it: "for <repo> in ECR registry <id> (<region>)". */
const where = (region: string, id: string, name?: string) => `${name ? `for ${name} ` : ''}in ECR registry ${id || 'of the identity'} (${region})`;

/** The real calls for a step: retried within `policy`, retries logged, failures explained. */
export function ecrCalls(env: Env, log: Log, policy: RetryPolicy): EcrCalls {
  const call = explainedRetry(policy, realRetryDeps((line) => log.info(line)));
  return {
    callerIdentity: (keys, region) => call('GetCallerIdentity', `in ${region}`, () => createSts(region, '', env).getCallerIdentity(keys)),
    describeRepository: (keys, region, id, name) => call('DescribeRepositories', where(region, id, name), () => describeRepository(keys, region, id, name, env)),
    createRepository: (keys, region, id, name, s) => call('CreateRepository', where(region, id, name), () => createRepository(keys, region, id, name, s, env)),
    tagDigests: (keys, region, id, name, tags) => call('BatchGetImage', where(region, id, name), () => tagDigests(keys, region, id, name, tags, env)),
    proxyEndpoint: async (keys, region, id) =>
      (await call('GetAuthorizationToken', where(region, id), () => getAuthorizationTokens(keys, region, [id], env)))[0]?.proxyEndpoint ?? 'https://',
  };
}
