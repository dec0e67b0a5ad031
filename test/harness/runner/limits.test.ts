// Limits: a job whose commands multiply into millions of steps is refused in one line, as it expands.
import { describe, expect, it } from 'vitest';
import { ConfigError, expandJob, loadConfig } from './index.ts';
import { MAX_JOB_STEPS } from './steps.ts';
import { DOCKER_LINE, VERSION_LINE } from './test-jobs.ts';

/** Commands c0 (one run step) to c<depth>, each calling the one below `width` times: width^depth steps. */
function nested(width: number, depth: number): string {
  const lines = ['commands:', '  c0: {steps: [run: echo leaf]}'];
  for (let d = 1; d <= depth; d++) lines.push(`  c${d}: {steps: [${Array<string>(width).fill(`c${d - 1}`).join(', ')}]}`);
  return `${VERSION_LINE}${lines.join('\n')}\njobs:\n  j:\n${DOCKER_LINE}    steps: [c${depth}]\n`;
}

describe('expanded steps per job', () => {
  it('refuses commands ten wide and seven deep (10^7 steps) in one line, without the frames of the commands it was in', () => {
    let err: unknown;
    try {
      expandJob(loadConfig(nested(10, 7)), 'j');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(`the job expands to more than ${MAX_JOB_STEPS} steps (commands within commands multiply): the local runner stops here; call fewer commands or nest them less deeply`);
  });

  it('still expands a job of exactly the limit', () => {
    expect(MAX_JOB_STEPS).toBe(10 ** 4);
    expect(expandJob(loadConfig(nested(10, 4)), 'j').steps).toHaveLength(MAX_JOB_STEPS);
  });
});
