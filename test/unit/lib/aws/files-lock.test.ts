// withFileLock, the lock beside each AWS file: whose lock is waited for and whose is taken over at once, what
// the lock holds, and how the wait ends. The poll sleep (Atomics.wait) and the clock are stand-ins here, so
// "at once" is a count of sleeps, and each sleep can play the other writer (release, or keep the lock fresh).
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_STALE_MS, withFileLock } from '../../../../src/lib/aws/files.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { thrown } from '../../../support/rejection.ts';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, openSync: vi.fn(real.openSync), readFileSync: vi.fn(real.readFileSync), closeSync: vi.fn(real.closeSync) };
});

const real = await vi.importActual<typeof import('node:fs')>('node:fs');

afterEach(() => {
  vi.restoreAllMocks();
  vi.clearAllMocks();
  vi.mocked(fs.openSync).mockReset().mockImplementation(real.openSync);
  vi.mocked(fs.readFileSync).mockReset().mockImplementation(real.readFileSync);
});

const ME = `${process.pid} ${hostname()}`;
const errno = (code: string) => Object.assign(new Error(`${code}: from the kernel`), { code });

/** A file path in a new directory, and its lock holding `text`, last modified `ageMs` ago. */
function lockedFile(text: string, ageMs = 0) {
  const file = join(fs.mkdtempSync(join(tmpdir(), 'files-lock-')), 'credentials');
  writeLock(`${file}.lock`, text, Date.now() - ageMs);
  return { file, lock: `${file}.lock` };
}

/** Puts a new lock file (a new inode) in place at once, as another writer's O_EXCL create would. */
function writeLock(lock: string, text: string, mtimeMs = Date.now()) {
  fs.writeFileSync(`${lock}.new`, text);
  fs.utimesSync(`${lock}.new`, new Date(mtimeMs), new Date(mtimeMs));
  fs.renameSync(`${lock}.new`, lock);
}

/** Replaces the poll sleep: `each` runs at every sleep (its number from 1); returns the count of sleeps so far. */
function sleeps(each: (n: number) => void): () => number {
  let n = 0;
  vi.spyOn(Atomics, 'wait').mockImplementation(() => {
    each(++n);
    return 'timed-out';
  });
  return () => n;
}

const release = (lock: string, after: number) => (n: number) => { if (n >= after) fs.rmSync(lock, { force: true }); };

describe('withFileLock takes over at once', () => {
  it('the lock of a writer that is gone (its pid, on this host, no longer runs)', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const { file, lock } = lockedFile(`${gone} ${hostname()}\n`);
    const slept = sleeps(release(lock, 1));
    expect(withFileLock(file, () => 'written')).toBe('written');
    expect(slept()).toBe(0);
  });

  it(`a lock last touched ${LOCK_STALE_MS} ms ago, even one of a writer that runs`, () => {
    const { file, lock } = lockedFile(ME);
    vi.spyOn(Date, 'now').mockReturnValue(Number(fs.lstatSync(lock, { bigint: true }).mtimeMs) + LOCK_STALE_MS);
    const slept = sleeps(release(lock, 1));
    withFileLock(file, () => undefined);
    expect(slept()).toBe(0);
  });

  it('a lock that vanished between the failed create and the look at it', () => {
    const file = join(fs.mkdtempSync(join(tmpdir(), 'files-lock-')), 'credentials');
    vi.mocked(fs.openSync).mockImplementationOnce(() => { throw errno('EEXIST'); });
    const slept = sleeps(() => {});
    expect(withFileLock(file, () => 'written')).toBe('written');
    expect(slept()).toBe(0);
  });
});

