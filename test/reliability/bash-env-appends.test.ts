// Appends to $BASH_ENV: a background `echo >> "$BASH_ENV"` while the step's writer appends hundreds of blocks; writes that fail on another user's BASH_ENV, credentials file and docker config.json in a sticky directory; a symlinked BASH_ENV given to the wrapper's sh (dash, busybox) and to the runtime; two processes writing profiles into one credentials file at once
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { renderWrapper } from '../../tools/wrapper.ts';
import { iniSection } from '../../src/lib/aws/files.ts';
import { blockText } from './append-writers.ts';
import { leftovers } from './leftovers.ts';
import { bashC, shellEnv } from '../support/bash.ts';

const work = mkdtempSync(join(tmpdir(), 'bash-env-appends-'));
const bundle = join(work, 'bin', 'append-writers.cjs');
/** A fresh marker that stands for a secret key: it must end up in no file but the one it was written to. */
const secret = () => `SECRET${randomBytes(12).toString('hex')}`;
const BLOCKS = 400;

beforeAll(async () => {
  mkdirSync(join(work, 'bin'));
  const entry = fileURLToPath(new URL('./append-writers.ts', import.meta.url));
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'error' });
  // The unprivileged writer of the sticky-directory cases must reach the bundle.
  for (const p of [work, join(work, 'bin')]) chmodSync(p, 0o755);
  chmodSync(bundle, 0o644);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Ran { status: number | null; stdout: string; stderr: string }

/** Runs the bundled writer in `mode`, with only PATH and `env` in its environment; as uid `uid` (through setpriv) when given. */
function writer(mode: string, env: Record<string, string>, uid?: number): Promise<Ran> {
  const node = [process.execPath, bundle];
  const argv = uid === undefined ? node : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...node];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] ?? '', argv.slice(1), { cwd: work, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', APPEND_WRITER: mode, ...env } });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('a background appender while the step writes many blocks', () => {
  it(`keeps every background line and all ${BLOCKS} blocks, each whole and unspliced`, async () => {
    const dir = mkdtempSync(join(work, 'background-'));
    const bashEnv = join(dir, 'bash_env');
    // A large start, as a long job's $BASH_ENV may be: a writer that rewrote the file would take a while each time.
    writeFileSync(bashEnv, `export SEED='${'s'.repeat(1 << 20)}'\n`, { mode: 0o600 });
    const [stop, counted] = [join(dir, 'stop'), join(dir, 'count')];
    // Bash, as a step's background job: it appends numbered lines until told to stop, after the writer has ended.
    const loop = 'i=0; while [ ! -e "$1" ]; do i=$((i+1)); echo "export BG_$i=$i" >> "$BASH_ENV"; done; echo "$i" > "$2"';
    const bg = spawn(...bashC(loop, 'background', stop, counted), { env: { PATH: process.env.PATH ?? '', BASH_ENV: bashEnv }, stdio: 'ignore' });
    const bgDone = new Promise((resolve) => bg.on('close', resolve));
    while (!readFileSync(bashEnv, 'utf8').includes('export BG_1=1\n')) await new Promise((r) => setTimeout(r, 5));
    const w = await writer('blocks', { BASH_ENV: bashEnv, HOME: dir, APPEND_COUNT: String(BLOCKS) });
    writeFileSync(stop, '');
    await bgDone;
    expect(w.status, w.stderr).toBe(0);
    const n = Number(readFileSync(counted, 'utf8'));
    const text = readFileSync(bashEnv, 'utf8');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    // Every line is the seed, a whole background line or a line of a block: nothing cut, nothing spliced.
    const blockLines = new Set(Array.from({ length: BLOCKS }, (_, i) => blockText(i).split('\n').slice(0, -1)).flat());
    const bgAt: number[] = [];
    lines.forEach((line, at) => {
      const m = /^export BG_(\d+)=(\d+)$/.exec(line);
      if (m) {
        expect(m[1]).toBe(m[2]);
        bgAt[Number(m[1])] = at;
      } else if (at > 0) expect(blockLines.has(line), `line ${at + 1} is neither a background line nor a block's: ${line.slice(0, 80)}`).toBe(true);
    });
    expect(lines[0]).toMatch(/^export SEED='s+'$/);
    expect(lines.filter((l) => l.startsWith('export BG_'))).toHaveLength(n);
    for (let i = 1; i <= n; i++) expect(bgAt[i], `background line ${i} of ${n}`).toBeDefined();
    // Each block once, its lines together and in order.
    for (let i = 0; i < BLOCKS; i++) expect(text.split(blockText(i)).length - 1, `block ${i}`).toBe(1);
    // The two writers did overlap: background lines sit between the first and the last block.
    const [first, last] = [lines.indexOf(blockText(0).split('\n')[0] ?? ''), lines.indexOf(blockText(BLOCKS - 1).split('\n')[0] ?? '')];
    const between = bgAt.filter((at) => at > first && at < last).length;
    console.log(`bash-env appends: ${n} background lines, ${between} of them between the first and the last of ${BLOCKS} blocks`);
    expect(between).toBeGreaterThan(0);
    // Bash reads it all; the last export of a name wins.
    const read = spawnSync(...bashC(`source "$0" && printf '%s|%s|%s' "$BG_${n}" "$B${BLOCKS - 1}_B" "\${B${BLOCKS - 1}_C-unset}"`, bashEnv), { env: shellEnv(), encoding: 'utf8' });
    expect(read.stdout).toBe(`${n}|it's block ${BLOCKS - 1}|${BLOCKS - 1}`);
  }, 60_000);
});

