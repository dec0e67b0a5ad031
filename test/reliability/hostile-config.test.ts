// Wrong types refused by CircleCI's config compiler: a word where a boolean or an integer goes, a value outside an enum, and an executor that does not exist, given to such parameters of every command and of the build-and-push job; the rig's compiler (worded like CircleCI's) refuses the config with a type error naming the argument, before any step of the orb runs, so these cases test CircleCI's checks, not the orb's
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { ConfigError } from '../harness/runner/index.ts';
import { CASES } from './hostile-cases.ts';
import { casesOf, paramCount, useHostileRig } from './hostile-run.ts';

const { rig, runCase } = useHostileRig();
const COMPILER = casesOf(CASES, 'config');

describe(`refused by CircleCI's config compiler: ${COMPILER.length} cases over ${paramCount(COMPILER)} parameters`, () => {
  it.each(COMPILER)('%s', async (_title, i, c) => {
    const before = rig.toolCalls().length;
    const { r, configError, canary } = await runCase(c, i);
    if (!('config' in c.expect)) throw new Error('not a compiler case');
    // No job ran: the compiler's own error, naming the argument, and not one docker, aws or circleci call.
    expect(r, 'the config compiled').toBeUndefined();
    expect(configError).toBeInstanceOf(ConfigError);
    expect(String(configError)).toMatch(c.expect.message ?? new RegExp(`Type error for argument ${c.expect.config}: expected type: `));
    expect(String(configError)).not.toMatch(/aws-oidc\/[a-z-]+: parameter /);
    expect(rig.toolCalls().length).toBe(before);
    expect(existsSync(canary), `case ${i} ran its hostile value`).toBe(false);
  });
});
