// A repository's lifecycle and repository policies through the SDK against the strict local ECR (another
// account's registry): read back as written, kept apart, "none" told from a refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPolicy, POLICY_CALLS, setPolicy, type PolicyKind } from '../../../../src/lib/aws/ecr-policies.ts';
import type { EcrRepoRef } from '../../../../src/lib/aws/ecr-images.ts';
import { rejection } from '../../../support/rejection.ts';
import { LIFECYCLE, OTHER, OWN, PULL, REGION, startLocalEcr, type LocalEcr } from '../../../support/local-ecr.ts';

const KINDS: PolicyKind[] = ['lifecycle', 'repository'];
let e: LocalEcr;
let at: EcrRepoRef;
const env = {};

beforeAll(async () => {
  e = await startLocalEcr();
  at = { keys: e.keys, region: REGION, registryId: OTHER, repo: 'policed' };
  for (const [account, name] of [[OTHER, 'policed'], [OTHER, 'unpoliced'], [OTHER, 'lifecycle-only'], [OWN, 'policed']] as const) e.aws.ensureRepository({ account, region: REGION, name });
});
afterAll(() => e.close());

describe('getPolicy and setPolicy', () => {
  it('a repository without policies has none of either kind', async () => {
    // A repository of its own: the other tests write policies into 'policed', in any order.
    const bare = { ...at, repo: 'unpoliced' };
    expect(await getPolicy(bare, 'lifecycle', env)).toBeUndefined();
    expect(await getPolicy(bare, 'repository', env)).toBeUndefined();
  });

  it('each kind is written and read back as given, in the registry asked for only', async () => {
    await setPolicy(at, 'lifecycle', LIFECYCLE, env);
    await setPolicy(at, 'repository', PULL, env);
    expect(await getPolicy(at, 'lifecycle', env)).toBe(LIFECYCLE);
    expect(await getPolicy(at, 'repository', env)).toBe(PULL);
    // The caller's own registry has a repository of that name, untouched.
    expect(await getPolicy({ ...at, registryId: OWN }, 'lifecycle', env)).toBeUndefined();
    expect(await getPolicy({ ...at, registryId: OWN }, 'repository', env)).toBeUndefined();
  });

  it('the two kinds are kept apart: a lifecycle policy is no repository policy', async () => {
    const ref = { ...at, repo: 'lifecycle-only' };
    await setPolicy(ref, 'lifecycle', LIFECYCLE, env);
    expect(await getPolicy(ref, 'repository', env)).toBeUndefined();
    expect(await getPolicy(ref, 'lifecycle', env)).toBe(LIFECYCLE);
  });

  it.each(KINDS)('%s: a repository ECR does not have, and a policy ECR refuses, are errors', async (kind) => {
    const gone = { ...at, repo: 'gone' };
    expect((await rejection(getPolicy(gone, kind, env))).name).toBe('RepositoryNotFoundException');
    expect((await rejection(setPolicy(gone, kind, LIFECYCLE, env))).name).toBe('RepositoryNotFoundException');
    expect((await rejection(setPolicy(at, kind, '{"neither": []}', env))).name).toBe('InvalidParameterException');
  });
});

describe('POLICY_CALLS', () => {
  it('names the calls as IAM and ECR do', () => {
    expect(POLICY_CALLS).toEqual({
      lifecycle: { get: 'GetLifecyclePolicy', set: 'PutLifecyclePolicy' },
      repository: { get: 'GetRepositoryPolicy', set: 'SetRepositoryPolicy' },
    });
  });
});
