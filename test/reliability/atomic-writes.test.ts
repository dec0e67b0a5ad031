// Atomic writes under a kill: ~/.aws/credentials, ~/.aws/config and docker's config.json rewritten by the orb's own writers, and the real assume-role-with-oidc runtime in a job, each SIGKILLed inside a write (stopped when the temp file of that write exists, then killed), keep the old bytes of the file being written and a whole new or old state of the others, 0600, the temp file 0600; $BASH_ENV, killed amid its appends, holds whole blocks of exports and no temp file
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { iniSection, setIniSection } from '../../src/lib/aws/files.ts';
import { seed, write, WRITTEN, type WriterKind } from './hostile-writer.ts';
import { killInsideWrite, tempPattern, type KillPlan, type Landed } from './kill-inside-write.ts';

const rig = useRig();

const KINDS: WriterKind[] = ['bash-env', 'aws-files', 'docker-config'];
/** Writes per child run: many quick appends to $BASH_ENV; rewrites of 2 MB files, each of which one kill lands inside. */
const WRITES: Record<WriterKind, number> = { 'bash-env': 300, 'aws-files': 12, 'docker-config': 12 };
/** Kills per kind: one inside every write of each rewritten file; 25 spread over the appends. */
const KILLS: Record<WriterKind, number> = { 'bash-env': 25, 'aws-files': 24, 'docker-config': 12 };
/** Runs per kill: a run where the watcher saw every temp file only after its rename is run again (see kill-inside-write.ts). */
const TRIES = 5;

const work = mkdtempSync(join(tmpdir(), 'atomic-writes-'));
const bundle = join(work, 'writer.cjs');
const killer = join(work, 'kill-inside-write.cjs');
/** Per kind and written file: the SHA-256 and size of every state a run may leave, in order (the seed, then after each write). */
const states = new Map<string, { sha: string; size: number }[]>();
/** Per kind: kills that landed as planned, and the runs they took. */
const landed = new Map<WriterKind, { kills: number; runs: number }>(KINDS.map((k) => [k, { kills: 0, runs: 0 }]));

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const stateIndex = (kind: WriterKind, dir: string, f: string) => (states.get(`${kind} ${f}`) ?? []).findIndex((s) => s.sha === sha(join(dir, f)));

/**
 * Kill k of a kind: for the rewritten files, inside write ⌊k/files⌋ of one of them (the earlier writes of it pass);
 * for $BASH_ENV, once it grew by the appends of write 1 + 8k (after some of them, well before the last).
 */
function planFor(kind: WriterKind, k: number, dir: string): KillPlan {
  const files = WRITTEN[kind];
  const f = files[k % files.length] as string;
  if (kind === 'bash-env') {
    const sizes = states.get(`${kind} ${f}`) ?? [];
    return { dir, file: f, minGrowth: (sizes[1 + 8 * k]?.size ?? 0) - (sizes[0]?.size ?? 0) };
  }
  return { dir: join(dir, dirname(f)), file: f.slice(dirname(f).length + 1), skip: Math.floor(k / files.length) };
}

/** Temp files left next to the written files, with their modes. */
function tempFiles(kind: WriterKind, dir: string): { name: string; mode: number }[] {
  const dirs = new Set(WRITTEN[kind].map((f) => dirname(join(dir, f))));
  return [...dirs].flatMap((d) => readdirSync(d).filter((n) => n.endsWith('.tmp')).map((n) => ({ name: n, mode: statSync(join(d, n)).mode & 0o777 })));
}

beforeAll(async () => {
  const entry = (name: string) => fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const opts = { bundle: true, platform: 'node', format: 'cjs', target: 'node18', logLevel: 'error' } as const;
  await build({ ...opts, entryPoints: [entry('hostile-writer')], outfile: bundle });
  await build({ ...opts, entryPoints: [entry('kill-inside-write')], outfile: killer });
  for (const kind of KINDS) {
    // Every state a run can leave, computed with the same writers in this process.
    const dir = mkdtempSync(join(work, `states-${kind}-`));
    seed(kind, dir);
    const record = () => { for (const f of WRITTEN[kind]) { const key = `${kind} ${f}`; states.set(key, [...(states.get(key) ?? []), { sha: sha(join(dir, f)), size: statSync(join(dir, f)).size }]); } };
    record();
    for (let i = 0; i < WRITES[kind]; i++) { write(kind, dir, i); record(); }
    // One run of the child, not killed, must end in the last state.
    const whole = mkdtempSync(join(work, `whole-${kind}-`));
    seed(kind, whole);
    expect(spawnSync(process.execPath, [bundle, whole, String(WRITES[kind])], { env: { ...process.env, HOSTILE_WRITER: kind } }).status).toBe(0);
    for (const f of WRITTEN[kind]) expect(sha(join(whole, f))).toBe(sha(join(dir, f)));
  }
}, 120_000);

