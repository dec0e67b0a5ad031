// Each refusal of writeExports says what is wrong with $BASH_ENV and what to do, and leaves nothing behind:
// the cases a job meets rarely (someone else's file, a device, a full disk) and the edge of one write.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_BLOCK_BYTES, renderExports, writeExports } from '../../../src/lib/bash-env.ts';
import { OrbError } from '../../../src/lib/errors.ts';
import { thrown } from '../../support/rejection.ts';

// openSync and writeSync pass through to the real ones unless a test makes them fail as the kernel would.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, openSync: vi.fn(real.openSync), writeSync: vi.fn(real.writeSync), closeSync: vi.fn(real.closeSync) };
});

const tmp = () => fs.mkdtempSync(join(tmpdir(), 'bash-env-refusals-'));
const errno = (code: string) => Object.assign(new Error(`${code}: from the kernel`), { code });
/** Whether the file writeExports opened last was closed again. */
const closedItsFile = () => vi.mocked(fs.closeSync).mock.calls.some(([fd]) => fd === vi.mocked(fs.openSync).mock.results.at(-1)?.value);

afterEach(() => {
  vi.restoreAllMocks();
  vi.clearAllMocks();
});

describe('writeExports refuses, saying what is wrong and what to do', () => {
  it.each(['EACCES', 'EPERM'])('a BASH_ENV the job may not write (%s)', (code) => {
    vi.mocked(fs.openSync).mockImplementationOnce(() => { throw errno(code); });
    const err = thrown(() => writeExports('/x/env', { A: 'x' }), OrbError);
    expect(err.message).toBe('cannot write BASH_ENV /x/env: permission denied');
    expect(err.hint).toMatch(/let the job's user write that file/);
    expect((err.cause as NodeJS.ErrnoException).code).toBe(code);
  });

  it('a BASH_ENV under a regular file, naming the system\'s code', () => {
    const file = join(tmp(), 'file');
    fs.writeFileSync(file, '');
    const err = thrown(() => writeExports(join(file, 'env'), { A: 'x' }), OrbError);
    expect(err.message).toBe(`cannot write BASH_ENV ${join(file, 'env')}: ENOTDIR`);
    expect(err.hint).toMatch(/regular file of the job's user/);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
  });

  it('a BASH_ENV that is a device, not a regular file', () => {
    const err = thrown(() => writeExports('/dev/null', { A: 'x' }), OrbError);
    expect(err.message).toBe('refusing to write BASH_ENV /dev/null: it is not a regular file');
    expect(err.hint).toMatch(/regular file/);
  });

  it('another user\'s BASH_ENV, which stays as it was', () => {
    const file = join(tmp(), 'env');
    fs.writeFileSync(file, 'export EARLIER=1\n', { mode: 0o600 });
    const owner = fs.statSync(file).uid;
    vi.spyOn(process as { getuid(): number }, 'getuid').mockReturnValue(owner + 1);
    const err = thrown(() => writeExports(file, { A: 'x' }), OrbError);
    expect(err.message).toBe(`refusing to write BASH_ENV ${file}: it belongs to uid ${owner}, not to this step's user (uid ${owner + 1}), and its owner could read the exports`);
    expect(err.hint).toMatch(/a file of the job's user/);
    expect(fs.readFileSync(file, 'utf8')).toBe('export EARLIER=1\n');
  });

  it('a write the disk cut short, and says the file now ends in a cut line', () => {
    const file = join(tmp(), 'env');
    vi.mocked(fs.writeSync).mockReturnValueOnce(3);
    const err = thrown(() => writeExports(file, { A: 'x' }), OrbError);
    expect(err.message).toBe(`wrote only 3 of ${"export A='x'\n".length} bytes of exports to BASH_ENV ${file}, which now ends in a cut line`);
    expect(err.hint).toMatch(/free space/);
    expect(closedItsFile()).toBe(true);
  });

  it('the hint of every other refusal names the fix', () => {
    const dir = tmp();
    fs.symlinkSync(join(dir, 'target'), join(dir, 'link'));
    fs.writeFileSync(join(dir, 'a'), '');
    fs.linkSync(join(dir, 'a'), join(dir, 'b'));
    expect(thrown(() => writeExports(undefined, { A: 'x' }), OrbError).hint).toMatch(/CircleCI sets BASH_ENV/);
    expect(thrown(() => writeExports(join(dir, 'link'), { A: 'x' }), OrbError).hint).toMatch(/not a link/);
    expect(thrown(() => writeExports(join(dir, 'b'), { A: 'x' }), OrbError).hint).toMatch(/a file of its own \(one link\)/);
    expect(thrown(() => writeExports(join(dir, 'a2'), { A: 'x'.repeat(MAX_BLOCK_BYTES) }), OrbError).hint).toMatch(/fewer or shorter values/);
    expect(thrown(() => renderExports({ 'A-B': 'x' })).message).toBe('bug: invalid variable name A-B');
  });
});

describe('writeExports at the edges', () => {
  it(`appends a block of exactly ${MAX_BLOCK_BYTES} bytes, the most one write carries`, () => {
    const file = join(tmp(), 'env');
    const value = 'x'.repeat(MAX_BLOCK_BYTES - "export A=''\n".length);
    writeExports(file, { A: value });
    expect(fs.statSync(file).size).toBe(MAX_BLOCK_BYTES);
  });

  it('leaves the mode of an owner-only file as it is, and closes the file', () => {
    const file = join(tmp(), 'env');
    fs.writeFileSync(file, '', { mode: 0o700 });
    fs.chmodSync(file, 0o700);
    writeExports(file, { A: 'x' });
    expect(fs.statSync(file).mode & 0o777).toBe(0o700);
    expect(closedItsFile()).toBe(true);
  });
});
