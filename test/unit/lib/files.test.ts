import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../src/lib/files.ts';

describe('writeFileAtomic', () => {
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
});
