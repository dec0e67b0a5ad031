// The records the tools write (test/support/record.ts RECORDS: docs/benchmarks.md, docs/reliability.md,
// docs/mutation.md) measure the code of this checkout: each names the commit it ran at, and that commit may not be
// older than the last commit that changed src/. After a change under src/, run the tools again and commit their
// records (docs/architecture.md, "Records"). Needs the git history (a full clone, as CI makes).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECORDS, recordedRun } from '../support/record.ts';

const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' });
const line = (...args: string[]) => git(...args).stdout.trim();

describe('every record names a commit at or after the last change under src/', () => {
  it('runs in a git checkout with its whole history', () => {
    expect(git('rev-parse', '--git-dir').status, 'not a git checkout: the records are checked against its history').toBe(0);
    expect(line('rev-parse', '--is-shallow-repository'), 'a shallow clone: fetch the whole history (git fetch --unshallow)').toBe('false');
  });

  it.each(RECORDS.map((r) => [r.file, r.command]))('%s (written by %s)', (file, command) => {
    expect(existsSync(file), `${file} is missing: run ${command} and commit what it writes`).toBe(true);
    const run = recordedRun(readFileSync(file, 'utf8'));
    expect(run, `${file} has no "Run: <date>, commit \`<id>\`, ... Machine: ..." line: it was not written by ${command}; run it`).toBeDefined();
    const { commit, dirty } = run as { commit: string; dirty: boolean };
    expect(dirty, `${file} was made from a tree with uncommitted changes on ${commit}: commit them, then run ${command}`).toBe(false);
    expect(git('cat-file', '-e', `${commit}^{commit}`).status,
      `${file} names commit ${commit}, which this clone does not have (made on a commit that was never pushed, or a clone without the history): run ${command}`).toBe(0);
    expect(git('merge-base', '--is-ancestor', commit, 'HEAD').status, `${file} names commit ${commit}, which is not in the history of HEAD: run ${command}`).toBe(0);
    const lastSrc = line('log', '-1', '--format=%H', '--', 'src/');
    expect(lastSrc, 'no commit changed src/: is this the project\'s repository?').toMatch(/^[0-9a-f]{40}$/);
    expect(git('merge-base', '--is-ancestor', lastSrc, commit).status,
      `${file} was made at ${commit.slice(0, 12)}, before the last change under src/ (${line('log', '-1', '--format=%h %s', lastSrc)}): run ${command} and commit the record`).toBe(0);
  });
});
