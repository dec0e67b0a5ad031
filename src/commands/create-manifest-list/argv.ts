// The docker commands that stitch per-architecture images into one manifest list, as data.
import type { ResolvedBuilder } from '../build-and-push/argv.ts';

/**
 * The argv(s) that stitch per-architecture images into one multi-architecture manifest under `tags`: buildx's
 * one `imagetools create` for all tags, or a `docker manifest create` per tag, then a `docker manifest push` per
 * tag: run.ts checks every created list before the first push. The create has no --amend: run.ts removes any local list of that name
 * first (one left by an earlier failed run), and docker refuses to create over one it could not remove, so a
 * stale list never gets the new entries added to its old ones.
 */
export function stitchArgvs(builder: ResolvedBuilder, repositoryUri: string, tags: readonly string[], sources: readonly string[], insecure = false): string[][] {
  const ref = (s: string) => (s.includes('@') || s.includes('/') ? s : `${repositoryUri}:${s}`);
  if (builder === 'buildx') {
    return [['buildx', 'imagetools', 'create', ...tags.flatMap((t) => ['--tag', `${repositoryUri}:${t}`]), ...sources.map(ref)]];
  }
  // docker manifest talks to the registry itself, and reaches a plain-HTTP one only when told to.
  const plain = insecure ? ['--insecure'] : [];
  return [
    ...tags.map((t) => ['manifest', 'create', ...plain, `${repositoryUri}:${t}`, ...sources.map(ref)]),
    ...tags.map((t) => ['manifest', 'push', ...plain, '--purge', `${repositoryUri}:${t}`]),
  ];
}
