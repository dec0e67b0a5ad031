// The docker engine the ECR tests push with: Debian's docker.io, started by `bash .ci/run`, or here
// when a test needs it and it is not running (root only; vfs storage, no iptables, as this machine allows).
import { execFile, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { promisify } from 'node:util';

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
