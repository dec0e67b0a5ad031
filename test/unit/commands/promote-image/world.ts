// promote-image's world for its run tests: one in-memory registry per account, which ECR reads too (GetImage,
// tag digests, PutImage go to the same manifests), the identities of the profiles, and what the step wrote.
import type { PromoteDeps } from '../../../../src/commands/promote-image/run.ts';
import { parseParams } from '../../../../src/commands/promote-image/params.ts';
import type { EcrImage } from '../../../../src/lib/aws/ecr-images.ts';
import { Log, Secrets } from '../../../../src/lib/log.ts';
import { orbParams } from '../../../support/params.ts';
import { memoryRegistry, sha, type MemoryRegistry } from '../../lib/registry/memory-registry.ts';

export const STAGING = '111111111111';
export const PRODUCTION = '222222222222';
export const REGION = 'eu-west-1';

/** The keys of a profile ('' is the environment's), with secrets that must never show. */
export const keysOf = (profile: string) => ({
  accessKeyId: `AKIA${(profile || 'env').toUpperCase().padEnd(16, 'X')}`, secretAccessKey: `secret-key-of-${profile || 'env'}-0123456789`,
  sessionToken: `session-token-of-${profile || 'env'}-0123456789`, source: profile ? `profile ${profile}` : 'the environment',
});

/** Which account each profile's identity is in. */
const ACCOUNT_OF: Record<string, string> = { '': STAGING, staging: STAGING, production: PRODUCTION };

export interface PromoteWorld {
  registries: Map<string, MemoryRegistry>;
  /** Repositories ECR has, as <account>/<name> -> tag mutability. */
  repos: Map<string, string>;
  calls: string[];
  lines: string[];
  exports: Record<string, string | null>[];
  results: { name: string; result: object }[];
  secrets: Secrets;
  /** Replaces what tagDigests answers after the first call (another job moving tags). */
  moved?: Map<string, string>;
}

/** A world with a registry per account; `repos` as <account>/<name> -> mutability. */
export async function promoteWorld(repos: Record<string, string>): Promise<PromoteWorld> {
  const registries = new Map([[STAGING, await memoryRegistry({ mount: true })], [PRODUCTION, await memoryRegistry({ mount: true })]]);
  return { registries, repos: new Map(Object.entries(repos)), calls: [], lines: [], exports: [], results: [], secrets: new Secrets() };
}

/** promote-image's parameters from orb parameters (region eu-west-1). */
export const promoteParams = (p: Record<string, string>) => parseParams(orbParams(p), { AWS_REGION: REGION }, () => undefined);

/** The step's dependencies over `w`; every ECR call and retried piece is recorded in w.calls. */
export function promoteDeps(w: PromoteWorld): PromoteDeps {
  const reg = (account: string) => w.registries.get(account) as MemoryRegistry;
  const manifests = (at: { registryId: string; repo: string }) => reg(at.registryId).repo(at.repo).manifests;
  let reads = 0;
  return {
    log: new Log((t) => { w.lines.push(t.trimEnd()); }, { secrets: w.secrets }),
    resolveKeys: async (profile, region) => { w.calls.push(`keys ${profile} ${region}`); return keysOf(profile); },
    callerIdentity: async (keys) => {
      const profile = Object.keys(ACCOUNT_OF).find((p) => keysOf(p).accessKeyId === keys.accessKeyId) ?? '';
      return { arn: `arn:aws:sts::${ACCOUNT_OF[profile]}:assumed-role/r/s`, account: ACCOUNT_OF[profile] as string };
    },
    describeRepository: async (at) => {
      const mutability = w.repos.get(`${at.registryId}/${at.repo}`);
      if (!mutability) return undefined;
      return { registryId: at.registryId, repositoryName: at.repo, repositoryUri: `${at.registryId}.dkr.ecr.${at.region}.amazonaws.com/${at.repo}`, imageTagMutability: mutability, scanOnPush: true, encryptionType: 'AES256' };
    },
    getImage: async (at, id): Promise<EcrImage | undefined> => {
      w.calls.push(`getImage ${at.registryId}/${at.repo} ${JSON.stringify(id)}`);
      const m = manifests(at).get('imageTag' in id ? id.imageTag : id.imageDigest);
      return m && { digest: sha(m.bytes), mediaType: m.mediaType, manifest: m.bytes.toString() };
    },
    tagDigests: async (at, tags) => {
      if (reads++ > 0 && w.moved) return w.moved;
      const found = tags.flatMap((t) => { const m = manifests(at).get(t); return m ? [[t, sha(m.bytes)] as const] : []; });
      return new Map(found);
    },
    putImage: async (at, image, tag) => {
      w.calls.push(`putImage ${at.registryId}/${at.repo} ${tag}`);
      const had = manifests(at).get(tag);
      if (had && sha(had.bytes) === image.digest) return 'exists';
      manifests(at).set(tag, { bytes: Buffer.from(image.manifest), mediaType: image.mediaType });
      return image.digest;
    },
    registry: async (at) => reg(at.registryId).client(`password-for-${at.keys.accessKeyId}`),
    retry: (what, call) => { w.calls.push(`retry ${what}`); return call(); },
    writeExports: (e) => { w.exports.push(e); },
    writeResult: (name, result) => { w.results.push({ name, result }); },
  };
}
