// Hostile input taken literally: values that would run a command if a shell evaluated them ($(...), backticks, ;) or that are 100 KB long, given to build args, labels, extra-build-args, a docker-config directory and a session policy's resource, reach docker, the filesystem or STS as literal words through the real steps in the rig, and the step succeeds without running them
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { CASES } from './hostile-cases.ts';
import { casesOf, paramCount, transcript, useHostileRig } from './hostile-run.ts';

const { rig, runCase } = useHostileRig();
const LITERAL = casesOf(CASES, 'works');

describe(`taken literally: ${LITERAL.length} cases over ${paramCount(LITERAL)} parameters`, () => {
  it.each(LITERAL)('%s', async (_title, i, c) => {
    const { r, configError, canary } = await runCase(c, i);
    try {
      if (r === undefined) throw configError;
      expect(r.success, `${transcript(r)}\n${JSON.stringify(rig.dockerCalls(r).map((call) => call.argv))}`).toBe(true);
      // Where the case names them, the words reached docker's argv as they were given, each one word.
      const words = c.argvHas?.(canary);
      if (words) expect(rig.dockerCalls(r).some((call) => words.every((w) => call.argv.includes(w))), JSON.stringify(rig.dockerCalls(r))).toBe(true);
    } finally {
      expect(existsSync(canary), `case ${i} ran its hostile value`).toBe(false);
    }
  });
});
