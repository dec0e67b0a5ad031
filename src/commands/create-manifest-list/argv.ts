// The docker commands that stitch per-architecture images into one manifest list, as data.
import type { ResolvedBuilder } from '../build-and-push/argv.ts';

/** The argv(s) that stitch per-architecture images into one multi-architecture manifest under `tags`. */
export function stitchArgvs(builder: ResolvedBuilder, repositoryUri: string, tags: readonly string[], sources: readonly string[], insecure = false): string[][] {
  const ref = (s: string) => (s.includes('@') || s.includes('/') ? s : `${repositoryUri}:${s}`);
  if (builder === 'buildx') {
    return [['buildx', 'imagetools', 'create', ...tags.flatMap((t) => ['--tag', `${repositoryUri}:${t}`]), ...sources.map(ref)]];
  }
  // docker manifest talks to the registry itself, and reaches a plain-HTTP one only when told to.
  const plain = insecure ? ['--insecure'] : [];
  return tags.flatMap((t) => [
    ['manifest', 'create', ...plain, '--amend', `${repositoryUri}:${t}`, ...sources.map(ref)],
    ['manifest', 'push', ...plain, '--purge', `${repositoryUri}:${t}`],
  ]);
}
