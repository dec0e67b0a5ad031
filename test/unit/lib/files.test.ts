import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../src/lib/files.ts';

describe('writeFileAtomic', () => {
  it('removes the old temp file a killed writer left, and keeps a fresh one and other files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-stale-'));
    const old = join(dir, '.credentials.0123456789ab.tmp');
    const fresh = join(dir, '.credentials.ba9876543210.tmp');
    const other = join(dir, '.config.0123456789ab.tmp');
    for (const f of [old, fresh, other]) writeFileSync(f, 'half', { mode: 0o600 });
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(old, hourAgo, hourAgo);
    utimesSync(other, hourAgo, hourAgo);
    writeFileAtomic(join(dir, 'credentials'), 'whole');
    expect(readdirSync(dir).sort()).toEqual(['.config.0123456789ab.tmp', '.credentials.ba9876543210.tmp', 'credentials']);
  });

  it('writes 0600 and leaves no temp file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    const file = join(dir, 'sub', 'result.json');
    writeFileAtomic(file, 'x');
    expect(readFileSync(file, 'utf8')).toBe('x');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['result.json']);
  });

  it('narrows a world-readable file it replaces to 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    const file = join(dir, 'env');
    writeFileSync(file, 'old');
    chmodSync(file, 0o644);
    writeFileAtomic(file, 'new');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses to write through a symlink', () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    writeFileSync(join(dir, 'target'), 'keep');
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    expect(() => writeFileAtomic(join(dir, 'link'), 'secret')).toThrow(/symbolic link/);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('keep');
  });

  it('removes its temp file when the rename fails (here onto a directory), and says which file it could not replace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    mkdirSync(join(dir, 'config.json'));
    expect(() => writeFileAtomic(join(dir, 'config.json'), 'secret')).toThrow(`cannot replace ${join(dir, 'config.json')}: EISDIR`);
    expect(readdirSync(dir)).toEqual(['config.json']);
    expect(readdirSync(join(dir, 'config.json'))).toEqual([]);
  });
});
