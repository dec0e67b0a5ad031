// The parts of a mutation run: every runtime folder in exactly one part, and a part's saved results taken
// over only while nothing that decides them changed.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint, INPUTS, inputFiles, keepPart, loadPart, savePart, treeDigest, writeWhole, type Part, type SavedPart } from '../../mutation/parts.ts';
import { parts } from '../../mutation/run.ts';
import { testFilesMatching } from '../../mutation/passes.ts';
import { ownTests } from '../../mutation/statics.ts';
import { LEFT_OUT } from '../../mutation/vitest.config.ts';
import { folderGlobs, MUTATE_RIG, MUTATE_SRC, SECURITY_FILES, SRC_PARTS, unitTestFiles } from '../../mutation/scope.ts';
import type { Mutant } from '../../mutation/score.ts';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const scratch = (): string => { const d = mkdtempSync(path.join(tmpdir(), 'mutation-parts-')); dirs.push(d); return d; };

describe('the parts of the whole run', () => {
  it('puts every folder of src/lib and src/commands that has .ts files in exactly one part', () => {
    const folders = new Set<string>();
    for (const top of ['src/lib', 'src/commands']) {
      for (const f of readdirSync(top, { recursive: true, encoding: 'utf8' })) {
        if (f.endsWith('.ts')) folders.add(path.posix.dirname(`${top}/${f.split(path.sep).join('/')}`));
      }
    }
    const listed = Object.values(SRC_PARTS).flat();
    expect(listed.length).toBe(new Set(listed).size);
    expect([...new Set(listed)].sort()).toEqual([...folders].sort());
    expect(MUTATE_SRC).toEqual(Object.values(SRC_PARTS).flatMap(folderGlobs));
    expect(folderGlobs(['src/lib/aws'])).toEqual(['src/lib/aws/*.ts']);
  });
});

describe('what the runs mutate', () => {
  // Stryker mutates nothing for a glob that matches nothing, and a file with no mutants counts 100%: a renamed
  // security-relevant file would leave the security run, and its goal, without a word.
  it('names files that exist: each security-relevant file in a part of the whole run, each rig file', () => {
    const missing = [...SECURITY_FILES, ...MUTATE_RIG].filter((f) => !statSync(f, { throwIfNoEntry: false })?.isFile());
    expect(missing).toEqual([]);
    const folders = Object.values(SRC_PARTS).flat();
    expect(SECURITY_FILES.filter((f) => !folders.includes(path.posix.dirname(f)))).toEqual([]);
  });
});

