// The docker engine the ECR tests push with: Debian's docker.io, started by `bash .ci/run`, or here
// when a test needs it and it is not running (root only; vfs storage, no iptables, as this machine allows).
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { classicBuildKit, VERSION_ARGV } from '../../src/commands/build-and-push/buildkit.ts';

const run = promisify(execFile);

async function engineAnswers(): Promise<boolean> {
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Resolves when the docker engine answers; starts dockerd if it can. Throws a message that says what to install. */
export async function ensureDocker(): Promise<void> {
  if (await engineAnswers()) return;
  if (!existsSync('/usr/bin/dockerd') && !existsSync('/usr/sbin/dockerd')) {
    throw new Error('the docker engine is not installed: install Debian\'s docker.io package (bash .ci/run does)');
  }
  if (process.getuid?.() !== 0) throw new Error('the docker engine is not running and only root can start it: run `dockerd --storage-driver=vfs --iptables=false &`');
  const log = openSync('/tmp/rig-dockerd.log', 'a');
  spawn('dockerd', ['--storage-driver=vfs', '--iptables=false'], { detached: true, stdio: ['ignore', log, log] }).unref();
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (await engineAnswers()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('dockerd did not answer within 60 s (see /tmp/rig-dockerd.log)');
}

/** Runs docker with `args`; returns stdout. */
export async function docker(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { stdout } = await run('docker', args, { env, maxBuffer: 16 << 20 });
  return stdout;
}

/**
 * A docker CLI here whose classic `docker build` runs on BuildKit (18.09 to 22.x, e.g. Debian bookworm's docker.io
 * 20.10 at /usr/bin/docker; the CLI first on PATH may be a 23+ without buildx), as the orb's own rule tells
 * (classicBuildKit); else the reason there is none.
 */
export async function buildKitDockerCli(): Promise<{ cli: string } | { reason: string }> {
  const seen: string[] = [];
  for (const cli of ['docker', '/usr/bin/docker']) {
    const version = await run(cli, VERSION_ARGV, { timeout: 10_000 }).then((r) => r.stdout, () => '');
    if (classicBuildKit(version, false, {})) return { cli: cli === 'docker' ? (await run('sh', ['-c', 'command -v docker'])).stdout.trim() : cli };
    seen.push(`${cli}: ${version.trim() || 'no answer'}`);
  }
  return { reason: `no docker CLI here runs docker build on BuildKit without buildx (a CLI 18.09 to 22.x, e.g. Debian bookworm's docker.io, is needed; found ${seen.join('; ')})` };
}

/** The tag of the image busyboxImage builds. */
export const BUSYBOX_IMAGE = 'rig-busybox:local';

/**
 * Builds BUSYBOX_IMAGE (once per engine): the host's busybox and the libraries ldd names, FROM scratch, for the
 * engine's own platform. A shell for RUN steps of test builds, where no image can be pulled (they run with
 * --network none: the engine here may have no bridge network).
 */
export async function busyboxImage(): Promise<string> {
  if (await run('docker', ['image', 'inspect', BUSYBOX_IMAGE]).then(() => true, () => false)) return BUSYBOX_IMAGE;
  const dir = mkdtempSync(join(tmpdir(), 'rig-busybox-'));
  const files = ['/usr/bin/busybox', ...(await run('ldd', ['/usr/bin/busybox'])).stdout.split('\n').map((l) => /(\/\S+) \(0x/.exec(l)?.[1]).filter((f): f is string => !!f)];
  for (const f of files) {
    const to = join(dir, 'root', f === '/usr/bin/busybox' ? '/bin/busybox' : f);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f, to);
  }
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY root/ /\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n');
  await run('docker', ['build', '--quiet', '--network', 'none', '--tag', BUSYBOX_IMAGE, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  rmSync(dir, { recursive: true, force: true });
  return BUSYBOX_IMAGE;
}
