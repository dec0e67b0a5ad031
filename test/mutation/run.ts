// npm run mutation [-- --security]: StrykerJS (vitest runner) over the runtime and the rig's refusal
// logic, or over the security-relevant files only. Writes docs/mutation.md for the whole run, prints
// the scores, and exits 1 below the goals (test/mutation/scope.ts) or when a surviving mutant of a
// security-relevant file is neither killed nor explained (test/mutation/explained.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Stryker } from '@stryker-mutator/core';
import { EXPLAINED } from './explained.ts';
import { render } from './render.ts';
import { GOALS, MUTATE_ALL, SECURITY_FILES } from './scope.ts';
import { mutantLine, relativeFile, staleExplanations, tally, unexplained, type Mutant } from './score.ts';
import { headCommit, machineLine } from '../support/record.ts';

const DOC = 'docs/mutation.md';

/** Runs Stryker over `mutate` and returns its results, file names relative to the project. */
async function mutate(mutate: string[]): Promise<Mutant[]> {
  mkdirSync('.tmp', { recursive: true });
  const stryker = new Stryker({
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    // The in-process tiers only; related: each mutant runs the tests whose imports reach its file.
    vitest: { configFile: 'test/mutation/vitest.config.ts', related: true },
    coverageAnalysis: 'perTest',
    mutate,
    reporters: ['progress', 'json'],
    jsonReporter: { fileName: '.tmp/mutation/mutation.json' },
    concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
    // A loaded two-core machine: a mutant's run may take twice the clean run, plus 10 s, before it counts as a timeout.
    timeoutFactor: 2,
    timeoutMS: 10_000,
    tempDirName: '.tmp/stryker-tmp',
    ignorePatterns: ['dist', '.tmp', 'coverage', 'docs', 'src/orb/scripts'],
    cleanTempDir: true,
  });
  const results = await stryker.runMutationTest();
  return results.map((m) => ({ fileName: relativeFile(m.fileName, process.cwd()), mutatorName: m.mutatorName, replacement: m.replacement, status: m.status, location: m.location }));
}

async function main(argv: string[]): Promise<number> {
  const securityOnly = argv.includes('--security');
  const t0 = Date.now();
  const mutants = await mutate(securityOnly ? SECURITY_FILES : MUTATE_ALL);
  const seconds = (Date.now() - t0) / 1000;
  const security = tally(mutants.filter((m) => SECURITY_FILES.includes(m.fileName)));
  const all = tally(mutants.filter((m) => m.fileName.startsWith('src/')));
  const open = unexplained(mutants, SECURITY_FILES, EXPLAINED);
  const stale = staleExplanations(mutants, EXPLAINED).filter((e) => securityOnly ? SECURITY_FILES.includes(e.file) : true);
  const failures: string[] = [];
  if (security.score < GOALS.security) failures.push(`security-relevant files: ${security.score.toFixed(2)}% is below the goal of ${GOALS.security}%`);
  if (!securityOnly && all.score < GOALS.all) failures.push(`src/: ${all.score.toFixed(2)}% is below the goal of ${GOALS.all}%`);
  for (const m of open) failures.push(`survived, neither killed nor explained: ${mutantLine(m)}`);
  for (const e of stale) failures.push(`test/mutation/explained.ts: no surviving mutant matches ${e.file}:${e.line} ${e.mutator} -> ${e.replacement}; remove the entry`);
  if (!securityOnly) {
    writeFileSync(DOC, render(mutants, { commit: headCommit(), machine: machineLine(), date: new Date().toISOString().slice(0, 10), seconds }));
    console.log(`wrote ${DOC}`);
  }
  console.log(`mutation score: security-relevant files ${security.score.toFixed(2)}% (goal ${GOALS.security}%)` +
    (securityOnly ? '' : `, src/ ${all.score.toFixed(2)}% (goal ${GOALS.all}%)`) + `; ${mutants.length} mutants in ${seconds.toFixed(0)} s`);
  for (const f of failures) console.error(`mutation: ${f}`);
  return failures.length > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2));
