// npm run mutation [-- --security]: StrykerJS (vitest runner) over the runtime and the rig's refusal
// logic, or over the security-relevant files only. Writes docs/mutation.md for the whole run, prints
// the scores, and exits 1 below the goals (test/mutation/scope.ts) or when a surviving mutant of a
// security-relevant file is neither killed nor explained (test/mutation/explained.ts).
// MUTATION_FILES=a.ts,b.ts narrows the mutated files (while writing tests: no goal, no page, every unexplained
// survivor listed, only those of security files fail); MUTATION_CONCURRENCY sets Stryker's workers (default 2);
// both are checked before anything runs (narrowedFiles, workers, freshRun). The whole run
// and the security run go part by part (test/mutation/parts.ts) and keep each part's results when it ends:
// a part whose code and tests did not change is taken over whole, the others run incrementally (Stryker's
// rules, test/mutation/passes.ts). MUTATION_FRESH=1 tests everything again.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXPLAINED } from './explained.ts';
import { fingerprint, keepPart, loadPart, treeDigest, writeWhole, type Part } from './parts.ts';
import { freshRun, mutationTest, workers, type PassInfo } from './passes.ts';
import { render, type PartLine } from './render.ts';
import { folderGlobs, GOALS, MUTATE_RIG, SECURITY_FILES, SRC_PARTS, unitTestFiles } from './scope.ts';
import { mutantLine, relativeFile, staleExplanations, tally, unexplained, type Explained, type Mutant } from './score.ts';
import { headCommit, machineLine } from '../support/record.ts';

const DOC = 'docs/mutation.md';

/**
 * The parts of a run. The whole run: src/ in the parts of SRC_PARTS, then the rig; the security run and a
 * narrowed run: src/ then the rig. src/ runs against the unit tests, without the rig's slow tiers (in a run over
 * the security-relevant files no rig test reached one of their mutants); the rig's files against the in-process tiers.
 */
export function parts(kind: string | undefined, chosen: string[] | undefined): Part[] {
  const inSrc = (f: string) => f.startsWith('src/');
  if (chosen) {
    const prefix = kind ? `${kind}-` : '';
    return [
      { name: `${prefix}src`, files: chosen.filter(inSrc), tests: unitTestFiles() },
      { name: `${prefix}rig`, files: chosen.filter((f) => !inSrc(f)), tests: undefined },
    ];
  }
  return [
    ...Object.entries(SRC_PARTS).map(([name, folders]) => ({ name: `whole-src-${name}`, files: folderGlobs(folders), tests: unitTestFiles() })),
    { name: 'whole-rig', files: MUTATE_RIG, tests: undefined },
  ];
}

/** A Stryker range after a file name (`:line:column-line:column`, columns optional), as `mutate` takes it. */
const RANGE = /:\d+(?::\d+)?-\d+(?::\d+)?$/;

/**
 * The files of MUTATION_FILES: comma-separated, spaces around each entry dropped, each made relative to `root` with
 * forward slashes (`./src/lib/log.ts` is `src/lib/log.ts`, so it runs against the unit tests as src/ does). A glob
 * or a Stryker range passes as written. [] when unset or empty (the whole or the security run). Throws a one-line
 * error naming MUTATION_FILES, the entry and the fix for: a value of separators only (it would start the whole run,
 * hours long, and rewrite docs/mutation.md), a path outside src/ and test/harness/ (what the run tests), and a file
 * that does not exist (Stryker would mutate nothing and fail on "No tests were executed").
 */
