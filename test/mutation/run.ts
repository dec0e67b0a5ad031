// npm run mutation [-- --security]: StrykerJS (vitest runner) over the runtime and the rig's refusal
// logic, or over the security-relevant files only. Writes docs/mutation.md for the whole run, prints
// the scores, and exits 1 below the goals (test/mutation/scope.ts) or when a surviving mutant of a
// security-relevant file is neither killed nor explained (test/mutation/explained.ts).
// MUTATION_FILES=a.ts,b.ts narrows the mutated files (while writing tests: no goal, no page, survivors
// of security files still listed); MUTATION_CONCURRENCY sets Stryker's workers (default 2). The whole run
// and the security run are incremental (Stryker's rules, test/mutation/passes.ts): a run reuses what the
// previous run of its kind in this tree found where code and tests did not change; MUTATION_FRESH=1 does not.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { EXPLAINED } from './explained.ts';
import { mutationTest, type PassInfo } from './passes.ts';
import { render } from './render.ts';
import { GOALS, MUTATE_RIG, MUTATE_SRC, SECURITY_FILES, unitTestFiles } from './scope.ts';
import { mutantLine, staleExplanations, tally, unexplained, type Mutant } from './score.ts';
import { headCommit, machineLine } from '../support/record.ts';

const DOC = 'docs/mutation.md';
const INCREMENTAL = '.tmp/mutation/incremental';

/** The commit of the previous run of this kind whose results an incremental run may reuse, if any. */
function previousRun(kind: string): string | undefined {
  const file = `${INCREMENTAL}/${kind}.commit`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

async function main(argv: string[]): Promise<number> {
  const securityOnly = argv.includes('--security');
  const narrowed = (process.env.MUTATION_FILES ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
  const chosen = narrowed.length > 0 ? narrowed : securityOnly ? SECURITY_FILES : undefined;
  // src/ runs against the unit tests, without the rig's slow tiers (in a run over the
  // security-relevant files no rig test reached one of their mutants); the rig's files against the in-process tiers.
  const inSrc = (f: string) => f.startsWith('src/');
  const groups = [
    { name: 'src', files: chosen ? chosen.filter(inSrc) : MUTATE_SRC, tests: unitTestFiles() },
    { name: 'rig', files: chosen ? chosen.filter((f) => !inSrc(f)) : MUTATE_RIG, tests: undefined },
  ];
  // A narrowed run is not incremental: Stryker would carry the earlier run's mutants of other files into it.
  const kind = narrowed.length > 0 ? undefined : securityOnly ? 'security' : 'whole';
  // The commit the sandbox copies, taken before the run: the tree may move on during hours of mutation testing.
  const commit = headCommit();
  const previous = kind ? previousRun(kind) : undefined;
  mkdirSync(INCREMENTAL, { recursive: true });
  const t0 = Date.now();
  const mutants: Mutant[] = [];
  const info: PassInfo = { firstSeconds: 0, staticSeconds: 0, staticRun: 0, staticLeftOut: 0, reused: 0 };
  for (const group of groups) {
    if (group.files.length === 0) continue;
    const run = await mutationTest(group.files, group.tests, kind && `${kind}-${group.name}`);
    mutants.push(...run.mutants);
    for (const k of Object.keys(info) as (keyof PassInfo)[]) info[k] += run.info[k];
  }
  if (kind) writeFileSync(`${INCREMENTAL}/${kind}.commit`, `${commit}\n`);
  const seconds = (Date.now() - t0) / 1000;
  writeFileSync('.tmp/mutation/mutants.json', JSON.stringify(mutants, null, 1));
  const files = new Set(mutants.map((m) => m.fileName));
  const security = tally(mutants.filter((m) => SECURITY_FILES.includes(m.fileName)));
  const all = tally(mutants.filter((m) => m.fileName.startsWith('src/')));
  const open = unexplained(mutants, SECURITY_FILES, EXPLAINED);
  const stale = staleExplanations(mutants, EXPLAINED).filter((e) => files.has(e.file));
  const failures: string[] = [];
  if (narrowed.length === 0 && security.score < GOALS.security) failures.push(`security-relevant files: ${security.score.toFixed(2)}% is below the goal of ${GOALS.security}%`);
  if (narrowed.length === 0 && !securityOnly && all.score < GOALS.all) failures.push(`src/: ${all.score.toFixed(2)}% is below the goal of ${GOALS.all}%`);
  for (const m of open) failures.push(`survived, neither killed nor explained: ${mutantLine(m)}`);
  for (const e of stale) failures.push(`test/mutation/explained.ts: no surviving mutant matches ${e.file}:${e.line} ${e.mutator} -> ${e.replacement}; remove the entry`);
  if (narrowed.length === 0 && !securityOnly) {
    writeFileSync(DOC, render(mutants, { commit, machine: machineLine(), date: new Date().toISOString().slice(0, 10), seconds, passes: info, previous }));
    console.log(`wrote ${DOC}`);
  }
  console.log(`mutation score: security-relevant files ${security.score.toFixed(2)}% (goal ${GOALS.security}%)` +
    (securityOnly ? '' : `, src/ ${all.score.toFixed(2)}% (goal ${GOALS.all}%)`) + `; ${mutants.length} mutants in ${seconds.toFixed(0)} s` +
    ` (first pass ${info.firstSeconds.toFixed(0)} s; ${info.staticRun} static mutants in ${info.staticSeconds.toFixed(0)} s; ${info.staticLeftOut} static left out;` +
    ` ${info.reused} results reused${previous ? ` from the run at ${previous.slice(0, 12)}` : ''})`);
  for (const f of failures) console.error(`mutation: ${f}`);
  return failures.length > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2));
