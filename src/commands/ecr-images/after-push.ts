// What build-and-push and push-image share around a push: the repository policies after create-repo, the
// explanation of a push that ECR refused because the repository is IMMUTABLE, and the scan gate of the
// pushed digest (each image of a multi-architecture list).
import { OrbError } from '../../lib/errors.ts';
import type { Log } from '../../lib/log.ts';
import type { EcrImage, ImageRef } from '../../lib/aws/ecr-images.ts';
import type { RepositoryInfo } from '../../lib/aws/ecr.ts';
import { isList } from '../../lib/registry/copy.ts';
import { immutableTagError, isImmutable } from '../promote-image/explain.ts';
import { applyPolicies, type PolicyPort, type RepoPolicies } from './policies.ts';
import { scanGate, type ScanGateParams, type ScanPort, type ScanVerdict } from './scan-gate.ts';

/** The ECR calls around a push, bound to one repository (the real ones retried and explained by the entry point). */
export interface RepositoryPort {
  policies: PolicyPort;
  scans: Omit<ScanPort, 'log'>;
  getImage(id: ImageRef): Promise<EcrImage | undefined>;
  tagDigests(tags: readonly string[]): Promise<Map<string, string>>;
}

/** Applies the policies on a created repository, or on an existing one with update-repo-policies; logs what it did. */
export async function repositoryPolicies(p: RepoPolicies | undefined, port: RepositoryPort, created: boolean, log: Log): Promise<void> {
  if (!p || (!p.lifecycle && !p.repository)) return;
  if (!created && !p.updateExisting) {
    log.info('The repository exists: its policies are left as they are (update-repo-policies: true replaces them)');
    return;
  }
  for (const line of await applyPolicies(p, port.policies, created)) log.info(line);
}

/**
 * The error for a failed push: when the repository is IMMUTABLE and some of `tags` exist, ECR refused to
 * move them, and the error names them, their digests and the fixes; else `fallback`.
 */
export async function pushFailure(step: 'build-and-push' | 'push-image', repo: RepositoryInfo, tags: readonly string[], port: RepositoryPort, fallback: OrbError): Promise<OrbError> {
  if (!isImmutable(repo.imageTagMutability)) return fallback;
  const have = await port.tagDigests(tags).catch(() => new Map<string, string>());
  const conflicts = tags.filter((t) => have.has(t)).map((tag) => ({ tag, digest: have.get(tag) ?? '' }));
  if (conflicts.length === 0) return fallback;
  return immutableTagError(step, repo.repositoryUri, conflicts, undefined);
}

/** Attestations and other entries without a runnable platform are not scanned as images. */
function scannable(d: { platform?: { os?: string; architecture?: string }; annotations?: Record<string, string> }): boolean {
  return !d.annotations?.['vnd.docker.reference.type'] && d.platform?.os !== 'unknown';
}

/** Runs the scan gate on `digest` (each image of a list), when it is on; undefined when it is off. */
export async function gatePushed(digest: string, repo: RepositoryInfo, gate: ScanGateParams | undefined, port: RepositoryPort, log: Log): Promise<ScanVerdict | undefined> {
  if (!gate?.enabled) return undefined;
  let digests = [digest];
  const image = await port.getImage({ imageDigest: digest });
  if (image && isList(image.mediaType)) {
    const doc = JSON.parse(image.manifest) as { manifests?: { digest: string; platform?: { os?: string }; annotations?: Record<string, string> }[] };
    digests = (doc.manifests ?? []).filter(scannable).map((m) => m.digest);
  }
  return scanGate(digests, repo.scanOnPush, gate, { ...port.scans, log: (line) => log.info(line) });
}