export function narrowedFiles(value: string | undefined, root = process.cwd()): string[] {
  if (value === undefined || value.trim() === '') return [];
  const entries = value.split(',').map((f) => f.trim()).filter((f) => f !== '');
  const fix = 'name files under src/ or test/harness/, comma-separated (MUTATION_FILES=src/lib/log.ts,src/lib/params.ts), or unset it for the whole run';
  if (entries.length === 0) throw new Error(`MUTATION_FILES=${JSON.stringify(value)} names no file: ${fix}`);
  return entries.map((entry) => {
    const file = entry.replace(RANGE, '');
    const rel = relativeFile(file, root);
    if (!rel.startsWith('src/') && !rel.startsWith('test/harness/')) throw new Error(`MUTATION_FILES: ${JSON.stringify(entry)} is outside src/ and test/harness/: ${fix}`);
    if (!/[*?[\]{}!]/.test(rel) && !statSync(path.join(root, rel), { throwIfNoEntry: false })?.isFile()) {
      throw new Error(`MUTATION_FILES: ${JSON.stringify(entry)} is no file of the project: ${fix}`);
    }
    return rel + entry.slice(file.length);
  });
}

/**
 * Whether the arguments ask for the security run (`--security`); none is the whole run. Anything else throws a
 * one-line error naming the argument and the fix: a misspelt `--security` would start the whole run, hours long.
 */
export function securityRun(argv: readonly string[]): boolean {
  const other = argv.find((a) => a !== '--security');
  if (other !== undefined) throw new Error(`unknown argument ${JSON.stringify(other)}: give --security for the security-relevant files alone, or nothing for the whole run`);
  return argv.length > 0;
}

/**
 * What a run says when its parts are done. `out`: the score line (a narrowed run's is over its own files and names
 * no goal) and, in a narrowed run, the survivors outside the security-relevant files that no entry explains:
 * they are listed for the one writing tests but do not fail the run. `failures` (exit 1): a goal missed (whole
 * and security runs), a survivor of a security-relevant file neither killed nor explained, an entry of
 * explained.ts for a file of the run that matches no survivor.
 */
export function verdict(
  mutants: readonly Mutant[], run: { narrowed: boolean; securityOnly: boolean; seconds: number; passes: PassInfo }, explained: readonly Explained[] = EXPLAINED,
): { out: string[]; failures: string[] } {
  const { narrowed, securityOnly, passes: info } = run;
  const files = [...new Set(mutants.map((m) => m.fileName))];
  const security = tally(mutants.filter((m) => SECURITY_FILES.includes(m.fileName)));
  const all = tally(mutants.filter((m) => m.fileName.startsWith('src/')));
  const stale = staleExplanations(mutants, explained).filter((e) => files.includes(e.file));
  const failures: string[] = [];
  if (!narrowed && security.score < GOALS.security) failures.push(`security-relevant files: ${security.score.toFixed(2)}% is below the goal of ${GOALS.security}%`);
  if (!narrowed && !securityOnly && all.score < GOALS.all) failures.push(`src/: ${all.score.toFixed(2)}% is below the goal of ${GOALS.all}%`);
  for (const m of unexplained(mutants, SECURITY_FILES, explained)) failures.push(`survived, neither killed nor explained: ${mutantLine(m)}`);
  for (const e of stale) failures.push(`test/mutation/explained.ts: no surviving mutant matches ${e.file}:${e.line} ${e.mutator} -> ${e.replacement}; remove the entry`);
  const scores = narrowed ? `mutation score of the chosen files: ${tally(mutants).score.toFixed(2)}% (a narrowed run checks no goal)`
    : `mutation score: security-relevant files ${security.score.toFixed(2)}% (goal ${GOALS.security}%)` + (securityOnly ? '' : `, src/ ${all.score.toFixed(2)}% (goal ${GOALS.all}%)`);
  const others = narrowed ? unexplained(mutants, files.filter((f) => !SECURITY_FILES.includes(f)), explained) : [];
  return {
    out: [
      `${scores}; ${mutants.length} mutants in ${run.seconds.toFixed(0)} s (first pass ${info.firstSeconds.toFixed(0)} s; ${info.staticRun} static mutants in` +
        ` ${info.staticSeconds.toFixed(0)} s; ${info.staticLeftOut} static left out; ${info.reused} results reused from earlier runs)`,
      ...others.map((m) => `mutation: survived (kill it with a test; outside the security-relevant files it needs no entry in explained.ts): ${mutantLine(m)}`),
    ],
    failures,
  };
}

