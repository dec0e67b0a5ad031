// The mutation scores and the survivor bookkeeping that `npm run mutation` fails on.
import { describe, expect, it } from 'vitest';
import { byFolder, relativeFile, reusedCount, staleExplanations, tally, unexplained, type Explained, type Mutant } from '../../mutation/score.ts';
import { isIgnoredStatic, mergeStatic, mutantRange, ownTests, STATIC_IGNORED } from '../../mutation/statics.ts';
import { render } from '../../mutation/render.ts';
import { EXPLAINED } from '../../mutation/explained.ts';
import { SECURITY_FILES } from '../../mutation/scope.ts';
import { readFileSync } from 'node:fs';
import { verdict } from '../../mutation/run.ts';

const m = (fileName: string, status: string, line = 1, replacement = 'false'): Mutant =>
  ({ fileName, status, mutatorName: 'ConditionalExpression', replacement, location: { start: { line, column: 3 } } });

describe('mutation score', () => {
  it('counts killed and timed-out mutants as detected, survived and uncovered as not, and leaves errors out', () => {
    const t = tally([m('a.ts', 'Killed'), m('a.ts', 'Timeout'), m('a.ts', 'Survived'), m('a.ts', 'NoCoverage'), m('a.ts', 'CompileError'), m('a.ts', 'Ignored')]);
    expect(t).toEqual({ killed: 1, timeout: 1, survived: 1, noCoverage: 1, errors: 1, ignored: 1, score: 50 });
    expect(tally([m('a.ts', 'Killed'), m('a.ts', 'Killed'), m('a.ts', 'Killed'), m('a.ts', 'Survived')]).score).toBe(75);
    expect(tally([]).score).toBe(100);
  });

  it('groups by folder and names files relative to the project', () => {
    expect(byFolder([m('src/lib/log.ts', 'Killed'), m('src/lib/aws/files.ts', 'Killed'), m('src/lib/params.ts', 'Survived')]).map(([f, ms]) => [f, ms.length]))
      .toEqual([['src/lib', 2], ['src/lib/aws', 1]]);
    expect(relativeFile('/p/src/lib/log.ts', '/p')).toBe('src/lib/log.ts');
    expect(relativeFile('src/lib/log.ts', '/p')).toBe('src/lib/log.ts');
  });

  it('fails a survivor of a security file that no entry explains, and an entry that explains nothing (a timed-out mutant keeps its entry)', () => {
    const mutants = [m('src/lib/log.ts', 'Survived', 10, '>'), m('src/lib/log.ts', 'NoCoverage', 12), m('src/lib/log.ts', 'Killed', 14), m('src/other.ts', 'Survived'), m('src/lib/log.ts', 'Timeout', 16)];
    const explained: Explained[] = [
      { file: 'src/lib/log.ts', line: 10, column: 3, mutator: 'ConditionalExpression', replacement: '>', why: 'equivalent' },
      { file: 'src/lib/log.ts', line: 14, column: 3, mutator: 'ConditionalExpression', replacement: 'false', why: 'killed now' },
      { file: 'src/lib/log.ts', line: 12, column: 4, mutator: 'ConditionalExpression', replacement: 'false', why: 'another mutant on that line' },
      { file: 'src/lib/log.ts', line: 16, column: 3, mutator: 'ConditionalExpression', replacement: 'false', why: 'slower only: times out when the machine is loaded' },
    ];
    expect(unexplained(mutants, ['src/lib/log.ts'], explained).map((x) => x.location.start.line)).toEqual([12]);
    expect(staleExplanations(mutants, explained).map((e) => e.line)).toEqual([14, 12]);
  });
});

