// For e2e files that push images: the docker engine, and one registry per account behind the rig's
// local ECR (its proxyEndpoint then names the registry), started before the file's tests.
import { afterAll, beforeAll } from 'vitest';
import type { Rig } from './rig.ts';
import { LocalRegistry } from './registry.ts';
import { ensureDocker } from './docker.ts';
import { defaultRegistryEndpoint } from './aws/ecr-state.ts';

/** Registers the hooks; the map fills with one started registry per account. */
export function useRegistries(rig: Rig, accounts: string[]): Map<string, LocalRegistry> {
  const registries = new Map<string, LocalRegistry>();
  beforeAll(async () => {
    await ensureDocker();
    for (const account of accounts) registries.set(account, await LocalRegistry.start(account, rig.aws));
    rig.aws.setRegistryEndpoint((account, region) => registries.get(account)?.endpoint ?? defaultRegistryEndpoint(account, region));
  }, 90_000);
  afterAll(async () => {
    await Promise.all([...registries.values()].map((r) => r.close()));
  });
  return registries;
}