const uid = process.getuid?.() ?? -1;
const setpriv = spawnSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8' }).stdout.trim();
const canSwitch = uid === 0 && setpriv !== '';
if (!canSwitch && process.env.CI) throw new Error('the sticky-directory cases need root and setpriv in CI (.ci/run runs as root)');
if (!canSwitch) console.log('bash-env appends: not root (or no setpriv): the cases with another user\'s files in a sticky directory are skipped');
/** The owner of the files in the sticky directory, and the unprivileged user who runs the writer. */
const [OWNER, WRITER] = [65534, 65533];

describe.skipIf(!canSwitch)('a write onto another user\'s file in a sticky directory (as /tmp is) fails and leaves no temp file', () => {
  const cases = [
    { name: 'BASH_ENV, 0644', mode: 'bash-env', file: 'bash_env', perm: 0o644, env: (d: string) => ({ BASH_ENV: join(d, 'bash_env'), HOME: d }) },
    { name: 'BASH_ENV, 0666 (writable, but another user\'s)', mode: 'bash-env', file: 'bash_env', perm: 0o666, env: (d: string) => ({ BASH_ENV: join(d, 'bash_env'), HOME: d }) },
    { name: 'the AWS credentials file', mode: 'profile', file: 'credentials', perm: 0o644, env: (d: string) => ({ AWS_SHARED_CREDENTIALS_FILE: join(d, 'credentials'), AWS_CONFIG_FILE: join(d, 'config'), HOME: d }) },
    { name: 'docker\'s config.json', mode: 'docker-config', file: 'config.json', perm: 0o644, env: (d: string) => ({ HOME: join(d, '..') }) },
  ];
  it.each(cases)('$name', async ({ mode, file, perm, env }) => {
    const SECRET = secret();
    const top = mkdtempSync(join(work, 'sticky-'));
    chmodSync(top, 0o755);
    const dir = join(top, '.docker');
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    const target = join(dir, file);
    const before = file === 'config.json' ? '{}\n' : '# the owner\'s\n';
    writeFileSync(target, before);
    chownSync(target, OWNER, OWNER);
    chmodSync(target, perm);
    const r = await writer(mode, { ...env(dir), APPEND_SECRET: SECRET }, WRITER);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stderr).not.toContain(SECRET);
    expect(readFileSync(target, 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((f) => f !== file)).toEqual([]);
    expect(leftovers(SECRET, [work], [tmpdir()])).toEqual([]);
  });
});

