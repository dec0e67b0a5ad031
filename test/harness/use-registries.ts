// For e2e files that push images: the docker engine, and one registry per account behind the rig's
// local ECR (its proxyEndpoint then names the registry, and its DescribeImages and BatchGetImage read
// the registry's images), started before the file's tests. Repositories must exist in the local ECR
// before anything is pushed to them: `rig.aws.ensureRepository({ account, region: REGION, name })`.
import { afterAll, beforeAll } from 'vitest';
import type { Rig } from './rig.ts';
import { DEFAULT_REGISTRY_REGION, LocalRegistry } from './registry.ts';
import { ensureDocker } from './docker.ts';
import { defaultRegistryEndpoint } from './aws/ecr-state.ts';

/** Registers the hooks; the map fills with one started registry per account, holding `region`'s repositories. */
export function useRegistries(rig: Rig, accounts: string[], region = DEFAULT_REGISTRY_REGION): Map<string, LocalRegistry> {
  const registries = new Map<string, LocalRegistry>();
  beforeAll(async () => {
    await ensureDocker();
    for (const account of accounts) registries.set(account, await LocalRegistry.start(account, rig.aws, { region }));
    rig.aws.setRegistryEndpoint((account, r) => registries.get(account)?.endpoint ?? defaultRegistryEndpoint(account, r));
    const registryOf = (account: string, r: string) => {
      const reg = registries.get(account);
      return reg?.region === r ? reg : undefined;
    };
    rig.aws.setImageSource(
      async (account, r, repo, id) => registryOf(account, r)?.image(repo, id),
      async (account, r, repo) => (await registryOf(account, r)?.images(repo)) ?? [],
    );
  }, 90_000);
  afterAll(async () => {
    await Promise.all([...registries.values()].map((r) => r.close()));
  });
  return registries;
}
