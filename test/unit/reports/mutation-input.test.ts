// What `npm run mutation` takes from its environment: MUTATION_FILES and MUTATION_CONCURRENCY, read before anything
// runs; a value it cannot use is refused in one line that names the variable, the value and the fix.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshRun, workers } from '../../mutation/passes.ts';
import { narrowedFiles, parts, securityRun } from '../../mutation/run.ts';

const root = mkdtempSync(path.join(tmpdir(), 'mutation-input-'));
for (const f of ['src/lib/log.ts', 'src/lib/params.ts', 'test/harness/registry.ts', 'tools/build.ts']) {
  mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
  writeFileSync(path.join(root, f), 'export {};\n');
}
mkdirSync(path.join(root, 'src/lib/aws'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The one-line error `fn` throws. */
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('nothing was refused');
};
const FIX = 'name files under src/ or test/harness/, comma-separated (MUTATION_FILES=src/lib/log.ts,src/lib/params.ts), or unset it for the whole run';

describe('MUTATION_FILES', () => {
  const files = (v: string | undefined) => narrowedFiles(v, root);

  it('is the whole or security run when unset or empty, and the listed files otherwise, spaces and empty entries dropped', () => {
    expect(files(undefined)).toEqual([]);
    expect(files('')).toEqual([]);
    expect(files('  ')).toEqual([]);
    expect(files(' src/lib/log.ts ,, src/lib/params.ts,')).toEqual(['src/lib/log.ts', 'src/lib/params.ts']);
    expect(files('test/harness/registry.ts')).toEqual(['test/harness/registry.ts']);
  });

  it('names a file as the run\'s parts know it: ./src/... and an absolute path inside the project run against the unit tests', () => {
    const chosen = files(`./src/lib/log.ts,${path.join(root, 'src/lib/params.ts')},src/lib/../lib/log.ts`);
    expect(chosen).toEqual(['src/lib/log.ts', 'src/lib/params.ts', 'src/lib/log.ts']);
    expect(parts(undefined, chosen).map((p) => [p.name, p.files])).toEqual([['src', chosen], ['rig', []]]);
  });

  it('passes globs and Stryker ranges as written', () => {
    expect(files('src/lib/*.ts,src/lib/log.ts:10:0-12:4,src/lib/log.ts:3-5')).toEqual(['src/lib/*.ts', 'src/lib/log.ts:10:0-12:4', 'src/lib/log.ts:3-5']);
  });

  it('refuses separators only: that would start the whole run, hours long', () => {
    expect(refusal(() => files(' , ,'))).toBe(`MUTATION_FILES=" , ," names no file: ${FIX}`);
  });

  it('refuses a file that does not exist, a folder, and a range that is not one, naming the entry', () => {
    expect(refusal(() => files('src/lib/log.ts,src/lib/nope.ts'))).toBe(`MUTATION_FILES: "src/lib/nope.ts" is no file of the project: ${FIX}`);
    expect(refusal(() => files('src/lib/aws'))).toBe(`MUTATION_FILES: "src/lib/aws" is no file of the project: ${FIX}`);
    expect(refusal(() => files('src/lib/log.ts:1:0-2:0x'))).toBe(`MUTATION_FILES: "src/lib/log.ts:1:0-2:0x" is no file of the project: ${FIX}`);
  });

  it('refuses a path outside src/ and test/harness/, inside the project or not', () => {
    for (const entry of ['tools/build.ts', '../outside.ts', '/etc/passwd', 'src/../tools/build.ts', 'srcx/a.ts']) {
      expect(refusal(() => files(entry))).toBe(`MUTATION_FILES: ${JSON.stringify(entry)} is outside src/ and test/harness/: ${FIX}`);
    }
    // A brace glob is cut at its comma: its second half is no path under src/.
    expect(refusal(() => files('src/lib/{log,params}.ts'))).toBe(`MUTATION_FILES: "params}.ts" is outside src/ and test/harness/: ${FIX}`);
  });
});

describe('MUTATION_CONCURRENCY', () => {
  it('is 2 when unset or empty, and a whole number from 1 otherwise', () => {
    expect(workers(undefined)).toBe(2);
    expect(workers('')).toBe(2);
    expect(workers('1')).toBe(1);
    expect(workers(' 4 ')).toBe(4);
  });

  it('refuses anything else, naming the variable and the value', () => {
    for (const v of ['0', '-1', 'abc', '1.5', '2 workers', '50%', '0x10', '1e3']) {
      expect(refusal(() => workers(v))).toBe(`MUTATION_CONCURRENCY=${JSON.stringify(v)} is no number of workers: set a whole number from 1, or unset it for 2`);
    }
  });
});

describe('MUTATION_FRESH', () => {
  it('is 1 to test every mutant again, and unset, empty or 0 to reuse what is unchanged', () => {
    expect([undefined, '', '0', ' 0 ', '1', ' 1'].map(freshRun)).toEqual([false, false, false, false, true, true]);
  });

  it('refuses anything else instead of reading it as no, naming the variable and the value', () => {
    for (const v of ['true', 'yes', 'TRUE', '2', 'on']) {
      expect(refusal(() => freshRun(v))).toBe(`MUTATION_FRESH=${JSON.stringify(v)} is neither 1 nor 0: set MUTATION_FRESH=1 to test every mutant again, or unset it`);
    }
  });
});

describe('the arguments', () => {
  it('are --security for the security run, or none for the whole run', () => {
    expect(securityRun([])).toBe(false);
    expect(securityRun(['--security'])).toBe(true);
  });

  it('refuse anything else: a misspelt --security would start the whole run, hours long', () => {
    for (const argv of [['--securty'], ['security'], ['--security', '--fast'], ['']]) {
      expect(refusal(() => securityRun(argv))).toBe(`unknown argument ${JSON.stringify(argv.find((a) => a !== '--security'))}: give --security for the security-relevant files alone, or nothing for the whole run`);
    }
  });
});
