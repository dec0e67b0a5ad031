// The rig clock: the offset file, the in-job `rig-advance-clock` command, and a job process on the moved clock.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADVANCE_CLOCK_SCRIPT, RigClock, faketimeLibrary, parseOffset } from './clock.ts';

describe('rig clock', () => {
  it('reads and writes relative offsets', () => {
    expect(parseOffset('+1200\n')).toBe(1200);
    expect(parseOffset('-30')).toBe(-30);
    expect(() => parseOffset('@2026-01-01 00:00:00')).toThrow(/not a relative offset/);
    const clock = new RigClock();
    expect(clock.offsetSeconds()).toBe(0);
    clock.advance(90);
    clock.advance(10);
    expect(clock.offsetSeconds()).toBe(100);
    // The system clock moved by the offset: between the readings taken just before and after.
    const before = Date.now();
    const moved = clock.now();
    expect(moved - before).toBeGreaterThanOrEqual(100_000);
    expect(moved - Date.now()).toBeLessThanOrEqual(100_000);
    clock.set(0);
    expect(clock.offsetSeconds()).toBe(0);
  });

  it('rig-advance-clock moves the same file from a shell, and refuses bad input', () => {
    const clock = new RigClock();
    const script = join(mkdtempSync(join(tmpdir(), 'rig-clock-test-')), 'rig-advance-clock');
    writeFileSync(script, ADVANCE_CLOCK_SCRIPT, { mode: 0o755 });
    const env = { PATH: process.env.PATH ?? '', RIG_CLOCK_FILE: clock.file };
    expect(execFileSync(script, ['1200'], { env, encoding: 'utf8' })).toBe('rig clock moved by 1200 s (offset now +1200 s)\n');
    expect(clock.offsetSeconds()).toBe(1200);
    expect(() => execFileSync(script, ['soon'], { env, stdio: 'pipe' })).toThrow(/usage: rig-advance-clock <seconds>/);
    expect(() => execFileSync(script, ['5'], { env: { PATH: env.PATH }, stdio: 'pipe' })).toThrow(/RIG_CLOCK_FILE is not set/);
  });

  it('puts a job process on the moved clock through libfaketime (fails without it)', () => {
    expect(faketimeLibrary()).toMatch(/libfaketime\.so\.1$/);
    expect(() => faketimeLibrary({ candidates: [], dpkgPackage: 'no-such-package-here' })).toThrow(/needs Debian's faketime package/);
    const clock = new RigClock();
    clock.set(7200);
    // The child read the moved clock while it ran: between the rig clock's readings before and after it (libfaketime
    // moves whole seconds, so the child's millisecond is the real one).
    const before = clock.now();
    const seen = Number(execFileSync('node', ['-e', 'console.log(Date.now())'], { env: { ...process.env, ...clock.jobEnv() }, encoding: 'utf8' }));
    expect(seen).toBeGreaterThanOrEqual(before);
    expect(seen).toBeLessThanOrEqual(clock.now());
  });
});
