// The shell a run step gets: its own `shell:`, else its job's, else its executor's, else the image's default
// (bash, or a POSIX sh for an image without bash). Steps in sh do not source $BASH_ENV, as on CircleCI.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunOptions } from './index.ts';
import { jobRunner, VERSION_LINE } from './test-jobs.ts';

const runConfig = jobRunner();
/** Runs job j of a config given without its version line. */
const run = (yaml: string, opts: Partial<RunOptions> = {}) => runConfig(`${VERSION_LINE}${yaml}`, opts);

// Which shell ran (bash sets BASH_VERSION, dash and busybox ash do not), and whether it sourced $BASH_ENV.
const WHICH = 'if [ -n "${BASH_VERSION:-}" ]; then s=bash; else s=sh; fi; echo "$s X=${X:-unset}"';
const EXPORT = 'echo "export X=1" >> "$BASH_ENV"';
const BUSYBOX = '/usr/bin/busybox';

describe('the shell of run steps', () => {
  it('takes the executor\'s shell (a named executor), and a step\'s own shell over it; sh steps do not source $BASH_ENV', async () => {
    const r = await run(`executors:
  alpine: {docker: [{image: alpine:3.20}], shell: /bin/sh -e}
jobs:
  j:
    executor: alpine
    steps:
      - run: ${JSON.stringify(EXPORT)}
      - run: ${JSON.stringify(WHICH)}
      - run: {command: ${JSON.stringify(WHICH)}, shell: /bin/bash -eo pipefail}
`);
    expect(r.steps.map((s) => s.output)).toEqual(['', 'sh X=unset\n', 'bash X=1\n']);
  });

  it('takes the job\'s shell over the executor\'s', async () => {
    const r = await run(`executors:
  e: {docker: [{image: cimg/base:stable}], shell: /bin/bash -eo pipefail}
jobs:
  j: {executor: e, shell: /bin/sh -e, steps: [run: ${JSON.stringify(WHICH)}]}
`);
    expect(r.steps[0]?.output).toBe('sh X=unset\n');
  });

  it('uses the image\'s default when nothing names a shell: bash here, or the defaultShell a test gives for an image without bash', async () => {
    const yaml = `jobs:\n  j: {docker: [{image: hashicorp/terraform:1.9}], steps: [run: ${JSON.stringify(EXPORT)}, run: ${JSON.stringify(WHICH)}]}\n`;
    expect((await run(yaml)).steps[1]?.output).toBe('bash X=1\n');
    expect((await run(yaml, { defaultShell: '/bin/sh -e' })).steps[1]?.output).toBe('sh X=unset\n');
  });

  const hasBusybox = existsSync(BUSYBOX);
  if (!hasBusybox) console.log(`${BUSYBOX} is missing: the busybox ash step is skipped (apt-get install busybox)`);
  it.runIf(hasBusybox)('runs busybox ash with -eo pipefail, as an Alpine image\'s /bin/sh: a failing pipe fails the step', async () => {
    const r = await run(`jobs:\n  j: {docker: [{image: alpine:3.20}], steps: [run: ${JSON.stringify(WHICH)}, run: "false | cat\\necho not-reached"]}\n`,
      { defaultShell: `${BUSYBOX} sh -eo pipefail` });
    expect(r.steps.map((s) => [s.output, s.exitCode])).toEqual([['sh X=unset\n', 0], ['', 1]]);
  });
});
