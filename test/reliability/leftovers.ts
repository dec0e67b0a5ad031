// What a failed write may leave behind: files holding a secret, and temp files (*.tmp), in the directories a test names.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files bigger than this are not read (none of the writers' files is). */
const MAX_READ = 16 << 20;

/** The entries of directory `dir`, or none when it cannot be read (it vanished, or is another user's). */
function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The paths under `deep` (walked whole) and directly in `shallow` (the shared tmp dir, top level only: a temp
 * file is made beside its target) whose text holds `secret`, and every *.tmp file under `deep`.
 * Files that vanish or cannot be read while scanned (other processes' own) are passed over.
 */
export function leftovers(secret: string, deep: readonly string[], shallow: readonly string[] = []): string[] {
  const found: string[] = [];
  const visit = (path: string, recurse: boolean) => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (st.isDirectory() && recurse) {
      for (const n of names(path)) visit(join(path, n), recurse);
      return;
    }
    if (!st.isFile()) return;
    if (recurse && path.endsWith('.tmp')) found.push(path);
    else if (st.size <= MAX_READ && readable(path, secret)) found.push(path);
  };
  for (const d of deep) visit(d, true);
  for (const d of shallow) for (const n of names(d)) visit(join(d, n), false);
  return found;
}

function readable(path: string, secret: string): boolean {
  try {
    return readFileSync(path, 'latin1').includes(secret);
  } catch {
    return false;
  }
}
