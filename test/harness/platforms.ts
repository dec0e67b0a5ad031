// What a pushed image says its platform is, read from the registry itself: a manifest list's entries
// (the platform the list names for each) and each child's own config (the os and architecture it was built for).
import type { LocalRegistry } from './registry.ts';

/** One child of a manifest list: its digest, the platform the list names for it, and the one its config says. */
export interface ListedChild { digest: string; listed: string; config: string }

type Manifest = { manifests?: { digest: string; platform?: { os?: string; architecture?: string; variant?: string } }[]; config?: { digest: string } };
const platformOf = (p: { os?: string; architecture?: string; variant?: string } = {}) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

/** The os/arch[/variant] in the config of the image manifest `ref` (tag or digest) of `repo`; throws when the registry lacks a part. */
export async function configPlatform(reg: LocalRegistry, repo: string, ref: string): Promise<string> {
  const image = await reg.image(repo, ref.startsWith('sha256:') ? { imageDigest: ref } : { imageTag: ref });
  const configDigest = image ? (JSON.parse(image.manifest) as Manifest).config?.digest : undefined;
  if (!configDigest) throw new Error(`the registry has no image manifest with a config for ${repo}:${ref}`);
  const config = await reg.blob(repo, configDigest);
  if (!config) throw new Error(`the registry lacks the config blob ${configDigest} of ${repo}:${ref}`);
  return platformOf(JSON.parse(config.toString('utf8')) as { os?: string; architecture?: string; variant?: string });
}

/** Every child of the manifest list at `repo:tag`, in the list's order; throws when it is not a list. */
export async function manifestListChildren(reg: LocalRegistry, repo: string, tag: string): Promise<ListedChild[]> {
  const list = await reg.image(repo, { imageTag: tag });
  const manifests = list ? (JSON.parse(list.manifest) as Manifest).manifests : undefined;
  if (!manifests) throw new Error(`${repo}:${tag} is not a manifest list in the registry (${list?.mediaType ?? 'missing'})`);
  return Promise.all(manifests.map(async (m) => ({ digest: m.digest, listed: platformOf(m.platform), config: await configPlatform(reg, repo, m.digest) })));
}
