// The classic `docker build` on BuildKit: whether this docker has it (told from `docker version`), and the
// check that a classic build made the platform the `platform` parameter asked for, before anything is pushed.
import { ParamError } from '../../lib/errors.ts';
import type { Env } from '../../lib/params.ts';

/** `docker version`'s argv for classicBuildKit: the CLI's version, the engine's OS and the engine's API version. */
export const VERSION_ARGV = ['version', '--format', '{{.Client.Version}} {{.Server.Os}} {{.Server.APIVersion}}'];

/**
 * Whether `DOCKER_BUILDKIT=1 docker build` builds on BuildKit here, from VERSION_ARGV's output (e.g.
 * "20.10.24+dfsg1 linux 1.41"; '' when docker version failed). Docker's rules (docs.docker.com/build/buildkit,
 * docker CLI 23.0 release notes): the engine has BuildKit on Linux from 18.09 (API 1.39); the docker CLI
 * 18.09 to 22.x has its own BuildKit client; from CLI 23.0, `docker build` reaches BuildKit only through the
 * buildx plugin (without it, DOCKER_BUILDKIT=1 is an error). DOCKER_BUILDKIT=0 (or false) in the step's
 * environment turns it off, as it does for docker.
 */
export function classicBuildKit(version: string, hasBuildx: boolean, env: Env): boolean {
  if (/^(?:0|f|false)$/i.test(env.DOCKER_BUILDKIT ?? '')) return false;
  const m = /^v?(\d+)\.(\d+)\S* linux 1\.(\d+)$/.exec(version.trim());
  if (!m) return false;
  const cli = Number(m[1]) * 100 + Number(m[2]);
  return Number(m[3]) >= 39 && cli >= 1809 && (cli < 2300 || hasBuildx);
}

/** `docker image inspect`'s argv for the os/arch[/variant] of a local image. */
export const platformArgv = (image: string): string[] =>
  ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}}', image];

/**
 * Refuses (ParamError on `platform`) an image whose platform, as `docker image inspect` printed it (`built`),
 * is not the one asked for; a variant counts only when the parameter names one. The classic builder without
 * BuildKit takes a base image of the engine's own platform that it has locally, and its cache does not tell
 * platforms apart, so it can make an amd64 image when asked for arm64; a final stage's `FROM --platform=...`
 * wins over --platform too. The fix is a builder that can build for another platform (buildx, with QEMU
 * emulation registered through tonistiigi/binfmt, docs.docker.com/build/building/multi-platform) or a machine
 * of that platform (a CircleCI resource class such as arm.medium).
 */
export function checkPlatform(asked: string, built: string, image: string): void {
  const got = built.trim().split('/');
  if (asked.split('/').every((part, i) => part === got[i])) return;
  throw new ParamError('platform', asked, `the classic docker build made ${image} for ${built.trim()}, so it was not pushed`,
    `build with buildx and QEMU emulation (docker run --privileged --rm tonistiigi/binfmt --install ${asked.split('/')[1]}), ` +
    `or run this job on a ${asked} resource class; a FROM --platform in the final stage also wins`);
}
