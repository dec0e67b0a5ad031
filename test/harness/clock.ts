// The rig's clock: one offset file that the local AWS, the OIDC issuer and (opt-in, through
// libfaketime) every process of a job read, so time can pass in a job without waiting.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Where Debian's libfaketime package puts the library, per architecture.
const FAKETIME_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
];

/** The libfaketime library to preload; throws, saying how to get it, when it is not installed. */
export function faketimeLibrary(where: { candidates: string[]; dpkgPackage: string } = { candidates: FAKETIME_CANDIDATES, dpkgPackage: 'libfaketime' }): string {
  const fromEnv = process.env.RIG_FAKETIME_LIB;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const known = where.candidates.find((p) => existsSync(p));
  if (known) return known;
  try {
    const listed = execFileSync('dpkg', ['-L', where.dpkgPackage], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n').find((l) => l.endsWith('/libfaketime.so.1'));
    if (listed && existsSync(listed)) return listed;
  } catch {
    // no dpkg, or the package is not installed: fall through to the error
  }
  throw new Error('libfaketime.so.1 was not found: this test moves the job\'s clock and needs Debian\'s faketime package '
    + '(apt-get install faketime; .ci/run installs it), or RIG_FAKETIME_LIB set to the library\'s path');
}

/** Parses the offset file's relative format (`+1200`, `-30`, `0`) into seconds. */
export function parseOffset(text: string): number {
  const m = /^\s*([+-]?\d+)\s*$/.exec(text);
  if (!m) throw new Error(`the rig clock file holds '${text.trim()}', not a relative offset like +1200`);
  return Number(m[1]);
}

/** A clock shifted by whole seconds from the machine's, kept in a file anyone in the rig may rewrite. */
export class RigClock {
  /** The offset file (libfaketime's FAKETIME_TIMESTAMP_FILE, relative format). */
  readonly file: string;

  constructor() {
    this.file = join(mkdtempSync(join(tmpdir(), 'rig-clock-')), 'offset');
    this.set(0);
  }

  /** The current offset in seconds, as last written by the rig or by a job's `rig-advance-clock`. */
  offsetSeconds(): number {
    return parseOffset(readFileSync(this.file, 'utf8'));
  }

  /** Epoch milliseconds on the rig's clock. */
  now(): number {
    return Date.now() + this.offsetSeconds() * 1000;
  }

  /** Moves the clock forward (or back, if negative) by `seconds`. */
  advance(seconds: number): void {
    this.set(this.offsetSeconds() + seconds);
  }

  /** Sets the offset; written to a temporary file and renamed, so readers never see half a value. */
  set(seconds: number): void {
    if (!Number.isInteger(seconds)) throw new Error(`the rig clock moves in whole seconds, got ${seconds}`);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${seconds < 0 ? '' : '+'}${seconds}\n`);
    renameSync(tmp, this.file);
  }

  /** The variables that put every process of a job on this clock (libfaketime preloaded). */
  jobEnv(): Record<string, string> {
    return {
      LD_PRELOAD: faketimeLibrary(),
      FAKETIME_TIMESTAMP_FILE: this.file,
      // Read the file on every clock call, so a move made mid-step is seen at once.
      FAKETIME_NO_CACHE: '1',
      // Timers, sleeps and timeouts keep running on real time.
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      RIG_CLOCK_FILE: this.file,
    };
  }
}

/** `rig-advance-clock <seconds>`: moves the rig clock from inside a job (atomic rename, like RigClock.set). */
export const ADVANCE_CLOCK_SCRIPT = `#!/bin/bash
set -eu
if [ -z "\${RIG_CLOCK_FILE:-}" ]; then echo "rig-advance-clock: RIG_CLOCK_FILE is not set (run the job with fakeClock: true)" >&2; exit 1; fi
if ! [[ "\${1:-}" =~ ^-?[0-9]+$ ]]; then echo "usage: rig-advance-clock <seconds>" >&2; exit 2; fi
current=$(tr -d '+[:space:]' < "$RIG_CLOCK_FILE")
next=$(( current + $1 ))
if [ "$next" -ge 0 ]; then next="+$next"; fi
printf '%s\\n' "$next" > "$RIG_CLOCK_FILE.tmp"
mv -f "$RIG_CLOCK_FILE.tmp" "$RIG_CLOCK_FILE"
echo "rig clock moved by $1 s (offset now $next s)"
`;
