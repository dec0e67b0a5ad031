// The platforms of a manifest list before it is pushed: two entries for one platform mean that an image was
// built for another platform than its tag says (e.g. a classic build that made amd64 when asked for arm64),
// and the list would hand one of them to the machines of the other. Pure.
import { OrbError } from '../../lib/errors.ts';

/** A manifest list's entry as docker prints it (OCI image index or docker manifest list). */
interface Entry { digest?: string; platform?: { os?: string; architecture?: string; variant?: string; 'os.version'?: string }; annotations?: Record<string, string> }

/** An attestation manifest (buildx's provenance or SBOM: platform unknown/unknown, a reference type), which runs nowhere. */
const isAttestation = (e: Entry) => e.platform?.os === 'unknown' || !!e.annotations?.['vnd.docker.reference.type'];

/**
 * The argv that prints, as JSON, the list `stitch` (stitchArgvs' first argv) would push, without pushing it:
 * buildx's `imagetools create --dry-run`, or, after `docker manifest create`, `docker manifest inspect` of the
 * local list (`--insecure` as the create had it).
 */
export function planArgv(stitch: readonly string[], list: string): string[] {
  return stitch[0] === 'buildx' ? [...stitch, '--dry-run'] : ['manifest', 'inspect', ...stitch.filter((a) => a === '--insecure'), list];
}

/**
 * Refuses (OrbError) a list, as planArgv printed it (`json`), in which two entries have one platform (platformOf),
 * naming the two sources (the entries are in the order of `sources`, as docker keeps them) and the fix.
 * Returns the platforms of the entries that are images (not attestations), in order. Output that is no list is an OrbError too: nothing is pushed unchecked.
 */
export function checkListPlatforms(json: string, sources: readonly string[]): string[] {
  let entries: Entry[] | undefined;
  try {
    entries = (JSON.parse(json) as { manifests?: Entry[] }).manifests;
  } catch { /* reported below */ }
  if (!Array.isArray(entries)) throw new OrbError(`docker did not print the manifest list it would push (got ${JSON.stringify(json.slice(0, 80))})`, 'run the step again with ORB_DEBUG=1, and check the docker CLI\'s version');
  const list = entries;
  const platforms = list.map((e) => (isAttestation(e) ? '' : platformOf(e)));
  const keys = list.map((e, i) => (platforms[i] && platformOf(e, true)));
  const name = (i: number) => (list.length === sources.length ? sources[i] : undefined) ?? list[i]?.digest ?? `entry ${i + 1}`;
  const second = keys.findIndex((p, i) => p !== '' && keys.indexOf(p) !== i);
  if (second >= 0) {
    const first = keys.indexOf(keys[second] as string);
    throw new OrbError(`sources ${name(first)} and ${name(second)} are both ${platforms[second]}: the manifest list would name one platform twice, so it was not pushed`,
      'build each source for its own platform (build-and-push with platform: set, on buildx with QEMU emulation or on a resource class of that platform), then stitch again');
  }
  return platforms.filter(Boolean);
}

/**
 * An entry's platform as os/arch[/variant][ os.version]; `normal`, the form two entries must not share: arm64's
 * variant v8 is its default (containerd's platform normalisation), so linux/arm64 and linux/arm64/v8 are one platform;
 * Windows images of different os.version (ltsc2019, ltsc2022) run on different hosts, so they are two.
 */
function platformOf(e: Entry, normal = false): string {
  const { os, architecture: arch, variant, 'os.version': version } = e.platform ?? {};
  const name = [os, arch, normal && arch === 'arm64' && variant === 'v8' ? '' : variant].filter(Boolean).join('/') || '(none)';
  return version ? `${name} ${version}` : name;
}
