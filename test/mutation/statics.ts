// Static mutants: a change to code that runs once, when its module is imported (a module-level regex, a
// constant's string, an arrow function assigned at the top), so Stryker cannot tell which test reaches it
// and reruns every test for each one, with the modules reloaded: in the whole tiers that is minutes per
// mutant. So `npm run mutation` runs them in a pass of their own, against the unit tests of their own file
// (ownTests), and puts those verdicts in place of the first pass's "Ignored". Pure.
import path from 'node:path';
import type { Mutant } from './score.ts';

/** Stryker's reason for a static mutant the first pass (ignoreStatic) did not run. */
export const STATIC_IGNORED = 'Static mutant (and "ignoreStatic" was enabled)';

/** Whether the first pass left `m` out as static. */
export function isIgnoredStatic(m: Mutant): boolean {
  return m.status === 'Ignored' && m.statusReason === STATIC_IGNORED;
}

/**
 * The unit tests of one mutated file, by the mirror convention: src/lib/log.ts -> test/unit/lib/log*.test.ts,
 * src/commands/ecr-login/helper.ts -> test/unit/commands/ecr-login/helper*.test.ts, and a rig file
 * test/harness/aws/policy.ts -> test/harness/aws/policy*.test.ts.
 */
export function ownTests(file: string): string {
  const { dir, name } = path.posix.parse(file);
  const testDir = dir.startsWith('src/') ? `test/unit/${dir.slice('src/'.length)}` : dir;
  return `${testDir}/${name}*.test.ts`;
}

/**
 * A Stryker mutate pattern that covers exactly `m`'s code: `file:line:column-line:column`. Stryker's
 * results count columns from 1, its ranges from 0 (lines from 1 in both); a mutant is made when its
 * whole node lies inside a range.
 */
export function mutantRange(m: Mutant): string {
  const { start, end } = m.location;
  if (!end) throw new Error(`bug: mutant ${m.fileName}:${start.line} has no end location`);
  return `${m.fileName}:${start.line}:${start.column - 1}-${end.line}:${end.column - 1}`;
}

const key = (m: Mutant) => `${m.fileName}:${m.location.start.line}:${m.location.start.column}-${m.location.end?.line}:${m.location.end?.column} ${m.mutatorName} ${m.replacement}`;

/**
 * The first pass's results with each static mutant it ignored replaced by the static pass's verdict on
 * the same mutant (same file, location, mutator and replacement). Other mutants of the static pass (the
 * code inside a module-level function, which its ranges also hold) keep the first pass's verdict, which
 * ran the whole test set. A static mutant the second pass did not produce stays Ignored.
 */
export function mergeStatic(first: readonly Mutant[], statics: readonly Mutant[]): Mutant[] {
  const second = new Map(statics.map((m) => [key(m), m]));
  return first.map((m) => {
    const s = isIgnoredStatic(m) ? second.get(key(m)) : undefined;
    return s ? { ...s, static: true } : m;
  });
}