describe('the tests run against the rig\'s mutants', () => {
  it('drive no docker in the static pass: each rig file\'s own tests, less those left out, stay in process', () => {
    const seen: string[] = [];
    for (const file of MUTATE_RIG) {
      for (const test of testFilesMatching(ownTests(file))) {
        if (LEFT_OUT.includes(test)) continue;
        seen.push(test);
        expect(readFileSync(test, 'utf8'), `${test} drives docker: add it to LEFT_OUT in test/mutation/vitest.config.ts`).not.toMatch(/ensureDocker\(|useRig\(/);
      }
    }
    expect(seen).toContain('test/harness/registry.test.ts');
  });
});

describe('a part\'s fingerprint', () => {
  it('reads every folder outside src/ and test/ whose files a test of the mutation config imports', () => {
    const imported = new Set<string>();
    for (const top of ['test/unit', 'test/harness']) {
      for (const f of readdirSync(top, { recursive: true, encoding: 'utf8' })) {
        const file = `${top}/${f.split(path.sep).join('/')}`;
        if (!file.endsWith('.ts') || file.startsWith('test/unit/tools/')) continue;
        for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
          const top = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec as string)).split('/')[0] as string;
          if (!['src', 'test', 'node_modules'].includes(top)) imported.add(top);
        }
      }
    }
    expect(imported.size).toBeGreaterThan(0);
    expect([...imported].filter((t) => !INPUTS.includes(t))).toEqual([]);
  });

  const part: Part = { name: 'whole-src-lib', files: ['src/lib/*.ts'], tests: ['test/unit/lib/a.test.ts'] };
  const tree = (): string => {
    const root = scratch();
    mkdirSync(path.join(root, 'src/lib'), { recursive: true });
    mkdirSync(path.join(root, 'test/unit/lib'), { recursive: true });
    mkdirSync(path.join(root, 'src/node_modules'), { recursive: true });
    writeFileSync(path.join(root, 'src/lib/a.ts'), 'export const a = 1;\n');
    writeFileSync(path.join(root, 'test/unit/lib/a.test.ts'), 'it("a", () => {});\n');
    writeFileSync(path.join(root, 'src/node_modules/x.js'), 'x');
    writeFileSync(path.join(root, 'package-lock.json'), '{}');
    return root;
  };

  it('lists the input files, sorted, without node_modules', () => {
    expect(inputFiles(tree())).toEqual(['package-lock.json', 'src/lib/a.ts', 'test/unit/lib/a.test.ts']);
  });

  it('stays the same while nothing changes, and changes with the code, a test, a tool, the lock file, the globs or the test set', () => {
    const root = tree();
    const print = (p: Part, r: string): string => fingerprint(p, treeDigest(r));
    const before = print(part, root);
    expect(print(part, root)).toBe(before);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(path.join(root, 'src/node_modules/x.js'), 'y');
    expect(print(part, root)).toBe(before);
    const changed = (edit: (r: string) => void, p: Part = part): string => { const r = tree(); edit(r); return print(p, r); };
    expect(changed((r) => writeFileSync(path.join(r, 'src/lib/a.ts'), 'export const a = 2;\n'))).not.toBe(before);
    expect(changed((r) => writeFileSync(path.join(r, 'test/unit/lib/b.test.ts'), ''))).not.toBe(before);
    expect(changed((r) => writeFileSync(path.join(r, 'package-lock.json'), '{ }'))).not.toBe(before);
    // A build tool a test imports (a unit test of src/lib/launch.ts reads tools/loader.ts).
    expect(changed((r) => { mkdirSync(path.join(r, 'tools')); writeFileSync(path.join(r, 'tools/loader.ts'), 'export const x = 1;\n'); })).not.toBe(before);
    expect(changed(() => undefined, { ...part, files: ['src/lib/aws/*.ts'] })).not.toBe(before);
    expect(changed(() => undefined, { ...part, tests: undefined })).not.toBe(before);
    // A file renamed, bytes the same, is another input.
    expect(changed((r) => { rmSync(path.join(r, 'src/lib/a.ts')); writeFileSync(path.join(r, 'src/lib/b.ts'), 'export const a = 1;\n'); })).not.toBe(before);
  });
});

describe('saved parts', () => {
  const saved: SavedPart = {
    fingerprint: 'f'.repeat(64), commit: 'c'.repeat(40), date: '2026-11-30T00:00:00.000Z',
    mutants: [{ fileName: 'src/lib/a.ts', mutatorName: 'BooleanLiteral', replacement: 'false', status: 'Killed', location: { start: { line: 1, column: 1 } } }],
    info: { firstSeconds: 3, staticSeconds: 1, staticRun: 0, staticLeftOut: 0, reused: 0 },
  };

  it('reads back what was saved, and nothing when there is nothing or it cannot be read', () => {
    const dir = path.join(scratch(), 'parts');
    expect(loadPart('whole-src-lib', dir)).toBeUndefined();
    savePart('whole-src-lib', saved, dir);
    expect(loadPart('whole-src-lib', dir)).toEqual(saved);
    expect(readdirSync(dir)).toEqual(['whole-src-lib.json']);
    writeFileSync(path.join(dir, 'whole-src-lib.json'), '{"fingerprint":');
    expect(loadPart('whole-src-lib', dir)).toBeUndefined();
  });

  it('reads nothing from a file that parses but is no saved part: the part runs again instead of the run stopping on it', () => {
    const dir = path.join(scratch(), 'parts');
    const write = (v: unknown) => { mkdirSync(dir, { recursive: true }); writeFileSync(path.join(dir, 'whole-src-lib.json'), JSON.stringify(v)); return loadPart('whole-src-lib', dir); };
    const { mutants, info, ...rest } = saved;
    const [first] = mutants as [Mutant];
    for (const bad of [
      null, 'whole-src-lib', [saved], rest, { ...rest, info }, { ...saved, mutants: {} }, { ...saved, mutants: [null] },
      { ...saved, mutants: [{ ...first, location: {} }] }, { ...saved, mutants: [{ ...first, status: 3 }] },
      { ...saved, commit: undefined }, { ...saved, info: { ...info, reused: '7' } }, { fingerprint: saved.fingerprint, mutants },
    ]) expect(write(bad), JSON.stringify(bad)).toBeUndefined();
    expect(write(saved)).toEqual(saved);
    // What a run carries along but does not read may be there or not.
    const plain = { ...first, statusReason: undefined, static: undefined, killedBy: undefined, coveredBy: undefined, location: { start: first.location.start } };
    expect(write({ ...saved, mutants: [plain] })).toEqual({ ...saved, mutants: [JSON.parse(JSON.stringify(plain))] });
  });

  it('replaces a part whole: the new results, no temp file left', () => {
    const dir = path.join(scratch(), 'parts');
    savePart('whole-rig', saved, dir);
    savePart('whole-rig', { ...saved, commit: 'd'.repeat(40) }, dir);
    expect(JSON.parse(readFileSync(path.join(dir, 'whole-rig.json'), 'utf8')).commit).toBe('d'.repeat(40));
    expect(readdirSync(dir)).toEqual(['whole-rig.json']);
  });
});

