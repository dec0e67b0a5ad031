// moto's server (moto 5, python3) as a second, independent AWS for e2e runs: it answers STS, IAM and ECR on
// 127.0.0.1 like AWS shapes them, but checks no signature, token or trust policy, so the strict local AWS
// stays the primary proof. It is started on a free port, reset before each test, and stopped (its whole
// process group) after the file. The AWS CLI drives it from the test with an IAM user of the account asked for.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';

export const MOTO_SERVER = 'moto_server';
export const MOTO_MISSING = `${MOTO_SERVER} (moto 5, python3) is not on PATH: the second-AWS e2e tests need it; pip install 'moto[server]'`;
const AWS_CLI = '/usr/bin/aws';

/** Where moto_server is on PATH, if anywhere. */
export function findMotoServer(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, MOTO_SERVER), constants.X_OK);
      return join(dir, MOTO_SERVER);
    } catch { /* not here */ }
  }
  return undefined;
}

/** The moto version python3 imports (moto_server is moto's own entry point), or 'unknown'. */
export function motoVersion(): string {
  try {
    return execFileSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8', timeout: 20_000 }).trim();
  } catch {
    return 'unknown';
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** One assumed-role session moto issued, as its model dump lists it. */
export interface MotoSession { access_key_id: string; secret_access_key: string; session_token: string; arn: string; role_arn: string; account_id: string; external_id: string | null; session_name: string }
/** Long-term keys of an IAM user that moto made. */
export interface MotoKeys { accessKeyId: string; secretAccessKey: string }

export class Moto {
  private admins = new Map<string, MotoKeys>();
  private constructor(readonly url: string, private readonly proc: ChildProcess, private readonly dir: string, readonly log: () => string) {}

  /** Starts moto_server on 127.0.0.1 and resolves once it answers. */
  static async start(): Promise<Moto> {
    const bin = findMotoServer();
    if (!bin) throw new Error(MOTO_MISSING);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'rig-moto-'));
    // Its own process group, so stop() ends moto and anything it started; cwd is a scratch dir for its files.
    const proc = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const keep = (c: Buffer) => { text = (text + c.toString()).slice(-8000); };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const moto = new Moto(`http://127.0.0.1:${port}`, proc, dir, () => text);
    const until = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`${MOTO_SERVER} exited with ${proc.exitCode} before answering:\n${text}`);
      try {
        if ((await fetch(`${moto.url}/moto-api/`)).ok) return moto;
      } catch { /* not listening yet */ }
      if (Date.now() > until) {
        await moto.stop();
        throw new Error(`${MOTO_SERVER} did not answer on ${moto.url} within 30 s:\n${text}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Forgets every resource and session (and the IAM users made for the CLI). */
  async reset(): Promise<void> {
    const r = await fetch(`${this.url}/moto-api/reset`, { method: 'POST' });
    if (!r.ok) throw new Error(`moto reset answered HTTP ${r.status}`);
    this.admins.clear();
  }

  /** moto's model dump (/moto-api/data.json): every service's resources, secrets included; never print it. */
  async data(): Promise<Record<string, Record<string, unknown[]>>> {
    return (await (await fetch(`${this.url}/moto-api/data.json`)).json()) as Record<string, Record<string, unknown[]>>;
  }

  /** Every assumed-role session moto has issued since the last reset. */
  async sessions(): Promise<MotoSession[]> {
    return ((await this.data()).sts?.AssumedRole ?? []) as MotoSession[];
  }

  /** Every secret moto holds: session secrets and tokens, IAM secret keys, and its fixed ECR passwords. */
  async secrets(accounts: readonly string[]): Promise<string[]> {
    const d = await this.data();
    const sessions = (d.sts?.AssumedRole ?? []) as MotoSession[];
    const keys = (d.iam?.AccessKey ?? []) as { secret_access_key?: string }[];
    return [...sessions.flatMap((s) => [s.secret_access_key, s.session_token]), ...keys.map((k) => k.secret_access_key ?? ''),
      ...accounts.map((a) => `${a}-auth-token`)].filter((s) => s.length >= 8);
  }

  /**
   * One IAM query call in `account`. moto serves every service on one port and picks the service from the
   * credential scope, and the account from its x-moto-account-id header; the signature is not checked.
   */
  async iam(account: string, action: string, params: Record<string, string> = {}): Promise<string> {
    const r = await fetch(this.url, {
      method: 'POST',
      headers: {
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIAMOTOSETUP0000000/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
        'content-type': 'application/x-www-form-urlencoded', 'x-moto-account-id': account,
      },
      body: new URLSearchParams({ Action: action, Version: '2010-05-08', ...params }).toString(),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`moto IAM ${action} in ${account} answered HTTP ${r.status}: ${text.slice(0, 300)}`);
    return text;
  }

  /** Keys of an IAM user in `account` (made on first use after a reset): moto maps them to that account. */
  async admin(account: string): Promise<MotoKeys> {
    const known = this.admins.get(account);
    if (known) return known;
    await this.iam(account, 'CreateUser', { UserName: 'rig-admin' });
    const xml = await this.iam(account, 'CreateAccessKey', { UserName: 'rig-admin' });
    const pick = (tag: string) => new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml)?.[1] ?? '';
    const keys = { accessKeyId: pick('AccessKeyId'), secretAccessKey: pick('SecretAccessKey') };
    if (!keys.accessKeyId || !keys.secretAccessKey) throw new Error(`moto CreateAccessKey in ${account} gave no keys`);
    this.admins.set(account, keys);
    return keys;
  }

  /**
   * Debian's AWS CLI against moto as `account`'s IAM user: parsed JSON stdout, or the error with the CLI's stderr.
   * Keys go through the environment only; no user config or profile is read.
   */
  async cli(account: string, region: string, args: string[]): Promise<unknown> {
    const keys = await this.admin(account);
    const r = await execa(AWS_CLI, [...args, '--endpoint-url', this.url, '--output', 'json'], {
      reject: false, extendEnv: false,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey, AWS_DEFAULT_REGION: region, AWS_PAGER: '',
      },
    });
    if (r.exitCode !== 0) throw new Error(`aws ${args.slice(0, 2).join(' ')} against moto failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    return r.stdout.trim() === '' ? {} : JSON.parse(r.stdout) as unknown;
  }

  /** Ends moto's process group and removes its scratch directory. */
  async stop(): Promise<void> {
    const pid = this.proc.pid;
    if (pid !== undefined && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      try {
        process.kill(-pid, 'SIGTERM');
      } catch { /* already gone */ }
      const timer = setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
