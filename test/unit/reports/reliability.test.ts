// test/reliability/report.ts: rows from a vitest JSON report, lost cases counted, and the page rendered.
import { describe, expect, it } from 'vitest';
import { headerOf, render, rowsOf, type VitestReport } from '../../reliability/report.ts';

const file = (name: string, title = 'Faults survived', tried = 'throttling and resets') => ({ file: `test/reliability/${name}`, source: `// ${title}: ${tried}\nimport {} from 'vitest';\n` });
const result = (name: string, statuses: string[], status = 'passed', message?: string) => ({
  name: `/repo/test/reliability/${name}`, status, ...(message ? { message } : {}),
  assertionResults: statuses.map((s, i) => ({ title: `case ${i}`, fullName: `case ${i}`, status: s })),
});

describe('headerOf', () => {
  it('splits the first-line comment at the first colon', () => {
    expect(headerOf('// Re-runs: a step twice: same result\n', 'x')).toEqual({ title: 'Re-runs', tried: 'a step twice: same result' });
  });
  it('refuses a file without the comment, naming the file and the expected form', () => {
    expect(() => headerOf('import x from "y";\n', 'test/reliability/a.test.ts')).toThrow(/test\/reliability\/a\.test\.ts: the first line must be "\/\/ <row title>: <what is tried>"/);
  });
});

describe('rowsOf', () => {
  const cwd = process.cwd();
  const at = (name: string) => ({ ...result(name, []), name: `${cwd}/test/reliability/${name}` });

  it('counts cases, held, lost and skipped per file', () => {
    const report: VitestReport = { testResults: [{ ...at('a.test.ts'), status: 'failed', assertionResults: result('a', ['passed', 'failed', 'skipped', 'passed']).assertionResults }] };
    expect(rowsOf(report, [file('a.test.ts')])).toEqual([
      { file: 'test/reliability/a.test.ts', title: 'Faults survived', tried: 'throttling and resets', cases: 4, held: 2, lost: 1, skipped: 1 },
    ]);
  });

  it('a file missing from the report, or failing outside its cases (a hook), is one lost case', () => {
    const report: VitestReport = { testResults: [{ ...at('b.test.ts'), status: 'failed', message: 'leak scan failed\nmore', assertionResults: result('b', ['passed']).assertionResults }] };
    const [missing, hook] = rowsOf(report, [file('a.test.ts'), file('b.test.ts')]);
    expect(missing).toMatchObject({ cases: 1, held: 0, lost: 1, note: 'not in the report' });
    expect(hook).toMatchObject({ cases: 1, held: 1, lost: 1, note: 'the file failed outside its cases: leak scan failed' });
  });
});

describe('render', () => {
  it('one row per file, totals, the machine and the command', () => {
    const page = render([
      { file: 'test/reliability/a.test.ts', title: 'A', tried: 'x | y', cases: 3, held: 3, lost: 0, skipped: 0 },
      { file: 'test/reliability/b.test.ts', title: 'B', tried: 'z', cases: 2, held: 1, lost: 1, skipped: 0 },
    ], { machine: '2 x CPU', date: '2026-01-01', commit: 'abc1234', seconds: 12 });
    expect(page).toContain('| A | x \\| y | 3 | 3 | 0 | `a.test.ts` |');
    expect(page).toContain('| **Total** | | **5** | **4** | **1** | |');
    expect(page).toContain('Machine: 2 x CPU');
    expect(page).toContain('`npm run reliability`');
  });
});
