// CircleCI's remote docker as a docker-executor job sees it: after setup_remote_docker, DOCKER_HOST=tcp://<ip>:2376,
// DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem). Here the engine is a second dockerd with
// its own data root, exec root, pid file, config and containerd (vfs, no iptables, no bridge), on
// tcp://127.0.0.1:<free port> with TLS that requires a client certificate of a throwaway CA. Its unix socket
// sits in a 0700 directory that only the harness uses (to check, inspect and stop it); a job gets the three variables.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './registry.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The dockerd binary of Debian's docker.io, if installed. */
export const dockerdPath = (): string | undefined => ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));

/** What keeps a remote engine from starting here, or undefined. */
export function remoteDockerMissing(): string | undefined {
  if (!dockerdPath()) return 'dockerd is not installed (Debian\'s docker.io package; bash .ci/run installs it)';
  if (process.getuid?.() !== 0) return 'only root can start a second dockerd';
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return 'openssl is not installed (Debian\'s openssl package; bash .ci/run installs it)';
  }
  return undefined;
}

/** The reason to skip (printed), outside CI only: under CI=true the tests run and fail with what is missing. */
export function remoteDockerSkipReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing = remoteDockerMissing();
  if (missing === undefined || env.CI === 'true') return undefined;
  const reason = `SKIPPED the remote docker e2e tests: ${missing} (under CI=true they fail instead)`;
  console.warn(`\n*** ${reason} ***\n`);
  return reason;
}

const CA_CONFIG = '[req]\ndistinguished_name = dn\n[dn]\n[ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n';

/**
 * A throwaway CA, a server certificate for IP 127.0.0.1 (in `dir`/server) and a client certificate (in
 * `dir`/client, named as DOCKER_CERT_PATH wants them). Keys are 0600; the CA's key is removed once both are signed.
 */