async function main(argv: string[]): Promise<number> {
  let securityOnly: boolean;
  let narrowed: string[];
  let fresh: boolean;
  try {
    securityOnly = securityRun(argv);
    narrowed = narrowedFiles(process.env.MUTATION_FILES);
    workers(process.env.MUTATION_CONCURRENCY);
    fresh = freshRun(process.env.MUTATION_FRESH);
  } catch (err) {
    console.error(`mutation: ${(err as Error).message}`);
    return 2;
  }
  const chosen = narrowed.length > 0 ? narrowed : securityOnly ? SECURITY_FILES : undefined;
  // A narrowed run is not incremental and keeps nothing: Stryker would carry the earlier run's mutants of other files into it.
  const kind = narrowed.length > 0 ? undefined : securityOnly ? 'security' : 'whole';
  // The commit checked out when the run starts: the tree may move on during hours of mutation testing.
  const commit = headCommit();
  mkdirSync('.tmp/mutation', { recursive: true });
  const t0 = Date.now();
  const mutants: Mutant[] = [];
  const info: PassInfo = { firstSeconds: 0, staticSeconds: 0, staticRun: 0, staticLeftOut: 0, reused: 0 };
  const lines: PartLine[] = [];
  // Only a whole or security run keeps its parts; the tree is read once for all of them.
  const tree = kind ? treeDigest(process.cwd()) : undefined;
  for (const part of parts(kind, chosen)) {
    if (part.files.length === 0) continue;
    const print = tree === undefined ? undefined : fingerprint(part, tree);
    const saved = kind ? loadPart(part.name) : undefined;
    let line: PartLine;
    if (saved && !fresh && saved.fingerprint === print) {
      // Same code, tests, dependencies and configs as when the part ran: its results stand as they are.
      console.log(`mutation: ${part.name}: code and tests unchanged since the run at ${saved.commit.slice(0, 12)}; its ${saved.mutants.length} results taken over`);
      mutants.push(...saved.mutants);
      info.reused += saved.mutants.length;
      line = { name: part.name, mutants: saved.mutants.length, reused: saved.mutants.length, seconds: 0, from: saved.commit };
    } else {
      const p0 = Date.now();
      const run = await mutationTest(part.files, part.tests, kind && part.name);
      mutants.push(...run.mutants);
      for (const k of Object.keys(info) as (keyof PassInfo)[]) info[k] += run.info[k];
      line = { name: part.name, mutants: run.mutants.length, reused: run.info.reused, seconds: (Date.now() - p0) / 1000, from: run.info.reused > 0 ? saved?.commit : undefined };
      const result = print === undefined ? undefined : { fingerprint: print, commit, date: new Date().toISOString(), mutants: run.mutants, info: run.info };
      if (tree !== undefined && result && !keepPart(part.name, result, tree, () => treeDigest(process.cwd()))) {
        console.log(`mutation: ${part.name}: the tree changed during the run; the part's results count in this run and are not kept`);
      }
    }
    lines.push(line);
  }
  const seconds = (Date.now() - t0) / 1000;
  writeFileSync('.tmp/mutation/mutants.json', JSON.stringify(mutants, null, 1));
  const { out, failures } = verdict(mutants, { narrowed: narrowed.length > 0, securityOnly, seconds, passes: info });
  if (narrowed.length === 0 && !securityOnly) {
    writeWhole(DOC, render(mutants, { commit, machine: machineLine(), date: new Date().toISOString().slice(0, 10), seconds, passes: info, parts: lines }));
    console.log(`wrote ${DOC}`);
  }
  for (const l of out) console.log(l);
  for (const f of failures) console.error(`mutation: ${f}`);
  return failures.length > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2));
