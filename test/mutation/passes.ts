// The Stryker runs behind `npm run mutation`: a first pass over every mutant that a test reaches while it
// runs (static ones left out), then a pass over the static mutants alone against their own file's unit
// tests (./statics.ts explains why), merged into one list.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Stryker } from '@stryker-mutator/core';
import type { LogLevel, PartialStrykerOptions } from '@stryker-mutator/api/core';
import { relativeFile, reusedCount, type Mutant } from './score.ts';
import { isIgnoredStatic, mergeStatic, mutantRange, ownTests } from './statics.ts';

/**
 * How long each pass took, in seconds, how many static mutants the second pass ran, and how many mutant
 * results Stryker's incremental mode took over from the previous run instead of testing them again.
 */
export interface PassInfo { firstSeconds: number; staticSeconds: number; staticRun: number; staticLeftOut: number; reused: number }

/**
 * Stryker's workers (test runner processes) from MUTATION_CONCURRENCY: 2 when unset or empty, else a whole number
 * from 1. Anything else throws a one-line error naming the variable, the value and the fix (Stryker's own would
 * name its option `concurrency`, which the user did not set, and come after its start).
 */
export function workers(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 2;
  if (!/^[1-9][0-9]{0,2}$/.test(value.trim())) {
    throw new Error(`MUTATION_CONCURRENCY=${JSON.stringify(value)} is no number of workers: set a whole number from 1, or unset it for 2`);
  }
  return Number(value.trim());
}

/**
 * Whether MUTATION_FRESH asks to test every mutant again (no saved part, no incremental result): `1` yes; unset,
 * empty or `0` no. Anything else (`true`, `yes`) throws a one-line error naming the variable, the value and the fix,
 * rather than being read as no and reusing results the user meant to throw away.
 */
export function freshRun(value: string | undefined): boolean {
  const v = (value ?? '').trim();
  if (v === '' || v === '0') return false;
  if (v === '1') return true;
  throw new Error(`MUTATION_FRESH=${JSON.stringify(value)} is neither 1 nor 0: set MUTATION_FRESH=1 to test every mutant again, or unset it`);
}

/** Stryker's log of the run (fileLogLevel info): where it says how many results incremental mode reused. */
const STRYKER_LOG = 'stryker.log';

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
async function stryker(mutate: string[], opts: { ignoreStatic: boolean; testFiles?: string[] | undefined; report: string; incrementalFile?: string | undefined }): Promise<{ mutants: Mutant[]; reused: number }> {
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
    concurrency: workers(process.env.MUTATION_CONCURRENCY),
    // A loaded two-core machine: a mutant's run may take twice the clean run, plus 10 s, before it counts as a timeout.
    timeoutFactor: 2,
    timeoutMS: 10_000,
    tempDirName: '.tmp/stryker-tmp',
    ignorePatterns: ['dist', '.tmp', 'coverage', 'docs', 'src/orb/scripts'],
    cleanTempDir: true,
    // Incremental (Stryker's rules): a killed mutant whose code and killing test did not change, and a
    // surviving one whose code did not change and that no new or changed test covers, keep their verdict.
    incremental: opts.incrementalFile !== undefined,
    ...(opts.incrementalFile ? { incrementalFile: opts.incrementalFile } : {}),
    force: freshRun(process.env.MUTATION_FRESH),
    fileLogLevel: 'info' as LogLevel,
  };
  rmSync(STRYKER_LOG, { force: true });
  const results = await new Stryker(options).runMutationTest();
  const reused = existsSync(STRYKER_LOG) ? reusedCount(readFileSync(STRYKER_LOG, 'utf8')) : 0;
  rmSync(STRYKER_LOG, { force: true });
  const mutants = results.map((m) => ({
    fileName: relativeFile(m.fileName, process.cwd()), mutatorName: m.mutatorName, replacement: m.replacement ?? '',
    status: m.status, statusReason: m.statusReason, static: m.static, location: m.location,
    killedBy: m.killedBy, coveredBy: m.coveredBy,
  }));
  return { mutants, reused };
}

/**
 * Mutation testing of `mutate` (globs): the first pass with `testFiles` (undefined: the whole vitest config),
 * then the static mutants of each file that has unit tests of its own (ownTests). A static mutant of a file
 * without them stays Ignored and is counted as left out. `incremental`, a part's name such as `whole-src-lib`:
 * each pass keeps its results in `.tmp/mutation/incremental/<name>-<pass>.json` and reuses them in the next run
 * of that name (MUTATION_FRESH=1 tests everything again).
 */
export async function mutationTest(mutate: string[], testFiles: string[] | undefined, incremental?: string): Promise<{ mutants: Mutant[]; info: PassInfo }> {
  const t0 = Date.now();
  const file = (pass: string) => (incremental ? `.tmp/mutation/incremental/${incremental}-${pass}.json` : undefined);
  const { mutants: first, reused: firstReused } = await stryker(mutate, { ignoreStatic: true, testFiles, report: '.tmp/mutation/first.json', incrementalFile: file('first') });
  const t1 = Date.now();
  const ignored = first.filter(isIgnoredStatic);
  const files = [...new Set(ignored.map((m) => m.fileName))];
  const tests = [...new Set(files.flatMap((f) => testFilesMatching(ownTests(f))))];
  const runnable = ignored.filter((m) => testFilesMatching(ownTests(m.fileName)).length > 0);
  // Without a test file Stryker would run the whole set for each static mutant: those stay Ignored.
  const statics = runnable.length === 0 ? { mutants: [], reused: 0 } : await stryker(runnable.map(mutantRange), { ignoreStatic: false, testFiles: tests, report: '.tmp/mutation/static.json', incrementalFile: file('static') });
  const mutants = mergeStatic(first, statics.mutants);
  return {
    mutants,
    info: {
      firstSeconds: (t1 - t0) / 1000, staticSeconds: (Date.now() - t1) / 1000, staticRun: runnable.length,
      staticLeftOut: mutants.filter(isIgnoredStatic).length, reused: firstReused + statics.reused,
    },
  };
}
