// Effects for later steps: `export K='v'` lines in $BASH_ENV, which bash sources in every later step.
import { closeSync, constants, fchmodSync, fstatSync, openSync, writeSync } from 'node:fs';
import { OrbError } from './errors.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The most bytes one block of exports may have: it goes to $BASH_ENV in one write(2). Far above what a step exports
 * (a session's keys are about 2 KB), and small enough that the kernel copies it at once, so a kill almost never cuts it.
 */
export const MAX_BLOCK_BYTES = 64 << 10;

/** Quotes a value for bash with single quotes, so nothing in it is expanded or executed. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The text appended to $BASH_ENV: one export per entry, unsets for names mapped to null. */
export function renderExports(entries: Readonly<Record<string, string | null>>): string {
  let out = '';
  for (const [name, value] of Object.entries(entries)) {
    if (!NAME.test(name)) throw new Error(`bug: invalid variable name ${name}`);
    out += value === null ? `unset ${name}\n` : `export ${name}=${shellQuote(value)}\n`;
  }
  return out;
}

/** The refusal of a symlinked $BASH_ENV; the wrapper's sh (tools/sh/guard.sh, ao_bash_env) prints the same two lines. */
export function symlinkRefusal(path: string): OrbError {
  return new OrbError(`refusing to write BASH_ENV ${path}: it is a symbolic link`, 'point BASH_ENV at a regular file (not a link) and run the step again');
}

/** Opens $BASH_ENV for appending (0600 when created), never through a symlink, never blocking on a FIFO. */
function openForAppend(path: string): number {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    if (code === 'ELOOP') throw symlinkRefusal(path);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new OrbError(`cannot write BASH_ENV ${path}: permission denied`, 'let the job\'s user write that file (or its directory, to create it), and run the step again', { cause: err });
    }
    const why = code === 'EISDIR' ? 'it is a directory' : code === 'ENOENT' ? 'its directory does not exist' : code;
    throw new OrbError(`cannot write BASH_ENV ${path}: ${why}`, 'point BASH_ENV at a regular file of the job\'s user and run the step again', { cause: err });
  }
}

/** Refuses a file that is not this user's regular file (the keys would be readable by its owner), and narrows it to 0600. */
function checkOwn(fd: number, path: string): void {
  const st = fstatSync(fd);
  if (!st.isFile()) throw new OrbError(`refusing to write BASH_ENV ${path}: it is not a regular file`, 'point BASH_ENV at a regular file and run the step again');
  const uid = process.getuid?.() ?? st.uid;
  if (st.uid !== uid) {
    throw new OrbError(`refusing to write BASH_ENV ${path}: it belongs to uid ${st.uid}, not to this step's user (uid ${uid}), and its owner could read the exports`, 'point BASH_ENV at a file of the job\'s user and run the step again');
  }
  if ((st.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
}

/**
 * Appends the exports to the file named by $BASH_ENV: the whole block in ONE write(2) on an fd opened with
 * O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW (0600 when created). POSIX makes each O_APPEND write one step (seek to the
 * end, then write), so lines other writers append (a background `echo >> "$BASH_ENV"`) are never lost or spliced
 * into ours; there is no temp file. A later block's exports win over earlier ones when bash sources the file.
 * Errors: OrbError when BASH_ENV is unset, a symlink, not a regular file, another user's, not writable, the block is
 * over MAX_BLOCK_BYTES, or the write was short (disk full).
 */
export function writeExports(bashEnv: string | undefined, entries: Readonly<Record<string, string | null>>): void {
  if (!bashEnv) {
    throw new OrbError('BASH_ENV is not set, so later steps could not see the credentials',
      'run this command as a step of a CircleCI job (CircleCI sets BASH_ENV), or set BASH_ENV to a file path');
  }
  const block = Buffer.from(renderExports(entries), 'utf8');
  if (block.length > MAX_BLOCK_BYTES) {
    throw new OrbError(`the exports for BASH_ENV are ${block.length} bytes, more than the ${MAX_BLOCK_BYTES} one write appends whole`, 'export fewer or shorter values (e.g. fewer tags)');
  }
  const fd = openForAppend(bashEnv);
  try {
    checkOwn(fd, bashEnv);
    const written = writeSync(fd, block);
    if (written !== block.length) {
      throw new OrbError(`wrote only ${written} of ${block.length} bytes of exports to BASH_ENV ${bashEnv}, which now ends in a cut line`, 'free space on that file system and run the job again');
    }
  } finally {
    closeSync(fd);
  }
}
