// One rig per e2e test file, started before its tests and closed after them, with the leak scan
// over every step the file ran: no issued key, secret, session token or OIDC token in any output or
// recorded argv, and no job file holding one that is wider than 0600.
import { afterAll, beforeAll, expect } from 'vitest';
import { Rig } from './rig.ts';

/** Registers the file's rig hooks; the returned object stands for the rig once it has started. */
export function useRig(): Rig {
  let started: Rig | undefined;
  beforeAll(async () => { started = await Rig.start(); });
  afterAll(async () => {
    if (!started) return;
    const leaks = started.leaks();
    const wide = started.wideSecretFiles;
    await started.close();
    // Only the last four characters of what leaked, so the report is no leak itself.
    expect(leaks.map((s) => `****${s.slice(-4)}`)).toEqual([]);
    // No job left a file holding an issued secret that others than its owner may read.
    expect(wide).toEqual([]);
  });
  return new Proxy({} as Rig, {
    get(_target, prop) {
      if (!started) throw new Error('the rig is used before it started: use it inside tests or hooks');
      const value: unknown = Reflect.get(started, prop);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(started) : value;
    },
  });
}