afterAll(() => {
  for (const [kind, n] of landed) console.log(`atomic writes: ${kind}: ${n.kills} of ${KILLS[kind]} kills landed ${kind === 'bash-env' ? 'amid the appends' : 'inside a write'}, in ${n.runs} runs`);
  rmSync(work, { recursive: true, force: true });
});

describe('a SIGKILL inside a write leaves the file written its old bytes and every file a whole state', () => {
  const rows = KINDS.flatMap((kind) => Array.from({ length: KILLS[kind] }, (_, k) => [kind, k] as const));
  it.each(rows)('%s, kill %i', async (kind, k) => {
    let dir = '';
    let where: Landed = 'none';
    let nth: number | undefined;
    for (let run = 0; run < TRIES && where === 'none'; run++) {
      dir = mkdtempSync(join(work, `kill-${kind}-${k}-`));
      seed(kind, dir);
      ({ landed: where, nth } = await killInsideWrite(planFor(kind, k, dir), process.execPath, [bundle, dir, String(WRITES[kind])], { ...process.env, HOSTILE_WRITER: kind }));
      (landed.get(kind) as { runs: number }).runs++;
      // Stopped after the last append (the run was all but over), it was no kill amid the appends: run again.
      if (kind === 'bash-env' && where === 'in place' && statSync(join(dir, 'bash_env')).size === states.get('bash-env bash_env')?.at(-1)?.size) where = 'none';
    }
    for (const f of WRITTEN[kind]) {
      expect(stateIndex(kind, dir, f), `${f} is one of the ${WRITES[kind] + 1} whole states`).toBeGreaterThanOrEqual(0);
      expect(statSync(join(dir, f)).mode & 0o077, `${f} is 0600`).toBe(0);
    }
    // Appends have no temp file: the kill lands between or inside them. A rewrite must be killed with its temp file there.
    expect(where, `where kill ${k} landed`).toBe(kind === 'bash-env' ? 'in place' : 'inside');
    const temps = tempFiles(kind, dir);
    if (kind === 'bash-env') {
      expect(temps).toEqual([]);
      const grown = statSync(join(dir, 'bash_env')).size;
      const sizes = (states.get('bash-env bash_env') ?? []).map((s) => s.size);
      expect(grown, 'a state after some appends and before the last').toBeGreaterThan(sizes[0] ?? 0);
      expect(grown).toBeLessThan(sizes.at(-1) ?? 0);
    } else {
      const files = WRITTEN[kind];
      const target = files[k % files.length] as string;
      expect(temps.map((t) => t.name), 'one temp file, of the write that was killed').toEqual([expect.stringMatching(tempPattern(target.split('/').at(-1) as string))]);
      expect(temps[0]?.mode, 'the temp file is 0600').toBe(0o600);
      expect(nth, 'the write the kill landed in').toBeGreaterThanOrEqual(Math.floor(k / files.length));
      // The write in flight was lost whole: the file killed inside write n is as before it, a file written before it in
      // the same write (credentials before config) as after it.
      for (const [p, f] of files.entries()) {
        const want = (nth ?? -1) + (p < files.indexOf(target) ? 1 : 0);
        expect(sha(join(dir, f)), `${f} is as it was after ${want} writes`).toBe(states.get(`${kind} ${f}`)?.[want]?.sha);
      }
    }
    (landed.get(kind) as { kills: number }).kills++;
    rmSync(dir, { recursive: true, force: true });
  });
});

