// The parts of a mutation run, and what each part keeps when it ends: a run over all of src/ takes hours on
// two cores, and one stopped before its end used to keep nothing. Each part's results are saved under
// .tmp/mutation/parts/ with a fingerprint of everything that decides them; the next run takes a part whose
// fingerprint is unchanged as it is, and runs the others (incrementally, by Stryker's rules: passes.ts).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PassInfo } from './passes.ts';
import type { Mutant } from './score.ts';

/** Where finished parts are kept (not committed). */
export const PARTS_DIR = '.tmp/mutation/parts';

/**
 * What decides a run's results besides the mutated globs: the code, the tests, the build tools some tests import
 * (test/unit/lib/launch.test.ts reads tools/loader.ts), the dependencies and the configs.
 */
export const INPUTS = ['src', 'test', 'tools', 'package-lock.json', 'package.json', 'tsconfig.json', 'vitest.config.ts'];

/** One part of a run: its name (`whole-src-lib`), Stryker globs, and test set (undefined: the whole mutation config). */
export interface Part { name: string; files: string[]; tests: string[] | undefined }

/** A finished part as saved: the fingerprint it ran under, the commit checked out then, its results and timings. */
export interface SavedPart { fingerprint: string; commit: string; date: string; mutants: Mutant[]; info: PassInfo }

/** The regular files under each of `inputs` (files or folders), relative to `root`, forward slashes, sorted; node_modules and dot-folders skipped. */
export function inputFiles(root: string, inputs: readonly string[] = INPUTS): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(root, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      for (const e of readdirSync(abs).sort()) if (e !== 'node_modules' && !e.startsWith('.')) walk(`${rel}/${e}`);
    } else out.push(rel);
  };
  for (const i of inputs) walk(i);
  return out.sort();
}

/**
 * sha256 (hex) of every input file's name and bytes under `root`: what the parts of one run share. Reading
 * the tree takes a few seconds, so a run does it once and passes the digest to `fingerprint` for each part.
 */
export function treeDigest(root: string, inputs: readonly string[] = INPUTS): string {
  const h = createHash('sha256');
  for (const f of inputFiles(root, inputs)) {
    h.update(`\0${f}\0`);
    h.update(readFileSync(path.join(root, f)));
  }
  return h.digest('hex');
}

/**
 * sha256 (hex) of a part's globs and test set and of `tree` (a `treeDigest`): two runs with the same
 * fingerprint test the same mutants against the same tests, so the first one's results stand.
 */
export function fingerprint(part: Part, tree: string): string {
  return createHash('sha256').update(JSON.stringify({ files: part.files, tests: part.tests ?? null, tree })).digest('hex');
}

const savedFile = (dir: string, name: string) => path.join(dir, `${name}.json`);

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPlace = (v: unknown): boolean => typeof v === 'object' && v !== null && isNumber((v as { line?: unknown }).line) && isNumber((v as { column?: unknown }).column);

/** Whether `v` reads as a Mutant: the four names are strings, and the start is a line and a column. */
function isMutant(v: unknown): v is Mutant {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  const at = m.location as { start?: unknown } | undefined;
  return ['fileName', 'mutatorName', 'replacement', 'status'].every((k) => typeof m[k] === 'string') && typeof at === 'object' && at !== null && isPlace(at.start);
}

/** Whether `v` has a SavedPart's shape (what a run reads of it): an older or hand-edited file may parse and still not. */
export function isSavedPart(v: unknown): v is SavedPart {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  const info = p.info as Record<string, unknown> | null | undefined;
  return ['fingerprint', 'commit', 'date'].every((k) => typeof p[k] === 'string') && Array.isArray(p.mutants) && p.mutants.every(isMutant) &&
    typeof info === 'object' && info !== null && ['firstSeconds', 'staticSeconds', 'staticRun', 'staticLeftOut', 'reused'].every((k) => isNumber(info[k]));
}

/**
 * The saved results of part `name`, if any: undefined when there is no file, it cannot be read or parsed, or what
 * it holds is no SavedPart (a run would stop on it, hours in, or count what it lacks as nothing): the part runs again.
 */
export function loadPart(name: string, dir = PARTS_DIR): SavedPart | undefined {
  try {
    const saved: unknown = JSON.parse(readFileSync(savedFile(dir, name), 'utf8'));
    return isSavedPart(saved) ? saved : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes `text` to `file` whole or not at all: a temp file beside it, then a rename, so a run stopped while
 * writing leaves the old file; a failed write or rename (e.g. onto a folder) throws and leaves no temp file.
 */
export function writeWhole(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Saves part `name` whole or not at all (writeWhole), so a run stopped while saving leaves the old results. */
export function savePart(name: string, saved: SavedPart, dir = PARTS_DIR): void {
  mkdirSync(dir, { recursive: true });
  writeWhole(savedFile(dir, name), JSON.stringify(saved));
}

/**
 * Saves part `name`, which just ran, when the tree still reads as `tree` (the digest its fingerprint was made from,
 * read when the run began): after a checkout or an edit during a run hours long, a part ran on another tree than
 * its fingerprint says, and a later run on the first tree would take its results over. `now` reads the tree again
 * (treeDigest). True when the part was saved.
 */
export function keepPart(name: string, saved: SavedPart, tree: string, now: () => string, dir = PARTS_DIR): boolean {
  if (now() !== tree) return false;
  savePart(name, saved, dir);
  return true;
}
