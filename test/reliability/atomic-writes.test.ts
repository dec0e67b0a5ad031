// Atomic writes under a kill: $BASH_ENV appended to, ~/.aws/credentials and ~/.aws/config and docker's config.json rewritten, by the orb's own writers in a child process SIGKILLed at a random moment (and the real assume-role-with-oidc runtime killed the same way in a job), are afterwards whole (whole blocks of exports in $BASH_ENV), 0600, with no temp file wider than 0600 (none at all for $BASH_ENV)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { seed, write, WRITTEN, type WriterKind } from './hostile-writer.ts';

const rig = useRig();

const KINDS: WriterKind[] = ['bash-env', 'aws-files', 'docker-config'];
/** Writes per child run (many appends to $BASH_ENV, each quick, so that kills land between and inside them), and kills per kind. */
const WRITES: Record<WriterKind, number> = { 'bash-env': 300, 'aws-files': 6, 'docker-config': 6 };
const KILLS = 25;

const work = mkdtempSync(join(tmpdir(), 'atomic-writes-'));
const bundle = join(work, 'writer.cjs');
/** Per kind and written file: the SHA-256 of every state a run may leave, in order (the seed, then after each write). */
const states = new Map<string, string[]>();
/** Per kind: how long one unkilled run of WRITES writes took (ms), to spread the kills over it. */
const runMs = new Map<WriterKind, number>();
/** Per kind: kills that left a temp file behind (inside a replace), that left a state between the seed and the last write, and before the run ended. */
const landed = new Map<WriterKind, { inWrite: number; midway: number; beforeEnd: number }>();

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A deterministic spread of kill moments: the k-th of KILLS falls in the k-th slice of the run, at a pseudo-random point. */
function killAt(kind: WriterKind, k: number): number {
  let x = (k + 1) * 2654435761 + kind.length * 40503;
  x = (x ^ (x >>> 13)) * 1274126177;
  const frac = ((x >>> 0) % 1000) / 1000;
  return ((k + frac) / KILLS) * (runMs.get(kind) ?? 100);
}

/** Runs the bundled writer; kills it `afterMs` after it reports that it started (never, when undefined). */
function runWriter(kind: WriterKind, dir: string, afterMs?: number): Promise<{ ms: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, dir, String(WRITES[kind])], { env: { ...process.env, HOSTILE_WRITER: kind }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let started = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!started && out.includes('started')) {
        started = performance.now();
        if (afterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), afterMs);
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve({ ms: performance.now() - started, finished: out.includes('done') }));
  });
}

/** Temp files left next to the written files, with their modes. */
function tempFiles(kind: WriterKind, dir: string): { name: string; mode: number }[] {
  const dirs = new Set(WRITTEN[kind].map((f) => dirname(join(dir, f))));
  return [...dirs].flatMap((d) => readdirSync(d).filter((n) => n.endsWith('.tmp')).map((n) => ({ name: n, mode: statSync(join(d, n)).mode & 0o777 })));
}

beforeAll(async () => {
  const self = fileURLToPath(new URL('./hostile-writer.ts', import.meta.url));
  await build({ entryPoints: [self], bundle: true, platform: 'node', format: 'cjs', target: 'node18', outfile: bundle, logLevel: 'error' });
  for (const kind of KINDS) {
    // Every state a run can leave, computed with the same writers in this process.
    const dir = mkdtempSync(join(work, `states-${kind}-`));
    seed(kind, dir);
    const record = () => { for (const f of WRITTEN[kind]) { const key = `${kind} ${f}`; states.set(key, [...(states.get(key) ?? []), sha(join(dir, f))]); } };
    record();
    for (let i = 0; i < WRITES[kind]; i++) { write(kind, dir, i); record(); }
    // One unkilled run of the child, timed (printed, not asserted), which must end in the last state.
    const timed = mkdtempSync(join(work, `timed-${kind}-`));
    seed(kind, timed);
    const { ms, finished } = await runWriter(kind, timed);
    expect(finished).toBe(true);
    for (const f of WRITTEN[kind]) expect(sha(join(timed, f))).toBe(sha(join(dir, f)));
    runMs.set(kind, ms);
    landed.set(kind, { inWrite: 0, midway: 0, beforeEnd: 0 });
    console.log(`atomic writes: ${kind}: ${WRITES[kind]} writes of ${WRITTEN[kind].join(' and ')} take ${ms.toFixed(0)} ms unkilled; ${KILLS} kills spread over that time`);
  }
}, 120_000);

afterAll(() => {
  for (const [kind, n] of landed) console.log(`atomic writes: ${kind}: ${n.beforeEnd} of ${KILLS} kills landed before the run ended, ${n.midway} amid the writes (a state between the seed and the last), ${n.inWrite} inside a replace (a temp file was left)`);
  rmSync(work, { recursive: true, force: true });
});

describe('a SIGKILL at any moment leaves each file old or new, never half-written', () => {
  const rows = KINDS.flatMap((kind) => Array.from({ length: KILLS }, (_, k) => [kind, k] as const));
  it.each(rows)('%s, kill %i', async (kind, k) => {
    const dir = mkdtempSync(join(work, `kill-${kind}-${k}-`));
    seed(kind, dir);
    const { finished } = await runWriter(kind, dir, killAt(kind, k));
    let midway = false;
    for (const f of WRITTEN[kind]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
      const [all, now] = [states.get(`${kind} ${f}`) ?? [], sha(join(dir, f))];
      expect(all.includes(now), `${f} is one of the ${WRITES[kind] + 1} whole states`).toBe(true);
      midway ||= now !== all[0] && now !== all.at(-1);
      expect(statSync(join(dir, f)).mode & 0o077, `${f} is 0600`).toBe(0);
    }
    const temps = tempFiles(kind, dir);
    for (const t of temps) expect(t.mode & 0o077, `temp file ${t.name} is 0600`).toBe(0);
    // $BASH_ENV is appended to in place: no temp file, ever.
    if (kind === 'bash-env') expect(temps).toEqual([]);
    const n = landed.get(kind);
    if (n && !finished) n.beforeEnd++;
    if (n && temps.length > 0) n.inWrite++;
    if (n && midway) n.midway++;
    rmSync(dir, { recursive: true, force: true });
  });
});

