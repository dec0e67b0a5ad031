// Where clean-up may remove whole files and directories: under ~/.aws-oidc, and directly in the results
// directory. No symbolic link is followed: a link where the orb wrote a file or directory is refused, not removed.
import { lstatSync, rmSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { resultsDir } from '../../lib/main.ts';
import type { Env } from '../../lib/params.ts';

/** Something clean-up will not touch, with the reason (names and paths only). */
export class Refused extends Error {}

/** ~/.aws-oidc, absolute. */
export const orbHome = (env: Env): string => resolve(env.HOME || '.', '.aws-oidc');

/** The lstat of `path`, or undefined when it does not exist. */
function lstatOrNone(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * Checks the way from `root` down to `path`: `path` strictly inside `root`, and `root` (unless `rootMayBeLink`) and every
 * directory between them real directories, not links. Returns the lstat of `path` (undefined when it is gone); throws Refused.
 */
export function checkedUnder(root: string, path: string, rootMayBeLink = false): Stats | undefined {
  const rel = relative(root, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new Refused(`${path} is not inside ${root}`);
  const parts = rel.split(sep);
  let at = root;
  for (const [i, part] of ['', ...parts].entries()) {
    at = part === '' ? root : join(at, part);
    const st = lstatOrNone(at);
    if (!st) return undefined;
    if (i === parts.length) return st;
    if (st.isSymbolicLink() && !(i === 0 && rootMayBeLink)) throw new Refused(`${at} is a symbolic link; clean-up follows none`);
    if (!st.isDirectory() && !st.isSymbolicLink()) throw new Refused(`${at} is not a directory`);
  }
  return undefined;
}

/** Removes the regular file `path` under `root` (see checkedUnder); true when it was there. */
export function removeFileUnder(root: string, path: string, rootMayBeLink = false): boolean {
  const st = checkedUnder(root, path, rootMayBeLink);
  if (!st) return false;
  if (!st.isFile()) throw new Refused(`${path} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; the orb wrote a file there, so it is left alone`);
  unlinkSync(path);
  return true;
}

/** Removes the directory `path` under `root` with all it holds; links inside are removed as links, never followed. */
export function removeTreeUnder(root: string, path: string): boolean {
  const st = checkedUnder(root, path);
  if (!st) return false;
  if (!st.isDirectory()) throw new Refused(`${path} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; the orb wrote a directory there, so it is left alone`);
  // fs.rm lstat()s each entry and unlinks a link itself (Node's rimraf port), so nothing outside is reached.
  rmSync(path, { recursive: true });
  return true;
}

/** Whether `path` is a step's result file: directly in the results directory (AWS_OIDC_RESULTS_DIR or ~/.aws-oidc/results). */
export function isResult(env: Env, path: string): boolean {
  const dir = dirname(resolve(path));
  return dir === resolve(resultsDir(env)) || dir === join(orbHome(env), 'results');
}

/** Removes a whole file the manifest names: under ~/.aws-oidc, or directly in the results directory; else Refused. */
export function removeOrbFile(env: Env, path: string): boolean {
  const abs = resolve(path);
  const home = orbHome(env);
  if (abs.startsWith(home + sep)) return removeFileUnder(home, abs);
  const results = resolve(resultsDir(env));
  if (dirname(abs) === results) return removeFileUnder(results, abs, true);
  throw new Refused(`${path} is outside the places the orb writes whole files (${home} and the results directory ${results})`);
}
