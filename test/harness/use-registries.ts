// For e2e files that push images: the docker engine, and one registry per account behind the rig's
// local ECR (its proxyEndpoint then names the registry, and its DescribeImages and BatchGetImage read
// the registry's images), started before the file's tests. Repositories must exist in the local ECR
// before anything is pushed to them: `rig.aws.ensureRepository({ account, region: REGION, name })`.
import { afterAll, beforeAll } from 'vitest';
import type { Rig } from './rig.ts';
import { DEFAULT_REGISTRY_REGION, startRegistries, type LocalRegistry } from './registry.ts';

/** Registers the hooks; the map fills with one started registry per account, holding `region`'s repositories. */
export function useRegistries(rig: Rig, accounts: string[], region = DEFAULT_REGISTRY_REGION): Map<string, LocalRegistry> {
  const registries = new Map<string, LocalRegistry>();
  beforeAll(async () => {
    for (const [account, reg] of await startRegistries(rig.aws, accounts, region)) registries.set(account, reg);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([...registries.values()].map((r) => r.close()));
  });
  return registries;
}
