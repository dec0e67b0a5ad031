// What the runner's own tests share: one-job configs, their expanded commands, and a run that cleans up
// after itself. Only the *.test.ts files of this folder use it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import { expandJob, loadConfig, runJob } from './index.ts';
import type { JobIdentity, RunOptions } from './index.ts';

/** The identity of the test jobs: what the OIDC claims and CIRCLE_* variables are made from. */
export const TEST_IDENTITY: JobIdentity = {
  orgId: 'org-1', projectId: 'proj-1', userId: 'user-1', vcsOrigin: 'github.com/acme/app', vcsRef: 'refs/heads/main',
};

/** A config's first line. */
export const VERSION_LINE = 'version: 2.1\n';
/** A job's docker executor line (four spaces in, as under `jobs: j:`). */
export const DOCKER_LINE = '    docker: [{image: cimg/base:stable}]\n';

/** A config with one docker job `j` of these steps (YAML lines indented six spaces); `top` goes before `jobs:`, `job` into the job. */
export function oneJob(steps: string, opts: { top?: string; job?: string } = {}): string {
  return `${VERSION_LINE}${opts.top ?? ''}jobs:\n  j:\n${DOCKER_LINE}${opts.job ?? ''}    steps:\n${steps}`;
}

/** The command of each step of job `j` after expansion (undefined for a step that is not a run step). */
export function stepCommands(yaml: string, opts?: Parameters<typeof loadConfig>[1]): (string | undefined)[] {
  return expandJob(loadConfig(yaml, opts), 'j').steps.map((s) => s.command);
}

/**
 * A runner of job `j` of a config, for one test file: each run's home and working directory are removed
 * after the file's tests. `defaults` are run options every run of the file takes (identity: TEST_IDENTITY).
 */
export function jobRunner(defaults: Partial<RunOptions> = {}): (yaml: string, opts?: Partial<RunOptions>) => ReturnType<typeof runJob> {
  const made: string[] = [];
  afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return async (yaml, opts = {}) => {
    const r = await runJob(expandJob(loadConfig(yaml), 'j'), { identity: TEST_IDENTITY, ...defaults, ...opts });
    made.push(dirname(r.home));
    return r;
  };
}

/** A maker of temporary directories (under the OS's temp dir, named `<prefix>XXXXXX`) removed after the file's tests. */
export function tempDirs(): (prefix: string) => string {
  const made: string[] = [];
  afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return (prefix) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}