/** The real step, killed: in one job step, the orb's assume-role-with-oidc runtime is run from the same files again and again and killed inside its write of the credentials file (odd kills) or the config file (even ones). */
const REAL_KILLS = 12;
const realStep = () => [
  'set -eu',
  'umask 077',
  'rt="$HOME/.aws-oidc/runtime/assume-role-with-oidc.cjs"',
  // 2 MB files: each write and its fsync take a few ms, so that the first run is mostly stopped inside it already.
  'pad=$(head -c 2000000 /dev/zero | tr "\\0" x)',
  'printf "[padding]\\nnote = %s\\n\\n" "$pad" >> ~/.aws/credentials',
  'printf "[profile padding]\\nnote = %s\\n\\n" "$pad" >> ~/.aws/config',
  `export ORB_PARAM_ROLE_ARN=arn:aws:iam::${ACCOUNT}:role/deploy ORB_PARAM_REGION=${REGION} ORB_PARAM_PROFILE_NAME=deployer ORB_PARAM_EXPORT_TO=both`,
  'mkdir -p ~/old && cp ~/.aws/credentials ~/.aws/config ~/old/ && cp "$BASH_ENV" ~/old/bash_env',
  `for i in $(seq 1 ${REAL_KILLS}); do`,
  '  file=credentials; [ $((i % 2)) -eq 1 ] || file=config',
  '  mkdir -p ~/snaps/$i',
  `  for run in $(seq 1 ${TRIES}); do`,
  '    rm -f ~/.aws/.*.tmp ~/.aws/*.lock',
  '    cp ~/old/credentials ~/old/config ~/.aws/ && cp ~/old/bash_env "$BASH_ENV"',
  `    AWS_OIDC_RUNTIME="$rt" KILL_INSIDE_WRITE=1 node ${killer} ~/.aws "$file" -- node "$rt" > ~/snaps/$i/landed`,
  '    echo "$run" > ~/snaps/$i/runs',
  '    [ "$(cat ~/snaps/$i/landed)" = "landed: none" ] || break',
  '  done',
  '  cp ~/.aws/credentials ~/.aws/config ~/snaps/$i/ && cp "$BASH_ENV" ~/snaps/$i/bash_env',
  '  find ~/.aws -maxdepth 1 -name ".*.tmp" -printf "%m %f\\n" > ~/snaps/$i/temps',
  'done',
].join('\n');

describe('the real assume-role-with-oidc runtime, SIGKILLed inside its writes of the AWS files in a job', () => {
  let home = '';
  const read = (...path: string[]) => readFileSync(join(home, ...path), 'utf8');
  /** Equal texts, said without printing 2 MB when they differ. */
  const same = (actual: string, expected: string, what: string) =>
    expect(actual === expected, `${what}: ${actual.length} bytes, expected ${expected.length} (${actual.length < expected.length ? 'cut short' : 'different'})`).toBe(true);

  beforeAll(async () => {
    const job = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION, 'profile-name': 'seed' } },
      { name: 'Kill the real step inside its writes', run: realStep() },
    ]));
    expect(job.success, job.steps.map((s) => s.output).join('\n')).toBe(true);
    home = job.home;
    const kills = Array.from({ length: REAL_KILLS }, (_, i) => i + 1);
    const inside = kills.filter((i) => read('snaps', String(i), 'landed') === 'landed: inside\n').length;
    const runs = kills.reduce((n, i) => n + Number(read('snaps', String(i), 'runs')), 0);
    console.log(`atomic writes: the real step: ${inside} of ${REAL_KILLS} kills landed inside a write of the AWS files, in ${runs} runs`);
  }, 120_000);

  it.each(Array.from({ length: REAL_KILLS }, (_, i) => [i + 1, i % 2 === 0 ? 'credentials' : 'config'] as const))('kill %i, inside the write of %s: that file keeps its old bytes, the other its old or whole new ones, $BASH_ENV is untouched', (i, file) => {
    const snap = (f: string) => read('snaps', String(i), f);
    same(snap(file), read('old', file), `${file} after a kill inside its write`);
    expect(snap('landed')).toBe('landed: inside\n');
    const temps = snap('temps').split('\n').filter(Boolean);
    expect(temps, 'one temp file, 0600, of the write that was killed').toEqual([expect.stringMatching(new RegExp(`^600 ${tempPattern(file).source.slice(1)}`))]);
    same(snap('bash_env'), read('old', 'bash_env'), '$BASH_ENV (exported after the profile is written)');
    if (file === 'credentials') {
      same(snap('config'), read('old', 'config'), 'config (written after credentials)');
      return;
    }
    const keys = iniSection(snap('credentials'), 'deployer') ?? {};
    expect(Object.keys(keys).sort()).toEqual(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token']);
    const issued = new Set(rig.aws.issuedSecrets);
    for (const v of Object.values(keys)) expect(issued.has(v)).toBe(true);
    same(snap('credentials'), setIniSection(read('old', 'credentials'), 'deployer', keys), 'credentials (written whole before config)');
  });
});
