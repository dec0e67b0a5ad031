// One moto server per e2e file (see moto.ts): started before the file's tests, reset before each, stopped
// after them, with a leak scan after each test of every secret moto issued over every step the rig ran.
// Without moto_server the tests fail naming it; outside CI, RIG_MAY_SKIP=moto turns that into a printed skip.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { Rig } from './rig.ts';
import { findMotoServer, Moto, MOTO_MISSING, motoVersion } from './moto.ts';

/**
 * Why this file's moto tests are skipped (printed), or undefined when they run. They run, and fail with
 * MOTO_MISSING, when moto_server is missing, unless RIG_MAY_SKIP (a comma list) names moto outside CI (CI=true).
 */
export function motoSkipReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (findMotoServer(env.PATH)) return undefined;
  const maySkip = env.CI !== 'true' && (env.RIG_MAY_SKIP ?? '').split(',').map((s) => s.trim()).includes('moto');
  if (!maySkip) return undefined;
  const reason = `SKIPPED the second-AWS e2e tests (moto): ${MOTO_MISSING}; RIG_MAY_SKIP=moto allows this outside CI only`;
  console.warn(`\n*** ${reason} ***\n`);
  return reason;
}

/** Registers the hooks; the returned object stands for moto once it has started. `accounts`: whose ECR passwords to scan for. */
export function useMoto(rig: Rig, accounts: readonly string[]): Moto {
  let started: Moto | undefined;
  beforeAll(async () => {
    started = await Moto.start();
    console.log(`moto ${motoVersion()} (${findMotoServer() ?? '?'}) on ${started.url}`);
  }, 60_000);
  beforeEach(async () => { await started?.reset(); });
  afterEach(async () => {
    if (!started) return;
    const secrets = await started.secrets(accounts);
    const argv = JSON.stringify(rig.toolCalls().map((c) => c.argv));
    const leaked = secrets.filter((s) => argv.includes(s) || rig.outputs.some((o) => o.includes(s)));
    // Only the last four characters of what leaked, so the report is no leak itself.
    expect(leaked.map((s) => `****${s.slice(-4)}`), 'secrets moto issued, seen in a step output or a tool call').toEqual([]);
  });
  afterAll(async () => { await started?.stop(); });
  return new Proxy({} as Moto, {
    get(_target, prop) {
      if (!started) throw new Error('moto is used before it started: use it inside tests or hooks');
      const value: unknown = Reflect.get(started, prop);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(started) : value;
    },
  });
}