describe('writing a part or the page', () => {
  it('leaves the old file and no temp file when the write cannot be finished', () => {
    const dir = scratch();
    writeWhole(path.join(dir, 'page.md'), 'old\n');
    writeWhole(path.join(dir, 'page.md'), 'new\n');
    expect(readFileSync(path.join(dir, 'page.md'), 'utf8')).toBe('new\n');
    // The rename fails (the name is a folder that is not empty): an error, and nothing left beside it.
    mkdirSync(path.join(dir, 'whole-rig.json', 'x'), { recursive: true });
    expect(() => savePart('whole-rig', { fingerprint: 'f', commit: 'c', date: 'd', mutants: [], info: { firstSeconds: 0, staticSeconds: 0, staticRun: 0, staticLeftOut: 0, reused: 0 } }, dir)).toThrow(/whole-rig\.json/);
    expect(readdirSync(dir).sort()).toEqual(['page.md', 'whole-rig.json']);
  });
});

describe('a part that ran', () => {
  it('is kept only while the tree reads as when the run began: a part run on an edited tree is not saved under the old fingerprint', () => {
    const root = scratch();
    const dir = path.join(root, '.tmp/parts');
    mkdirSync(path.join(root, 'src'));
    writeFileSync(path.join(root, 'src/a.ts'), 'export const a = 1;\n');
    const tree = treeDigest(root);
    const saved: SavedPart = { fingerprint: fingerprint({ name: 'whole-src-lib', files: ['src/*.ts'], tests: undefined }, tree), commit: 'c', date: 'd', mutants: [], info: { firstSeconds: 0, staticSeconds: 0, staticRun: 0, staticLeftOut: 0, reused: 0 } };
    expect(keepPart('whole-src-lib', saved, tree, () => treeDigest(root), dir)).toBe(true);
    expect(loadPart('whole-src-lib', dir)).toEqual(saved);
    writeFileSync(path.join(root, 'src/a.ts'), 'export const a = 2;\n');
    expect(keepPart('whole-src-cli', saved, tree, () => treeDigest(root), dir)).toBe(false);
    expect(readdirSync(dir)).toEqual(['whole-src-lib.json']);
  });
});

describe('which parts a run has', () => {
  it('the whole run: the six src/ parts against the unit tests, then the rig against the mutation config', () => {
    const whole = parts('whole', undefined);
    expect(whole.map((p) => p.name)).toEqual([...Object.keys(SRC_PARTS).map((n) => `whole-src-${n}`), 'whole-rig']);
    expect(whole.slice(0, -1).flatMap((p) => p.files)).toEqual(MUTATE_SRC);
    const unit = unitTestFiles();
    expect(unit.length).toBeGreaterThan(50);
    expect(unit.every((t) => t.startsWith('test/unit/') && !t.startsWith('test/unit/tools/') && t.endsWith('.test.ts'))).toBe(true);
    for (const p of whole.slice(0, -1)) expect(p.tests).toEqual(unit);
    expect(whole.at(-1)).toEqual({ name: 'whole-rig', files: MUTATE_RIG, tests: undefined });
  });

  it('the security run and a narrowed run: the chosen src/ files, then the chosen rig files; a narrowed run\'s parts are not named for a kind', () => {
    const security = parts('security', SECURITY_FILES);
    expect(security.map((p) => [p.name, p.files])).toEqual([['security-src', SECURITY_FILES], ['security-rig', []]]);
    expect(parts(undefined, ['src/lib/log.ts', 'test/harness/registry.ts']).map((p) => [p.name, p.files]))
      .toEqual([['src', ['src/lib/log.ts']], ['rig', ['test/harness/registry.ts']]]);
  });
});
