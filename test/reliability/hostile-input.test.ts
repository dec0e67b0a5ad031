// Hostile and invalid input refused by the orb: every parameter of every command and of the build-and-push job, fed shell metacharacters, $(...), backticks, quotes, newlines, unicode, 100 KB values, path traversal, unset variables and empty required values, through the real steps in the rig; each case is refused by the orb's own step, which names the parameter ("parameter <name>:") and the fix (a minted audience is refused by STS, and the step says so), and leaves the files it guards byte for byte
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASES } from './hostile-cases.ts';
import { casesOf, GUARDED, paramCount, read, STEP, transcript, useHostileRig } from './hostile-run.ts';

const { runCase } = useHostileRig();
const REFUSED = casesOf(CASES, 'refused');

describe(`refused by the orb: ${REFUSED.length} cases over ${paramCount(REFUSED)} parameters`, () => {
  it.each(REFUSED)('%s', async (_title, i, c) => {
    const { r, configError, canary } = await runCase(c, i);
    try {
      if (!('refused' in c.expect)) throw new Error('not a refused case');
      // The config compiled (CircleCI let it through): the refusal is the orb's.
      if (r === undefined) throw configError;
      expect(r.success, transcript(r)).toBe(false);
      const failed = r.steps.find((s) => s.exitCode !== 0 && !s.skipped);
      // The failed step is one of the orb's, and its error is the orb's: "aws-oidc/<command>: parameter <name>: ...", then the fix.
      expect(Object.values(STEP), transcript(r)).toContain(failed?.name);
      const param = c.expect.refused;
      expect(failed?.output, transcript(r)).toMatch(/(?:^|\n)aws-oidc\/[a-z-]+: /);
      expect(failed?.output, transcript(r)).toMatch(c.expect.message ?? new RegExp(`(?:^|\\n)aws-oidc/[a-z-]+: parameter ${param}(?: \\(line \\d+\\))?: [\\s\\S]*\\n {2}fix: `));
      const snap = join(r.home, '.snap');
      if (existsSync(snap)) {
        expect(failed?.name).toBe(STEP[c.target]);
        expect(read(r.bashEnvPath)?.equals(readFileSync(join(snap, 'bash_env')))).toBe(true);
        for (const [name, path] of GUARDED) expect(read(join(r.home, path))?.equals(readFileSync(join(snap, name))), path).toBe(true);
      } else {
        // The job's own steps refused before its before-build steps could take a snapshot: nothing was exported or written by the refused step.
        expect(c.target).toBe('job build-and-push');
        const bashEnv = read(r.bashEnvPath)?.toString() ?? '';
        if (failed?.name === STEP['assume-role-with-oidc']) {
          expect(bashEnv).toBe('');
          expect(existsSync(join(r.home, '.aws'))).toBe(false);
        } else {
          expect(failed?.name).toBe(STEP['ecr-login']);
          expect(bashEnv).not.toContain('AWS_ECR_REGISTRY');
          expect(existsSync(join(r.home, '.docker/config.json'))).toBe(false);
        }
      }
    } finally {
      expect(existsSync(canary), `case ${i} ran its hostile value`).toBe(false);
    }
  });
});
