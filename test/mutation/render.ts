// docs/mutation.md, written by `npm run mutation` from Stryker's results: the goals, the score per folder
// and over the security-relevant files, and every surviving mutant of those files with why it survives.
import { runLine } from '../support/record.ts';
import { EXPLAINED } from './explained.ts';
import { GOALS, SECURITY_FILES } from './scope.ts';
import type { PassInfo } from './passes.ts';
import { byFolder, explains, mutantLine, tally, type Mutant, type Tally } from './score.ts';

const row = (name: string, t: Tally): string =>
  `| ${name} | ${t.score.toFixed(2)} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${t.errors} | ${t.ignored} |`;

const HEAD = ['| where | score % | killed | timed out | survived | no coverage | errors | not run |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];

/**
 * `text` as a Markdown code span (CommonMark, "Code spans"): fenced by one backtick more than its longest run of
 * them, and padded with a space inside when it starts or ends with one, which the reader strips again. A mutant's
 * replacement may hold backticks (a template literal emptied is ``), which would end a one-backtick span early.
 */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** The files with the most mutants of `ms`, at most `n`, as `file` (count), most first. */
function mostIn(ms: readonly Mutant[], n: number): string {
  const counts = new Map<string, number>();
  for (const m of ms) counts.set(m.fileName, (counts.get(m.fileName) ?? 0) + 1);
  return [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).slice(0, n).map(([f, c]) => `${codeSpan(f)} (${c})`).join(', ');
}

/** What the page says about static mutants: counted over every result on the page, the tested parts' pass named apart. */
function staticText(mutants: readonly Mutant[], p: PassInfo): string[] {
  // Stryker marks the mutants it leaves out as static too; one not run is counted once, static or not.
  const notRun = mutants.filter((m) => m.status === 'Ignored');
  const ran = mutants.filter((m) => m.static && m.status !== 'Ignored');
  const killed = ran.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
  return [
    `Static mutants: ${ran.length + notRun.length} of the ${mutants.length} mutants change code that runs once, when its module is imported`,
    '(a module-level regex or string, an arrow function assigned at the top). Stryker cannot tell which test',
    'reaches such code, so it would rerun every test of the tiers, modules reloaded, for each of them: hours on',
    'two cores. So each part has two passes. The first runs every other mutant against the tests that reach it',
    '(Stryker\'s `ignoreStatic`; a mutant that is static and also reached by a test runs there). The second',
    'runs the static mutants the first left out, each against every test of its own file, modules reloaded for',
    'each (`src/lib/log.ts` -> `test/unit/lib/log*.test.ts`, `test/harness/aws/sigv4.ts` ->',
    `\`test/harness/aws/sigv4*.test.ts\`; \`test/mutation/statics.ts\`). In this run it had ${p.staticRun} to test or take over (parts taken over whole not counted).`,
    `Of the ${ran.length} static mutants that ran, ${killed} were killed or timed out. ${notRun.length} were not run, because their file`,
    'has no test of its own by that name; they are counted under "not run" and left out of the score' +
      (notRun.length > 0 ? ` (most in ${mostIn(notRun, 4)}).` : '.'),
  ];
}

/** One part of the run as the page lists it: its mutants, how many results it took over and from which commit's run, and its seconds. */
export interface PartLine { name: string; mutants: number; reused: number; seconds: number; from?: string | undefined }

/** What the page says about results taken over from earlier runs (parts.ts, and Stryker's incremental mode). */
function reuseText(reused: number): string[] {
  if (reused === 0) return ['Every mutant was tested in this run (no result was taken over from an earlier run).'];
  return [
    `Incremental: ${reused} results were taken over (copied without testing again) from earlier runs in the same working`,
    'copy, which keeps them under `.tmp/mutation/` (not committed). A part whose code, tests, dependencies and configs',
    'are byte for byte those of its last run keeps that run\'s results whole. In the other parts, by Stryker\'s rules, a',
    'killed mutant whose code and killing test did not change, and a surviving one whose code did not change and that',
    'no new or changed test covers, keep their verdict; the rest were tested in this run. "Taken over" adds up what',
    'Stryker reports for both passes: the static pass instruments the whole range of each static mutant, and mutants',
    'inside that range that the first pass counted already are counted again, so the figure can pass a part\'s',
    'mutants. "From the run at" is the commit of the run that saved the part (which may itself have taken results',
    'over); "-" when they came from Stryker\'s own incremental files alone. "Seconds" are this run\'s alone: a part',
    'with few seconds tested little.',
  ];
}

/** The table of the run's parts. */
function partRows(parts: readonly PartLine[]): string[] {
  return [
    '| part | mutants | taken over | from the run at | seconds in this run |',
    '| --- | ---: | ---: | --- | ---: |',
    ...parts.map((p) => `| ${p.name} | ${p.mutants} | ${p.reused} | ${p.from ? `\`${p.from.slice(0, 12)}\`` : '-'} | ${p.seconds.toFixed(0)} |`),
  ];
}

/** The page. `info.commit` is the commit the run mutated, `info.seconds` how long it took. */
export function render(mutants: readonly Mutant[], info: { commit: string; machine: string; date: string; seconds: number; passes: PassInfo; parts: readonly PartLine[] }): string {
  const src = mutants.filter((m) => m.fileName.startsWith('src/'));
  const rig = mutants.filter((m) => !m.fileName.startsWith('src/'));
  const security = mutants.filter((m) => SECURITY_FILES.includes(m.fileName));
  const survivors = security.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
  const why = (m: Mutant) => EXPLAINED.find((e) => explains(e, m))?.why ?? 'NOT EXPLAINED';
  return [
    '# Mutation testing',
    '',
    'How many deliberate bugs the tests catch. StrykerJS (with its vitest runner) changes the code one small',
    'way at a time (a condition flipped, a string emptied, a block removed) and runs the tests that reach the',
    'changed line; a mutant is killed when a test fails. Score = (killed + timed out) / (killed + timed out +',
    'survived + no coverage). Compile and runtime errors ("errors") and mutants not run do not count (Stryker\'s rule).',
    '',
    `Goals: at least ${GOALS.all}% over \`src/\`, at least ${GOALS.security}% over the security-relevant files`,
    '(`SECURITY_FILES` in `test/mutation/scope.ts`); every surviving mutant of those files is killed or explained',
    'below (`test/mutation/explained.ts`: why no test can tell it from the code).',
    '',
    'Generated by `npm run mutation` (the whole run, this page): `src/` against the unit tests (`test/unit/`,',
    'without the build tools\' tests), then the rig\'s refusal logic against the in-process tiers',
    '(`test/mutation/vitest.config.ts`: the unit tests and the rig\'s own tests). `npm run mutation -- --security`',
    'runs the security-relevant files alone, as `.ci/run` does, and fails below the goal. Do not edit by hand.',
    '',
    'The rig (the stand-ins for AWS and the registry under `test/harness/`, `MUTATE_RIG` in `test/mutation/scope.ts`)',
    'is scored but has no goal: it is not shipped. A rig survivor is a place where the rig could accept what AWS',
    'refuses, or answer otherwise, and no test notices. Its score is lower than `src/`\'s because the tests that',
    'drive it through docker and whole jobs (`registry-docker.test.ts`, `rig.test.ts`) are left out of the mutation',
    'test set, at minutes per mutant; what only they reach counts as no coverage. Its survivors are not listed here.',
    '',
    ...staticText(mutants, info.passes),
    '',
    ...reuseText(info.passes.reused),
    '',
    ...partRows(info.parts),
    '',
    runLine({ ...info, more: ` (first pass ${info.passes.firstSeconds.toFixed(0)} s, static pass ${info.passes.staticSeconds.toFixed(0)} s)` }),
    '',
    '## Totals',
    '',
    ...HEAD,
    row('`src/` (the shipped runtime)', tally(src)),
    row('security-relevant files', tally(security)),
    row('the rig\'s refusal logic (no goal)', tally(rig)),
    '',
    '## Per folder',
    '',
    'Only the files a run mutates count: under `test/harness/` these are the files of `MUTATE_RIG`.',
    '',
    ...HEAD,
    ...byFolder(mutants).map(([folder, ms]) => row(codeSpan(folder), tally(ms))),
    '',
    '## Security-relevant files',
    '',
    ...HEAD,
    ...SECURITY_FILES.map((f) => row(`\`${f}\``, tally(security.filter((m) => m.fileName === f)))),
    '',
    '## Surviving and uncovered mutants in the security-relevant files',
    '',
    'Each with why no test can tell it from the code. Two mutants at one place differ in the code they span (to the column after `-`).',
    '',
    ...(survivors.length === 0 ? ['None.'] : survivors.map((m) => `- ${codeSpan(mutantLine(m, true))}: ${why(m)}`)),
    '',
  ].join('\n');
}