describe('withFileLock waits', () => {
  it('for a fresh lock of a writer that runs, and writes once it is released', () => {
    const { file, lock } = lockedFile(ME);
    const slept = sleeps(release(lock, 3));
    expect(withFileLock(file, () => 'written')).toBe('written');
    expect(slept()).toBe(3);
  });

  it('for a writer of another user (kill says EPERM: it runs)', () => {
    const { file, lock } = lockedFile(`4194301 ${hostname()}`);
    vi.spyOn(process, 'kill').mockImplementation(() => { throw errno('EPERM'); });
    const slept = sleeps(release(lock, 2));
    withFileLock(file, () => undefined);
    expect(slept()).toBe(2);
  });

  it('for a fresh lock of another host, whatever its pid is here', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const { file, lock } = lockedFile(`${gone} build-host-2`);
    const slept = sleeps(release(lock, 1));
    withFileLock(file, () => undefined);
    expect(slept()).toBe(1);
  });

  it.each(['x12', '12abc', '-1', '0', ''])('for a fresh lock whose pid (%j) is no process id: its age alone decides', (pid) => {
    const { file, lock } = lockedFile(`${pid} ${hostname()}`);
    const slept = sleeps(release(lock, 1));
    withFileLock(file, () => undefined);
    expect(slept()).toBe(1);
  });

  it('for the lock of a writer that took over while this one judged the old lock stale', () => {
    const { file, lock } = lockedFile(ME, LOCK_STALE_MS + 60_000);
    vi.mocked(fs.readFileSync).mockImplementationOnce((path, options) => {
      const text = real.readFileSync(path, options);
      writeLock(lock, ME);
      return text;
    });
    const slept = sleeps(release(lock, 1));
    withFileLock(file, () => undefined);
    expect(slept()).toBe(1);
  });

  it(`up to ${15_000 / 1000} s for a lock its writer keeps fresh, then names the lock and the way out`, () => {
    const { file, lock } = lockedFile(ME);
    let clock = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    const slept = sleeps((n) => {
      clock += 5_000;
      if (n > 10) fs.rmSync(lock);
      else fs.utimesSync(lock, new Date(clock), new Date(clock));
    });
    const err = thrown(() => withFileLock(file, () => undefined), OrbError);
    expect(err.message).toBe(`${lock} was held for more than 15 s: another step is writing ${file}`);
    expect(err.hint).toBe(`if no step is writing profiles now, remove ${lock} and run the step again`);
    expect(slept()).toBe(4);
  });
});

describe('withFileLock refuses', () => {
  it('a lock it cannot create, naming the error and the directory', () => {
    const file = join(fs.mkdtempSync(join(tmpdir(), 'files-lock-')), 'credentials');
    vi.mocked(fs.openSync).mockImplementationOnce(() => { throw errno('EACCES'); });
    const err = thrown(() => withFileLock(file, () => undefined), OrbError);
    expect(err.message).toBe(`cannot create the lock ${file}.lock: EACCES`);
    expect(err.hint).toBe(`let the job's user write ${join(file, '..')}`);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('EACCES');
    vi.mocked(fs.openSync).mockImplementationOnce(() => { throw new Error('no code'); });
    expect(thrown(() => withFileLock(file, () => undefined), OrbError).message).toBe(`cannot create the lock ${file}.lock: Error: no code`);
  });

  it('a stale lock it cannot remove (a directory), instead of finding it stale again forever', () => {
    const file = join(fs.mkdtempSync(join(tmpdir(), 'files-lock-')), 'credentials');
    fs.mkdirSync(`${file}.lock`);
    const old = new Date(Date.now() - LOCK_STALE_MS - 60_000);
    fs.utimesSync(`${file}.lock`, old, old);
    let attempts = 0;
    vi.mocked(fs.openSync).mockImplementation((...args: Parameters<typeof fs.openSync>) => {
      if (++attempts > 100) throw new Error('still trying to create the lock after 100 attempts');
      return real.openSync(...args);
    });
    const err = thrown(() => withFileLock(file, () => undefined), OrbError);
    expect(err.message).toBe(`cannot remove the stale lock ${file}.lock: EISDIR`);
    expect(err.hint).toBe(`remove ${file}.lock and run the step again`);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
  });

  it('nothing when a stale lock is removed by its own writer while this one looks at it', () => {
    const { file, lock } = lockedFile(ME, LOCK_STALE_MS + 60_000);
    vi.mocked(fs.readFileSync).mockImplementationOnce((path, options) => {
      const text = real.readFileSync(path, options);
      fs.rmSync(lock);
      return text;
    });
    expect(withFileLock(file, () => 'written')).toBe('written');
  });
});

describe('the lock of withFileLock', () => {
  it('holds the writer\'s pid and host while it writes, and is gone after, its file closed', () => {
    const file = join(fs.mkdtempSync(join(tmpdir(), 'files-lock-')), 'credentials');
    expect(withFileLock(file, () => fs.readFileSync(`${file}.lock`, 'utf8'))).toBe(`${ME}\n`);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    const lockFd = vi.mocked(fs.openSync).mock.results.at(-1)?.value as number;
    expect(vi.mocked(fs.closeSync)).toHaveBeenCalledWith(lockFd);
  });

  it('is removed only if it is still its own: one another writer took over stays', () => {
    const file = join(fs.mkdtempSync(join(tmpdir(), 'files-lock-')), 'credentials');
    withFileLock(file, () => writeLock(`${file}.lock`, '42 another-host\n'));
    expect(fs.readFileSync(`${file}.lock`, 'utf8')).toBe('42 another-host\n');
  });
});
