// A repository's policies through @aws-sdk/client-ecr: the lifecycle policy (Get/PutLifecyclePolicy) and the
// repository (resource) policy (Get/SetRepositoryPolicy). Each call runs within the whole-call deadline.
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html
import { GetLifecyclePolicyCommand, GetRepositoryPolicyCommand, PutLifecyclePolicyCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import type { Env } from '../params.ts';
import { ecrClient } from './clients.ts';
import { withinDeadline, type EcrRepoRef } from './ecr-images.ts';

/** The two policies a repository may have. */
export type PolicyKind = 'lifecycle' | 'repository';

/** The ECR API calls that read and write each kind, as messages and IAM name them. */
export const POLICY_CALLS: Readonly<Record<PolicyKind, { get: string; set: string }>> = {
  lifecycle: { get: 'GetLifecyclePolicy', set: 'PutLifecyclePolicy' },
  repository: { get: 'GetRepositoryPolicy', set: 'SetRepositoryPolicy' },
};

/** The policy text a repository has, or undefined when it has none (LifecyclePolicyNotFound/RepositoryPolicyNotFound). */
export async function getPolicy(at: EcrRepoRef, kind: PolicyKind, env: Env): Promise<string | undefined> {
  const client = ecrClient(at.region, at.keys, env);
  const input = { registryId: at.registryId, repositoryName: at.repo };
  try {
    if (kind === 'lifecycle') {
      return (await withinDeadline(env, POLICY_CALLS.lifecycle.get, (abortSignal) => client.send(new GetLifecyclePolicyCommand(input), { abortSignal }))).lifecyclePolicyText;
    }
    return (await withinDeadline(env, POLICY_CALLS.repository.get, (abortSignal) => client.send(new GetRepositoryPolicyCommand(input), { abortSignal }))).policyText;
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'LifecyclePolicyNotFoundException' || name === 'RepositoryPolicyNotFoundException') return undefined;
    throw err;
  }
}

/** Replaces the repository's policy of `kind` with `text` (JSON, checked by the caller before any call). */
export async function setPolicy(at: EcrRepoRef, kind: PolicyKind, text: string, env: Env): Promise<void> {
  const client = ecrClient(at.region, at.keys, env);
  const input = { registryId: at.registryId, repositoryName: at.repo };
  if (kind === 'lifecycle') {
    await withinDeadline(env, POLICY_CALLS.lifecycle.set, (abortSignal) => client.send(new PutLifecyclePolicyCommand({ ...input, lifecyclePolicyText: text }), { abortSignal }));
    return;
  }
  await withinDeadline(env, POLICY_CALLS.repository.set, (abortSignal) => client.send(new SetRepositoryPolicyCommand({ ...input, policyText: text }), { abortSignal }));
}
