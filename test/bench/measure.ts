// Timing for the bench: the wall time of one command, and medians of several commands measured in turns.
import { spawn } from 'node:child_process';

/** One timed command: resolves to its wall time in ms, rejects when it fails. */
export type Timed = () => Promise<number>;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Wall time (ms) of one command; fails loudly with its output's tail. Asynchronous: the rig's servers live in this process. */
export function timeOnce(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${file} ${args.join(' ').slice(0, 300)} failed (${code}): ${out.slice(-2000)}`));
      else resolve(ms);
    });
  });
}

/**
 * Medians of several commands measured in turns, so drift on the machine hits all of them alike. The commands
 * of each pair (one measurement of the two runtimes) always run next to each other, their order flipping every
 * round (A B, then B A); the units (pairs and single commands) rotate, so none always follows the same neighbour.
 * Each command runs once first to warm the page cache.
 */
export async function measure<K extends string>(cmds: Record<K, Timed>, runs: number, pairs: readonly (readonly [NoInfer<K>, NoInfer<K>])[] = []): Promise<Record<K, number>> {
  const keys = Object.keys(cmds) as K[];
  const paired = new Set<K>(pairs.flat());
  const units: K[][] = [...pairs.map(([a, b]) => [a, b]), ...keys.filter((k) => !paired.has(k)).map((k) => [k])];
  const samples = new Map<K, number[]>(keys.map((k) => [k, []]));
  for (const k of keys) await cmds[k]();
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < units.length; j++) {
      const unit = units[(i + j) % units.length]!;
      for (const k of i % 2 ? [...unit].reverse() : unit) samples.get(k)!.push(await cmds[k]());
    }
  }
  return Object.fromEntries(keys.map((k) => [k, median(samples.get(k)!)])) as Record<K, number>;
}