describe('a symlinked BASH_ENV', () => {
  /** The wrapper's sh up to its Node check (the guard and its functions), then one line appended as the Node check does. */
  const piece = (line: string) => {
    const script = renderWrapper('assume-role-with-oidc', 'void 0');
    // Every append to $BASH_ENV in the wrapper goes through ao_bash_env: one `>>"$BASH_ENV"`, in it.
    expect(script.split('>>"$BASH_ENV"')).toHaveLength(2);
    expect(script).toMatch(/\nao_bash_env "export PATH=/);
    return `${script.slice(0, script.indexOf('\nnode=node\n') + 1)}ao_bash_env "${line}"\n`;
  };
  const shells = { dash: ['dash', '-e'], busybox: ['busybox', 'sh', '-e'] } as const;
  const setup = () => {
    const dir = mkdtempSync(join(work, 'link-'));
    mkdirSync(join(dir, 'home'));
    writeFileSync(join(dir, 'target'), 'export KEEP=1\n');
    symlinkSync(join(dir, 'target'), join(dir, 'bash_env'));
    return dir;
  };
  const refusal = (dir: string) => `aws-oidc/assume-role-with-oidc: refusing to write BASH_ENV ${join(dir, 'bash_env')}: it is a symbolic link\n  fix: point BASH_ENV at a regular file (not a link) and run the step again\n`;

  it.each(Object.keys(shells) as (keyof typeof shells)[])('is refused by the wrapper\'s sh under %s, with the runtime\'s words, and nothing is written through it', (shell) => {
    const dir = setup();
    const [cmd, ...args] = shells[shell];
    const env = { PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), BASH_ENV: join(dir, 'bash_env') };
    const r = spawnSync(cmd, [...args, '-c', piece("export PATH='/opt/node/bin':\"$PATH\"")], { env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(refusal(dir));
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('export KEEP=1\n');
    // The same piece appends to a regular file.
    rmSync(join(dir, 'bash_env'));
    const ok = spawnSync(cmd, [...args, '-c', piece('export X=1')], { env, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, 'bash_env'), 'utf8')).toBe('export X=1\n');
  });

  it.each(Object.keys(shells) as (keyof typeof shells)[])('a FIFO is refused by the wrapper\'s sh under %s (the runtime\'s words for a file that is not regular) instead of blocking', (shell) => {
    const dir = mkdtempSync(join(work, 'fifo-'));
    mkdirSync(join(dir, 'home'));
    execFileSync('mkfifo', [join(dir, 'bash_env')]);
    const [cmd, ...args] = shells[shell];
    const env = { PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), BASH_ENV: join(dir, 'bash_env') };
    // A blocked append would hang until this timeout; the refusal comes at once.
    const r = spawnSync(cmd, [...args, '-c', piece('export X=1')], { env, encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toBe(`aws-oidc/assume-role-with-oidc: refusing to write BASH_ENV ${join(dir, 'bash_env')}: it is not a regular file\n  fix: point BASH_ENV at a regular file and run the step again\n`);
  });

  it('is refused by the runtime with the same words, and no secret is written anywhere', async () => {
    const [dir, SECRET] = [setup(), secret()];
    const r = await writer('bash-env', { BASH_ENV: join(dir, 'bash_env'), HOME: join(dir, 'home'), APPEND_SECRET: SECRET });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(refusal(dir));
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('export KEEP=1\n');
    expect(leftovers(SECRET, [work], [tmpdir()])).toEqual([]);
  });
});

describe('two processes writing profiles into one credentials file at once', () => {
  const PER_WRITER = 40;
  it(`keep every profile of both (${PER_WRITER} each), and leave no lock or temp file`, async () => {
    const [home, SECRET] = [mkdtempSync(join(work, 'profiles-')), secret()];
    mkdirSync(join(home, '.aws'));
    // Other profiles already there, large enough that each read-modify-write takes a while.
    const others = Array.from({ length: 2000 }, (_, i) => `[other-${i}]\naws_access_key_id = AKIAOTHER${String(i).padStart(11, '0')}\naws_secret_access_key = ${'o'.repeat(200)}\n`).join('\n');
    writeFileSync(join(home, '.aws', 'credentials'), others, { mode: 0o600 });
    const names = ['alpha', 'beta'];
    const barrier = names.map((n) => join(home, `ready-${n}`)).join(' ');
    const runs = await Promise.all(names.map((n) => writer('profiles', { HOME: home, APPEND_NAME: n, APPEND_COUNT: String(PER_WRITER), APPEND_SECRET: SECRET, APPEND_BARRIER: barrier })));
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    const [credentials, config] = ['credentials', 'config'].map((f) => readFileSync(join(home, '.aws', f), 'utf8'));
    const lost = names.flatMap((n) => Array.from({ length: PER_WRITER }, (_, i) => `${n}-${i}`))
      .filter((p) => iniSection(credentials ?? '', p)?.aws_secret_access_key !== `${SECRET}-${p.slice(p.indexOf('-') + 1)}` || iniSection(config ?? '', `profile ${p}`)?.region !== 'eu-west-1');
    expect(lost).toEqual([]);
    expect(iniSection(credentials ?? '', 'other-1999')?.aws_access_key_id).toBe('AKIAOTHER00000001999');
    expect(readdirSync(join(home, '.aws')).sort()).toEqual(['config', 'credentials']);
  }, 60_000);
});