/** The real step, killed: in one job step, the orb's assume-role-with-oidc runtime is started and SIGKILLed at random moments. */
const REAL_KILLS = 30;
const REAL_STEP = [
  'set -u',
  'rt="$HOME/.aws-oidc/runtime/assume-role-with-oidc.cjs"',
  // Large files, so a write takes a while.
  'pad=$(head -c 2000000 /dev/zero | tr "\\0" x)',
  'printf "export PAD=\'%s\'\\n" "$pad" >> "$BASH_ENV"',
  'printf "[padding]\\nnote = %s\\n\\n" "$pad" >> ~/.aws/credentials',
  `export ORB_PARAM_ROLE_ARN=arn:aws:iam::${ACCOUNT}:role/deploy ORB_PARAM_REGION=${REGION} ORB_PARAM_PROFILE_NAME=deployer ORB_PARAM_EXPORT_TO=both`,
  `for i in $(seq 1 ${REAL_KILLS}); do`,
  '  AWS_OIDC_RUNTIME="$rt" node "$rt" >/dev/null 2>&1 & pid=$!',
  '  sleep "0.$(printf %03d $((RANDOM % 200)))"',
  '  kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true',
  '  mkdir -p ~/snaps/$i && cp "$BASH_ENV" ~/snaps/$i/bash_env && cp ~/.aws/credentials ~/.aws/config ~/snaps/$i/',
  '  find ~/.aws "$(dirname "$BASH_ENV")" -maxdepth 1 -name ".*.tmp" -printf "%m %p\\n" >> ~/snaps/temps.txt',
  'done',
  'true',
].join('\n');

describe('the real assume-role-with-oidc runtime, SIGKILLed at random moments in a job', () => {
  let job: Awaited<ReturnType<typeof rig.run>> | undefined;
  const snap = (i: number, f: string) => readFileSync(join(job?.home ?? '', 'snaps', String(i), f), 'utf8');
  const secrets = () => new Set(rig.aws.issuedSecrets);

  beforeAll(async () => {
    job = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION, 'profile-name': 'seed' } },
      { name: 'Kill the real step', run: REAL_STEP },
    ]));
    expect(job.success, job.steps.map((s) => s.output).join('\n')).toBe(true);
    const temps = readFileSync(join(job.home, 'snaps/temps.txt'), 'utf8').split('\n').filter(Boolean);
    const exports = (i: number) => (snap(i, 'bash_env').match(/^export AWS_SESSION_TOKEN=/gm) ?? []).length;
    const writesDone = exports(REAL_KILLS);
    console.log(`atomic writes: the real step: ${REAL_KILLS} runs killed at random moments, ${writesDone} of them got to export, ${new Set(temps.map((t) => t.split(' ')[1])).size} temp files left (kills inside a write)`);
  }, 120_000);

  it.each(Array.from({ length: REAL_KILLS }, (_, i) => i + 1))('after kill %i, $BASH_ENV is whole exports and bash reads it', (i) => {
    const text = snap(i, 'bash_env');
    expect(text.endsWith('\n')).toBe(true);
    const path = join(job?.home ?? '', 'snaps', String(i), 'bash_env');
    expect(spawnSync('bash', ['-n', path]).status).toBe(0);
    const count = (name: string) => (text.match(new RegExp(`^export ${name}=`, 'gm')) ?? []).length;
    const n = count('AWS_ACCESS_KEY_ID');
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CREDENTIAL_EXPIRATION']) expect(count(name), name).toBe(n);
    const issued = secrets();
    for (const m of text.matchAll(/^export AWS_(?:SECRET_ACCESS_KEY|SESSION_TOKEN)='([^']*)'$/gm)) expect(issued.has(m[1] ?? '')).toBe(true);
  });

  it.each(Array.from({ length: REAL_KILLS }, (_, i) => i + 1))('after kill %i, the credentials and config files hold the profile whole or not at all', (i) => {
    const issued = secrets();
    const section = (text: string, header: string) => {
      const m = new RegExp(`^\\[${header}\\]\\n((?:[^[\\n][^\\n]*\\n?)*)`, 'm').exec(text);
      return m ? Object.fromEntries((m[1] ?? '').split('\n').filter((l) => l.includes(' = ')).map((l) => l.split(' = ') as [string, string])) : undefined;
    };
    const creds = section(snap(i, 'credentials'), 'deployer');
    if (creds) {
      expect(Object.keys(creds).sort()).toEqual(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token']);
      for (const v of Object.values(creds)) expect(issued.has(v)).toBe(true);
    }
    expect(section(snap(i, 'credentials'), 'padding')?.note).toHaveLength(2_000_000);
    const config = section(snap(i, 'config'), 'profile deployer');
    if (config) expect(config).toEqual({ region: REGION });
  });

  it('no temp file a kill left is wider than 0600', () => {
    const temps = readFileSync(join(job?.home ?? '', 'snaps/temps.txt'), 'utf8').split('\n').filter(Boolean);
    for (const t of temps) expect(t.split(' ')[0], t).toBe('600');
  });
});
