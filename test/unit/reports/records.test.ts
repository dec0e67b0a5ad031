// The run line every record carries (test/support/record.ts), written by each tool's page and read back by
// test/docs/records.test.ts, which holds the records to the last change under src/.
import { describe, expect, it } from 'vitest';
import { renderPage } from '../../bench/page.ts';
import { emptyResults } from '../../bench/report.ts';
import { render as renderMutation } from '../../mutation/render.ts';
import { render as renderReliability } from '../../reliability/report.ts';
import { RECORDS, recordedRun, runLine } from '../../support/record.ts';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const MACHINE = '2 cores (AMD EPYC), 24 GiB RAM, Debian GNU/Linux 12 (bookworm), Linux 6.1.0, Node v20.20.2, docker engine 20.10.24+dfsg1';
const info = { date: '2026-12-01', commit: COMMIT, seconds: 41.6, machine: MACHINE };

describe('runLine and recordedRun', () => {
  it('write and read back the commit, whether the tree had other changes, and the machine', () => {
    expect(runLine(info)).toBe(`Run: 2026-12-01, commit \`${COMMIT}\`, 42 s. Machine: ${MACHINE}.`);
    expect(recordedRun(`# Page\n\n${runLine(info)}\n\nmore\n`)).toEqual({ commit: COMMIT, dirty: false, machine: MACHINE });
    expect(recordedRun(runLine({ ...info, commit: `${COMMIT} (with uncommitted changes)`, more: ', 15 runs each' }))).toEqual({ commit: COMMIT, dirty: true, machine: MACHINE });
  });

  it('find no run line in a page without one, or with a short or unknown commit', () => {
    // The form docs/benchmarks.md had before the bench wrote the run line.
    expect(recordedRun(`Commit: \`${COMMIT}\`. Run: 2026-11-30, 15 runs each, 40 s in all.\nMachine: ${MACHINE}.`)).toBeUndefined();
    expect(recordedRun(runLine({ ...info, commit: COMMIT.slice(0, 7) }))).toBeUndefined();
    expect(recordedRun(runLine({ ...info, commit: 'unknown' }))).toBeUndefined();
  });

  it('lists the three records, each with the npm script that writes it', () => {
    expect(RECORDS.map(({ file, command }) => ({ file, command }))).toEqual([
      { file: 'docs/benchmarks.md', command: 'npm run bench' },
      { file: 'docs/reliability.md', command: 'npm run reliability' },
      { file: 'docs/mutation.md', command: 'npm run mutation' },
    ]);
  });
});

describe('each tool\'s page carries the run line it was given', () => {
  it.each([
    ['bench', () => renderPage(emptyResults(), { head: COMMIT, date: info.date, machine: MACHINE, runs: 15, seconds: 41.6, load: 0.5, refLabel: '0.1.0', refCommit: 'f'.repeat(40), refOrigin: 'built' })],
    ['reliability', () => renderReliability([], info)],
    ['mutation', () => renderMutation([], { ...info, passes: { firstSeconds: 1, staticSeconds: 1, staticRun: 0, staticLeftOut: 0, reused: 0 }, parts: [] })],
  ])('%s', (_tool, page) => {
    expect(recordedRun(page())).toEqual({ commit: COMMIT, dirty: false, machine: MACHINE });
  });
});