describe('the explanations', () => {
  // A run checks an entry only against the mutants of the files it mutated: an entry for a file that was renamed or
  // left SECURITY_FILES, or for a line past a file's end, would never match a mutant and never be flagged.
  it('each names a security-relevant file, a place inside it and why, once', () => {
    const misplaced = EXPLAINED.filter((e) => {
      if (!SECURITY_FILES.includes(e.file) || e.why.trim() === '') return true;
      const line = readFileSync(e.file, 'utf8').split('\n')[e.line - 1];
      return line === undefined || e.line < 1 || e.column < 1 || e.column > line.length;
    });
    expect(misplaced.map((e) => `${e.file}:${e.line}:${e.column}`)).toEqual([]);
    const keys = EXPLAINED.map((e) => `${e.file}:${e.line}:${e.column} ${e.mutator} ${e.replacement}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});

describe('the page\'s surviving mutants', () => {
  const passes = { firstSeconds: 1, staticSeconds: 1, staticRun: 0, staticLeftOut: 0, reused: 0 };
  const survivors = (mutants: Mutant[]) =>
    render(mutants, { commit: 'a'.repeat(40), machine: 'm', date: '2026-12-01', seconds: 1, passes, parts: [] }).split('\n').filter((l) => l.startsWith('- '));

  it('stay whole code spans when the replacement holds backticks (CommonMark: a longer fence, a space inside it)', () => {
    expect(survivors([m('src/lib/log.ts', 'Survived', 1, '``'), m('src/lib/log.ts', 'Survived', 2, '`a${b}c`'), m('src/lib/log.ts', 'NoCoverage', 3, 'f(x)')])).toEqual([
      '- ``` src/lib/log.ts:1:3 ConditionalExpression -> `` ```: NOT EXPLAINED',
      '- `` src/lib/log.ts:2:3 ConditionalExpression -> `a${b}c` ``: NOT EXPLAINED',
      '- `src/lib/log.ts:3:3 ConditionalExpression -> f(x)`: NOT EXPLAINED',
    ]);
  });

  it('list only the security-relevant files, one line each: the text of the rig\'s mutants (fixture keys among it) is counted, not shown', () => {
    const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const lines = survivors([m('test/harness/aws/ecr-state.ts', 'Survived', 4, `"${key}"`), m('src/commands/doctor/x.ts', 'Survived', 5, `"${key}"`), m('src/lib/log.ts', 'Survived', 6, 'x\n## heading\n| a |')]);
    expect(lines).toEqual(['- `src/lib/log.ts:6:3 ConditionalExpression -> x ## heading | a |`: NOT EXPLAINED']);
    expect(render([m('test/harness/aws/ecr-state.ts', 'Survived', 4, `"${key}"`)], { commit: 'a'.repeat(40), machine: 'm', date: 'd', seconds: 1, passes, parts: [] })).not.toContain(key.slice(-12));
  });
});

describe('the page\'s words on mutants that ran and did not', () => {
  const passes = { firstSeconds: 1, staticSeconds: 1, staticRun: 1, staticLeftOut: 2, reused: 0 };
  const page = (mutants: Mutant[]) => render(mutants, { commit: 'a'.repeat(40), machine: 'm', date: 'd', seconds: 1, passes, parts: [] });

  it('counts the static mutants over every result and names the files whose mutants were not run, most first', () => {
    const text = page([
      { ...m('src/lib/log.ts', 'Killed'), static: true }, { ...m('src/lib/log.ts', 'Survived', 2), static: true },
      // As Stryker leaves them out: static, with its reason; one without the mark is counted once all the same.
      { ...m('src/commands/cli/commands.ts', 'Ignored'), static: true, statusReason: STATIC_IGNORED },
      { ...m('src/commands/cli/commands.ts', 'Ignored', 2), static: true, statusReason: STATIC_IGNORED }, m('src/commands/doctor/x.ts', 'Ignored'),
    ]).replace(/\n/g, ' ');
    expect(text).toContain('Static mutants: 5 of the 5 mutants');
    expect(text).toContain('Of the 2 static mutants that ran, 1 were killed or timed out. 3 were not run');
    expect(text).toContain('(most in `src/commands/cli/commands.ts` (2), `src/commands/doctor/x.ts` (1)).');
    expect(page([{ ...m('src/a.ts', 'Ignored'), static: true }]).replace(/\n/g, ' ')).toContain('Static mutants: 1 of the 1 mutants');
    expect(page([{ ...m('src/a`b.ts', 'Ignored'), static: true }]).replace(/\n/g, ' ')).toContain('(most in ``src/a`b.ts`` (1)).');
  });

  it('lists a survivor with the end of the code it spans, so two mutants at one place read apart', () => {
    const at = (column: number): Mutant => ({ ...m('src/lib/log.ts', 'Survived', 9, 'true'), location: { start: { line: 9, column: 3 }, end: { line: 9, column } } });
    expect(page([at(20), at(41)]).split('\n').filter((l) => l.startsWith('- '))).toEqual([
      '- `src/lib/log.ts:9:3-9:20 ConditionalExpression -> true`: NOT EXPLAINED',
      '- `src/lib/log.ts:9:3-9:41 ConditionalExpression -> true`: NOT EXPLAINED',
    ]);
  });

  it('says the rig has no goal', () => {
    expect(page([m('test/harness/registry.ts', 'Survived')])).toMatch(/\| the rig's refusal logic \(no goal\) \| 0\.00 \|/);
  });
});

describe('what a run says when its parts are done', () => {
  const passes = { firstSeconds: 5, staticSeconds: 0, staticRun: 0, staticLeftOut: 0, reused: 0 };
  const mutants = [m('src/lib/shell-words.ts', 'Survived', 30, 'j <= n'), m('src/lib/shell-words.ts', 'Killed', 31), m('src/lib/log.ts', 'NoCoverage', 12), m('src/lib/log.ts', 'Killed', 14)];
  const stale: Explained = { file: 'src/lib/log.ts', line: 14, column: 3, mutator: 'ConditionalExpression', replacement: 'false', why: 'killed now' };

  it('a narrowed run lists every unexplained survivor, fails only on those of security files, and names no goal', () => {
    const { out, failures } = verdict(mutants, { narrowed: true, securityOnly: false, seconds: 9, passes }, [stale]);
    expect(out[0]).toMatch(/^mutation score of the chosen files: 50\.00% \(a narrowed run checks no goal\); 4 mutants in 9 s /);
    expect(out.join('\n')).not.toMatch(/goal \d/);
    expect(out.slice(1)).toEqual(['mutation: survived (kill it with a test; outside the security-relevant files it needs no entry in explained.ts): src/lib/shell-words.ts:30:3 ConditionalExpression -> j <= n']);
    expect(failures).toEqual([
      'survived, neither killed nor explained: src/lib/log.ts:12:3 ConditionalExpression -> false',
      'test/mutation/explained.ts: no surviving mutant matches src/lib/log.ts:14 ConditionalExpression -> false; remove the entry',
    ]);
    expect(verdict(mutants.slice(0, 2), { narrowed: true, securityOnly: false, seconds: 9, passes }, []).failures).toEqual([]);
  });

  it('the whole run checks both goals and lists no survivor outside the security files', () => {
    const { out, failures } = verdict(mutants, { narrowed: false, securityOnly: false, seconds: 9, passes }, []);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^mutation score: security-relevant files 50\.00% \(goal 90%\), src\/ 50\.00% \(goal 85%\); 4 mutants/);
    expect(failures.slice(0, 2)).toEqual(['security-relevant files: 50.00% is below the goal of 90%', 'src/: 50.00% is below the goal of 85%']);
  });
});

describe('static mutants', () => {
  const at = (fileName: string, status: string, statusReason?: string): Mutant => ({
    fileName, status, statusReason, mutatorName: 'Regex', replacement: '/a/',
    location: { start: { line: 5, column: 14 }, end: { line: 5, column: 40 } },
  });

  it('names the unit tests of a file by the mirror convention', () => {
    expect(ownTests('src/lib/log.ts')).toBe('test/unit/lib/log*.test.ts');
    expect(ownTests('src/commands/ecr-login/helper.ts')).toBe('test/unit/commands/ecr-login/helper*.test.ts');
    expect(ownTests('test/harness/aws/policy.ts')).toBe('test/harness/aws/policy*.test.ts');
  });

  it('turns a mutant back into the range Stryker mutates (columns from 0 there, from 1 in its results)', () => {
    expect(mutantRange(at('src/lib/bash-env.ts', 'Ignored'))).toBe('src/lib/bash-env.ts:5:13-5:39');
  });

  it('puts the static pass\'s verdict in place of an ignored static mutant, and only there', () => {
    const first = [at('a.ts', 'Ignored', STATIC_IGNORED), at('b.ts', 'Killed'), at('c.ts', 'Ignored', STATIC_IGNORED)];
    const second = [at('a.ts', 'Survived'), at('b.ts', 'Survived')];
    expect(mergeStatic(first, second).map((m) => [m.fileName, m.status, m.static ?? false])).toEqual([
      ['a.ts', 'Survived', true], ['b.ts', 'Killed', false], ['c.ts', 'Ignored', false],
    ]);
    expect(first.filter(isIgnoredStatic).map((m) => m.fileName)).toEqual(['a.ts', 'c.ts']);
  });
});

describe('incremental runs', () => {
  const passes = { firstSeconds: 1, staticSeconds: 1, staticRun: 0, staticLeftOut: 0 };
  const page = (reused: number, from?: string) =>
    render([m('src/lib/log.ts', 'Killed'), m('src/lib/log.ts', 'Killed', 2)], {
      commit: 'a'.repeat(40), machine: 'm', date: '2026-11-30', seconds: 1, passes: { ...passes, reused },
      parts: [{ name: 'whole-src-lib', mutants: 2, reused, seconds: reused === 0 ? 7 : 0, from }],
    });

  it('reads how many results Stryker reused from its log line, colours and all', () => {
    expect(reusedCount('INFO IncrementalDiffer Incremental report:\n\tResult:\t\t\u001b[93m1234\u001b[39m of 9438 mutant result(s) are reused.\n')).toBe(1234);
    expect(reusedCount('INFO No incremental result file found at .tmp/x.json, a full mutation testing run will be performed.')).toBe(0);
  });

  it('says on the page how many results came from which earlier run, or that every mutant was tested', () => {
    expect(page(1, 'b'.repeat(40))).toContain('Incremental: 1 results were taken over (copied without testing again) from earlier runs');
    expect(page(1, 'b'.repeat(40))).toContain(`| whole-src-lib | 2 | 1 | \`${'b'.repeat(12)}\` | 0 |`);
    expect(page(0)).toContain('| whole-src-lib | 2 | 0 | - | 7 |');
    expect(page(0)).toContain('Every mutant was tested in this run');
    expect(page(0)).not.toContain('Incremental:');
  });
});
