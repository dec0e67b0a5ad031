// writeFileAtomic at its edges: a write(2) that takes only part of the content, which temp files count as
// a killed writer's (this file's, by name, older than a minute), and what its refusals say.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../src/lib/files.ts';
import { OrbError } from '../../../src/lib/errors.ts';
import { thrown } from '../../support/rejection.ts';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, writeSync: vi.fn(real.writeSync) };
});
const real = await vi.importActual<typeof import('node:fs')>('node:fs');

afterEach(() => {
  vi.restoreAllMocks();
  vi.mocked(fs.writeSync).mockReset().mockImplementation(real.writeSync);
});

const tmp = () => fs.mkdtempSync(join(tmpdir(), 'files-atomic-'));

describe('writeFileAtomic', () => {
  it('goes on writing after a short write until the whole content is in', () => {
    const file = join(tmp(), 'credentials');
    const content = `[ci]\naws_secret_access_key = ${'k'.repeat(40)}\n`;
    vi.mocked(fs.writeSync).mockImplementationOnce(((fd: number, data: Buffer, off: number) => real.writeSync(fd, data, off, 7)) as typeof fs.writeSync);
    writeFileAtomic(file, content);
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    expect(vi.mocked(fs.writeSync).mock.calls.length).toBeGreaterThan(1);
  });

  it('removes only this file\'s temp files by their exact name, and only those older than a minute', () => {
    const dir = tmp();
    const names = ['.credentials.0123456789ab.tmp', '.credentials.0123456789ab.tmpx', '.credentials.zz0123456789ab.tmp', '.credentialz.0123456789ab.tmp', '.credentials.abcdef012345.tmp'];
    const at = Math.floor(Date.now() / 1000) * 1000 - 600_000;
    for (const n of names) {
      fs.writeFileSync(join(dir, n), 'half');
      fs.utimesSync(join(dir, n), new Date(at), new Date(at));
    }
    fs.utimesSync(join(dir, names[4]!), new Date(at + 540_000), new Date(at + 540_000));
    vi.spyOn(Date, 'now').mockReturnValue(fs.statSync(join(dir, names[4]!)).mtimeMs + 60_000);
    writeFileAtomic(join(dir, 'credentials'), 'whole');
    expect(fs.readdirSync(dir).sort()).toEqual([...names.slice(1), 'credentials'].sort());
  });

  it('says what to do about a symbolic link and a file it cannot replace, keeping the cause', () => {
    const dir = tmp();
    fs.symlinkSync(join(dir, 'target'), join(dir, 'link'));
    expect(thrown(() => writeFileAtomic(join(dir, 'link'), 'x'), OrbError).hint).toBe('remove the link and run the step again');
    fs.mkdirSync(join(dir, 'config.json'));
    const err = thrown(() => writeFileAtomic(join(dir, 'config.json'), 'x'), OrbError);
    expect(err.hint).toBe('let the job\'s user own that file, in a directory it may write, and run the step again');
    expect((err.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
  });
});
