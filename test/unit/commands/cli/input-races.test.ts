// readRegularFile when the path changes under it: what stat saw is checked again on the open file (a path
// swapped for a device between the two), the cap holds for a file that grows after fstat, and a block device
// is named. The stat calls are stand-ins that lie as a race would; the reads are real, of /dev/zero.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { MAX_INPUT_BYTES, readRegularFile } from '../../../../src/commands/cli/input.ts';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, statSync: vi.fn(real.statSync), fstatSync: vi.fn(real.fstatSync) };
});

const real = await vi.importActual<typeof import('node:fs')>('node:fs');

afterEach(() => {
  vi.mocked(fs.statSync).mockReset().mockImplementation(real.statSync);
  vi.mocked(fs.fstatSync).mockReset().mockImplementation(real.fstatSync);
});

const dir = fs.mkdtempSync(join(tmpdir(), 'cli-input-race-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The stats of a real empty regular file, as stat reports one. */
function regularStats(): fs.Stats {
  const path = join(dir, 'empty');
  fs.writeFileSync(path, '');
  return real.statSync(path);
}

/** Stats that say `type` (S_IFBLK, ...) with the rest of a real file's. */
const statsOf = (type: number): fs.Stats => Object.assign(regularStats(), { mode: type | 0o600 });

describe('readRegularFile under a race', () => {
  it('refuses a path that was a regular file at stat and is a device when opened', () => {
    vi.mocked(fs.statSync).mockReturnValue(regularStats());
    expect(() => readRegularFile('/dev/zero')).toThrow(new Error('it is a character device, not a regular file'));
  });

  it('refuses a file that grew past 1 MiB after fstat said it was empty, reading one byte over the cap at most', () => {
    const empty = regularStats();
    vi.mocked(fs.statSync).mockReturnValue(empty);
    vi.mocked(fs.fstatSync).mockReturnValue(empty);
    expect(() => readRegularFile('/dev/zero')).toThrow(new Error('it is larger than 1 MiB, far more than a token, a trust policy or a key set'));
    expect(MAX_INPUT_BYTES).toBe(1024 * 1024);
  });

  it('names a block device', () => {
    vi.mocked(fs.statSync).mockReturnValue(statsOf(fs.constants.S_IFBLK));
    expect(() => readRegularFile('/dev/sda')).toThrow(new Error('it is a block device, not a regular file'));
  });
});
