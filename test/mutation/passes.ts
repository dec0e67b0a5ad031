// The Stryker runs behind `npm run mutation`: a first pass over every mutant that a test reaches while it
// runs (static ones left out), then a pass over the static mutants alone against their own file's unit
// tests (./statics.ts explains why), merged into one list.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Stryker } from '@stryker-mutator/core';
import type { PartialStrykerOptions } from '@stryker-mutator/api/core';
import { relativeFile, type Mutant } from './score.ts';
import { isIgnoredStatic, mergeStatic, mutantRange, ownTests } from './statics.ts';

/** How long each pass took, in seconds, and how many static mutants the second pass ran. */
export interface PassInfo { firstSeconds: number; staticSeconds: number; staticRun: number; staticLeftOut: number }

/** Test files (relative, forward slashes) under `dir` whose names match `glob`'s last part (`name*.test.ts`). */
export function testFilesMatching(glob: string): string[] {
  const { dir, base } = path.posix.parse(glob);
  if (!existsSync(dir)) return [];
  const [prefix, suffix] = base.split('*') as [string, string];
  return readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(suffix)).map((f) => `${dir}/${f}`).sort();
}

/**
 * One Stryker run; file names in the results relative to the project. `testFiles` narrows the test set
 * (through the vitest config: test/mutation/vitest.config.ts says why not through Stryker's option).
 */
async function stryker(mutate: string[], opts: { ignoreStatic: boolean; testFiles?: string[] | undefined; report: string }): Promise<Mutant[]> {
  mkdirSync('.tmp', { recursive: true });
  // Stryker's workers are child processes: they inherit the environment as it is when they start.
  if (opts.testFiles) process.env.MUTATION_TEST_SET = opts.testFiles.join(',');
  else delete process.env.MUTATION_TEST_SET;
  const options: PartialStrykerOptions = {
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    // The in-process tiers only; related: each run is limited to the tests whose imports reach the mutated file.
    vitest: { configFile: 'test/mutation/vitest.config.ts', related: true },
    coverageAnalysis: 'perTest',
    mutate,
    ignoreStatic: opts.ignoreStatic,
    reporters: ['progress', 'json'],
    jsonReporter: { fileName: opts.report },
    concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
    // A loaded two-core machine: a mutant's run may take twice the clean run, plus 10 s, before it counts as a timeout.
    timeoutFactor: 2,
    timeoutMS: 10_000,
    tempDirName: '.tmp/stryker-tmp',
    ignorePatterns: ['dist', '.tmp', 'coverage', 'docs', 'src/orb/scripts'],
    cleanTempDir: true,
  };
  const results = await new Stryker(options).runMutationTest();
  return results.map((m) => ({
    fileName: relativeFile(m.fileName, process.cwd()), mutatorName: m.mutatorName, replacement: m.replacement ?? '',
    status: m.status, statusReason: m.statusReason, static: m.static, location: m.location,
    killedBy: m.killedBy, coveredBy: m.coveredBy,
  }));
}

/**
 * Mutation testing of `mutate` (globs): the first pass with `testFiles` (undefined: the whole vitest config),
 * then the static mutants of each file that has unit tests of its own (ownTests). A static mutant of a file
 * without them stays Ignored and is counted as left out.
 */
export async function mutationTest(mutate: string[], testFiles: string[] | undefined): Promise<{ mutants: Mutant[]; info: PassInfo }> {
  const t0 = Date.now();
  const first = await stryker(mutate, { ignoreStatic: true, testFiles, report: '.tmp/mutation/first.json' });
  const t1 = Date.now();
  const ignored = first.filter(isIgnoredStatic);
  const files = [...new Set(ignored.map((m) => m.fileName))];
  const tests = [...new Set(files.flatMap((f) => testFilesMatching(ownTests(f))))];
  const runnable = ignored.filter((m) => testFilesMatching(ownTests(m.fileName)).length > 0);
  // Without a test file Stryker would run the whole set for each static mutant: those stay Ignored.
  const statics = runnable.length === 0 ? [] : await stryker(runnable.map(mutantRange), { ignoreStatic: false, testFiles: tests, report: '.tmp/mutation/static.json' });
  const mutants = mergeStatic(first, statics);
  return {
    mutants,
    info: { firstSeconds: (t1 - t0) / 1000, staticSeconds: (Date.now() - t1) / 1000, staticRun: runnable.length, staticLeftOut: mutants.filter(isIgnoredStatic).length },
  };
}
