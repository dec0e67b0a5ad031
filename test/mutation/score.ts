// Mutation scores from Stryker's results: per file, per folder, over a set of files, and the surviving
// mutants of the security-relevant files that no entry of explained.ts accounts for. Pure.
import path from 'node:path';

/** The part of a Stryker mutant result this module reads. */
export interface Mutant {
  fileName: string;
  mutatorName: string;
  replacement: string;
  status: string;
  /** Why Stryker gave the status (e.g. why it ignored the mutant). */
  statusReason?: string | undefined;
  /** Whether the mutated code runs when its module is imported (test/mutation/statics.ts). */
  static?: boolean | undefined;
  /** Lines and columns from 1, as Stryker reports them. */
  location: { start: { line: number; column: number }; end?: { line: number; column: number } };
  killedBy?: string[] | undefined;
  coveredBy?: string[] | undefined;
}

/** A surviving mutant that is equivalent to the code (no test can tell them apart), and why; line and column as Stryker counts them (from 1). */
export interface Explained { file: string; line: number; column: number; mutator: string; replacement: string; why: string }

/** Counts of one group of mutants; `score` is Stryker's: detected / (detected + undetected), in percent. */
export interface Tally { killed: number; timeout: number; survived: number; noCoverage: number; errors: number; ignored: number; score: number }

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** The tally of `mutants`; compile and runtime errors and ignored mutants are not counted in the score (Stryker's rule). */
export function tally(mutants: readonly Mutant[]): Tally {
  const n = (s: string) => mutants.filter((m) => m.status === s).length;
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
  return {
    killed: n('Killed'), timeout: n('Timeout'), survived: n('Survived'), noCoverage: n('NoCoverage'),
    errors: n('CompileError') + n('RuntimeError'), ignored: n('Ignored'),
    score: detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected),
  };
}

/** The path of a mutant's file relative to `root`, with forward slashes. */
export function relativeFile(fileName: string, root: string): string {
  return path.relative(root, path.resolve(root, fileName)).split(path.sep).join('/');
}

/** Mutants grouped by folder (src/lib/aws, src/commands/ecr-login, ...), folders sorted. */
export function byFolder(mutants: readonly Mutant[]): [string, Mutant[]][] {
  const groups = new Map<string, Mutant[]>();
  for (const m of mutants) {
    const folder = path.posix.dirname(m.fileName);
    groups.set(folder, [...(groups.get(folder) ?? []), m]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** Whether `e` accounts for mutant `m` (same file, line, column, mutator and replacement). */
export function explains(e: Explained, m: Mutant): boolean {
  return e.file === m.fileName && e.line === m.location.start.line && e.column === m.location.start.column && e.mutator === m.mutatorName && e.replacement === m.replacement;
}

/** The undetected mutants of `files` that no explanation accounts for. */
export function unexplained(mutants: readonly Mutant[], files: readonly string[], explained: readonly Explained[]): Mutant[] {
  return mutants.filter((m) => files.includes(m.fileName) && UNDETECTED.has(m.status) && !explained.some((e) => explains(e, m)));
}

/**
 * Explanations that match no surviving mutant any more (the code or the tests changed): to be removed. A
 * mutant that timed out still holds its entry: an equivalent mutant that only makes the code slower (a
 * shortcut removed) survives on a quiet machine and times out on a loaded one.
 */
export function staleExplanations(mutants: readonly Mutant[], explained: readonly Explained[]): Explained[] {
  return explained.filter((e) => !mutants.some((m) => (UNDETECTED.has(m.status) || m.status === 'Timeout') && explains(e, m)));
}

/**
 * One line for a mutant: `file:line:column Mutator -> replacement`. With `withEnd`, the end of the mutated code
 * follows the start when Stryker gives it (`file:line:column-line:column ...`, columns from 1 as in its results;
 * its `mutate` ranges count them from 0), so two mutants at one place read apart.
 */
export function mutantLine(m: Mutant, withEnd = false): string {
  const replacement = m.replacement.replace(/\s+/g, ' ').slice(0, 100);
  const end = withEnd && m.location.end ? `-${m.location.end.line}:${m.location.end.column}` : '';
  return `${m.fileName}:${m.location.start.line}:${m.location.start.column}${end} ${m.mutatorName} -> ${replacement}`;
}

/**
 * How many mutant results a Stryker run reused, from its log line "N of M mutant result(s) are reused"
 * (Stryker's IncrementalDiffer); 0 when the run was not incremental or found no previous report.
 */
export function reusedCount(log: string): number {
  // eslint-disable-next-line no-control-regex
  const m = /(\d+) of \d+ mutant result\(s\) are reused/.exec(log.replace(/\x1b\[[0-9;]*m/g, ''));
  return m ? Number(m[1]) : 0;
}
