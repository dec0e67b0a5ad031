// Writing files that may hold secrets: 0600, never through a symlink, all-or-nothing.
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync, unlinkSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OrbError } from './errors.ts';

/** Refuses a path that is a symlink: a planted link must not redirect our secrets. */
function refuseSymlink(path: string): boolean {
  try {
    if (lstatSync(path).isSymbolicLink()) {
      throw new OrbError(`refusing to write ${path}: it is a symbolic link`, 'remove the link and run the step again');
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Reads a file, '' when it does not exist; refuses symlinks. */
export function readIfExists(path: string): string {
  return refuseSymlink(path) ? readFileSync(path, 'utf8') : '';
}

/**
 * Replaces `path` with `content` atomically: a temp file (0600, O_EXCL) in the same directory,
 * fsync, then rename. A reader sees the old file or the new one, never half of either. On any
 * failure (write, fsync, close or the rename itself, e.g. onto a directory) the temp file is removed.
 */
export function writeFileAtomic(path: string, content: string): void {
  refuseSymlink(path);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      // write(2) may write less than asked: loop until every byte is in, so a short write never becomes the file.
      const data = Buffer.from(content, 'utf8');
      for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new OrbError(`cannot replace ${path}: ${code}`, 'let the job\'s user own that file, in a directory it may write, and run the step again', { cause: err });
    }
  } catch (err) {
    unlinkQuietly(tmp);
    throw err;
  }
  removeStaleTemps(dir, basename(path));
}

/** Removes a file, ignoring any failure (it may be gone already). */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or not ours to remove
  }
}

/** A writer killed between open and rename leaves its temp file (0600); the next write of that file removes it. */
const STALE_TEMP_MS = 60_000;

function removeStaleTemps(dir: string, base: string): void {
  const prefix = `.${base}.`;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !/^[0-9a-f]{12}\.tmp$/.test(name.slice(prefix.length))) continue;
    const p = join(dir, name);
    try {
      const st = lstatSync(p);
      // Only old ones: a fresh temp may belong to a writer that is still at work.
      if (st.isFile() && Date.now() - st.mtimeMs > STALE_TEMP_MS) unlinkSync(p);
    } catch {
      // gone already
    }
  }
}