function makeCertificates(dir: string): void {
  const ca = join(dir, 'ca');
  for (const d of [ca, join(dir, 'server'), join(dir, 'client')]) mkdirSync(d, { mode: 0o700 });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: ca, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(join(ca, 'ca.cnf'), CA_CONFIG);
  ssl('req', '-x509', ...ec, '-config', 'ca.cnf', '-extensions', 'ca', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=rig remote docker CA');
  const issue = (subject: string, ext: string, cert: string, key: string): void => {
    writeFileSync(join(ca, 'ext.cnf'), `keyUsage = critical,digitalSignature\n${ext}\n`);
    ssl('req', ...ec, '-config', 'ca.cnf', '-keyout', key, '-out', 'req.csr', '-subj', `/CN=${subject}`);
    ssl('x509', '-req', '-in', 'req.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', cert);
  };
  issue('127.0.0.1', 'extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1', '../server/server-cert.pem', '../server/server-key.pem');
  issue('circleci-job', 'extendedKeyUsage = clientAuth', '../client/cert.pem', '../client/key.pem');
  for (const d of ['server', 'client']) copyFileSync(join(ca, 'ca.pem'), join(dir, d, 'ca.pem'));
  rmSync(ca, { recursive: true, force: true });
  for (const key of ['server/server-key.pem', 'client/key.pem']) chmodSync(join(dir, key), 0o600);
}

/** GET /_ping on the engine; true when it answers OK. */
function ping(opts: { socketPath: string } | { port: number; tls: { ca: Buffer; cert: Buffer; key: Buffer } }): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (res: { statusCode?: number | undefined; resume(): void }) => { res.resume(); resolve(res.statusCode === 200); };
    const req = 'socketPath' in opts
      ? httpRequest({ socketPath: opts.socketPath, path: '/_ping', timeout: 2000 }, done)
      : httpsRequest({ host: '127.0.0.1', port: opts.port, path: '/_ping', timeout: 2000, ...opts.tls }, done);
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const exited = (child: ChildProcess, ms: number): Promise<boolean> => child.exitCode !== null || child.signalCode !== null
  ? Promise.resolve(true)
  : new Promise((resolve) => { const t = setTimeout(() => resolve(false), ms); child.once('exit', () => { clearTimeout(t); resolve(true); }); });

/** A started remote engine; `env` is what setup_remote_docker gives the job's later steps. */
export class RemoteDocker {
  private constructor(private readonly dir: string, private readonly child: ChildProcess, readonly port: number) {}

  /** Makes the certificates and starts the engine; throws with dockerd's last log lines when it does not come up. */
  static async start(): Promise<RemoteDocker> {
    const missing = remoteDockerMissing();
    if (missing !== undefined) throw new Error(`cannot start a remote docker engine: ${missing}`);
    const dir = mkdtempSync(join(tmpdir(), 'rig-remote-docker-'));
    try {
      makeCertificates(dir);
      mkdirSync(join(dir, 'engine'), { mode: 0o700 });
      writeFileSync(join(dir, 'engine', 'daemon.json'), '{}\n');
      // A port taken between freePort and dockerd's bind: try another.
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const child = RemoteDocker.spawnEngine(dir, port);
        const engine = new RemoteDocker(dir, child, port);
        const error = await engine.ready(60_000);
        if (error === undefined) return engine;
        await engine.stop();
        if (attempt >= 3 || !/address already in use/.test(error)) throw new Error(`the remote docker engine did not start: ${error}`);
      }
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private static spawnEngine(dir: string, port: number): ChildProcess {
    const e = (name: string) => join(dir, 'engine', name);
    const s = (name: string) => join(dir, 'server', name);
    const log = openSync(e('dockerd.log'), 'w', 0o600);
    const child = spawn(dockerdPath()!, [
      '--config-file', e('daemon.json'), '--data-root', e('data'), '--exec-root', e('exec'), '--pidfile', e('dockerd.pid'),
      '-H', `unix://${e('docker.sock')}`, '-H', `tcp://127.0.0.1:${port}`,
      '--tlsverify', '--tlscacert', s('ca.pem'), '--tlscert', s('server-cert.pem'), '--tlskey', s('server-key.pem'),
      '--storage-driver=vfs', '--iptables=false', '--ip-forward=false', '--bridge=none',
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
    return child;
  }

  /** Waits until the engine answers on its socket and over TLS with the client certificate; the error otherwise. */
  private async ready(ms: number): Promise<string | undefined> {
    const c = (name: string) => readFileSync(join(this.certPath, name));
    const tls = { ca: c('ca.pem'), cert: c('cert.pem'), key: c('key.pem') };
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return `dockerd exited (${this.child.exitCode ?? this.child.signalCode}): ${this.logTail()}`;
      if ((await ping({ socketPath: this.socket })) && (await ping({ port: this.port, tls }))) return undefined;
      await sleep(250);
    }
    return `no answer within ${ms} ms: ${this.logTail()}`;
  }

  private logTail(): string {
    const log = join(this.dir, 'engine', 'dockerd.log');
    return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-8).join('\n') : '(no log)';
  }

  /** DOCKER_CERT_PATH: ca.pem, cert.pem and key.pem (0600). */
  get certPath(): string {
    return join(this.dir, 'client');
  }

  /** The engine's unix socket: for the harness only, never given to a job. */
  get socket(): string {
    return join(this.dir, 'engine', 'docker.sock');
  }

  /** The variables CircleCI's setup_remote_docker sets for the later steps of a job. */
  get env(): Record<string, string> {
    return { DOCKER_HOST: `tcp://127.0.0.1:${this.port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: this.certPath };
  }

  /** Runs the docker CLI against this engine through its unix socket (the harness's view); returns stdout. */
  async docker(args: string[]): Promise<string> {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^DOCKER_(HOST|TLS_VERIFY|CERT_PATH|CONTEXT)$/.test(k)));
    const { stdout } = await run('docker', ['-H', `unix://${this.socket}`, ...args], { env, maxBuffer: 16 << 20 });
    return stdout;
  }

  /** Ends dockerd (SIGTERM, then SIGKILL and the containerd it started, by that one's pid file). */
  private async stop(): Promise<void> {
    if (!(await exited(this.child, 0))) {
      this.child.kill('SIGTERM');
      if (!(await exited(this.child, 30_000))) {
        this.child.kill('SIGKILL');
        await exited(this.child, 5_000);
      }
    }
    const pidFile = join(this.dir, 'engine', 'exec', 'containerd', 'containerd.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
    // Only that containerd: a live process whose command line names this engine's directory.
    if (pid > 0 && existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.dir)) process.kill(pid, 'SIGKILL');
  }

  /**
   * Stops the engine and removes its directory. dockerd mounts its data root onto itself and undoes that when it
   * stops; after a SIGKILL the mount stays, so what is mounted under the directory is unmounted first, and the
   * directory is left in place (with an error) while anything under it is still mounted.
   */
  async close(): Promise<void> {
    await this.stop();
    const mounts = () => readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${this.dir}/`));
    for (const m of mounts().reverse()) await run('umount', [m]).catch(() => undefined);
    const left = mounts();
    if (left.length > 0) throw new Error(`left ${this.dir} in place: still mounted: ${left.join(', ')}`);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
