// The real RepositoryPort of build-and-push and push-image: the SDK calls of src/lib/aws/, each retried by the
// step's policy and explained as the step reports AWS failures.
import type { Env } from '../../lib/params.ts';
import type { Log } from '../../lib/log.ts';
import { realRetryDeps, type RetryPolicy } from '../../lib/retry.ts';
import type { AwsKeys } from '../../lib/aws/clients.ts';
import { tagDigests } from '../../lib/aws/ecr.ts';
import { getImage, scanReport, startImageScan, type EcrRepoRef } from '../../lib/aws/ecr-images.ts';
import { getPolicy, POLICY_CALLS, setPolicy } from '../../lib/aws/ecr-policies.ts';
import { explainedRetry } from '../../lib/aws/explain.ts';
import type { RepositoryPort } from './after-push.ts';

/** Milliseconds between scan polls: AWS_OIDC_SCAN_POLL_MS (tests), else 5 s. */
export const scanPollMs = (env: Env): number => (/^\d{1,6}$/.test(env.AWS_OIDC_SCAN_POLL_MS ?? '') ? Number(env.AWS_OIDC_SCAN_POLL_MS) : 5000);

/** The port for repository `name` of registry `registryId` in `region`, signing with `keys`. */
export function realRepositoryPort(env: Env, log: Log, policy: RetryPolicy, keys: AwsKeys, region: string, registryId: string, name: string): RepositoryPort {
  const ref: EcrRepoRef = { keys, region, registryId, repo: name };
  const where = `for ${name} in ECR registry ${registryId} (${region})`;
  const call = explainedRetry(policy, realRetryDeps((line) => log.info(line)));
  const retried = <T>(what: string, send: () => Promise<T>) => call(what, where, send);
  return {
    policies: {
      get: (kind) => retried(POLICY_CALLS[kind].get, () => getPolicy(ref, kind, env)),
      set: (kind, text) => retried(POLICY_CALLS[kind].set, () => setPolicy(ref, kind, text, env)),
    },
    scans: {
      report: (digest) => retried('DescribeImageScanFindings', () => scanReport(ref, digest, env)),
      start: (digest) => retried('StartImageScan', () => startImageScan(ref, digest, env).then(() => true, (err: unknown) => {
        // An enhanced-scanning registry scans by itself and takes no manual scan.
        if ((err as { name?: string }).name === 'ValidationException') return false;
        throw err;
      })),
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      pollMs: scanPollMs(env),
    },
    getImage: (id) => retried('BatchGetImage', () => getImage(ref, id, env)),
    tagDigests: (tags) => retried('BatchGetImage', () => tagDigests(keys, region, registryId, name, tags, env)),
  };
}
