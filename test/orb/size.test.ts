// SIZE: each command's inlined script is measured against its budget in tools/orb/budget.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { checkOrb } from '../../tools/check-orb.ts';
import { COMPILED_CONFIG_LIMIT_BYTES, DEFAULT_COMMAND_BUDGET_BYTES, budgetFor } from '../../tools/orb/budget.ts';
import { measureCommands } from '../../tools/orb/size.ts';
import { packOrb } from '../../tools/pack.ts';
import { FAKE_SCRIPT, removeOrb, writeOrb } from './fixtures/small-orb.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeOrb(d);
});

describe('size budget', () => {
  it('budgets assume-role-with-oidc and every other command at 400 KB', () => {
    expect(budgetFor('assume-role-with-oidc')).toBe(409_600);
    expect(budgetFor('ecr-login')).toBe(DEFAULT_COMMAND_BUDGET_BYTES);
    expect(DEFAULT_COMMAND_BUDGET_BYTES).toBe(409_600);
  });

  it('measures the escaped inlined bytes and the uses that fit in 8 MB', () => {
    const dir = writeOrb();
    dirs.push(dir);
    const [size] = measureCommands(packOrb(dir));
    const bytes = Buffer.byteLength(FAKE_SCRIPT.replaceAll('<<', '\\<<'));
    expect(size).toEqual({ command: 'assume-role-with-oidc', bytes, budget: 409_600, usesPerConfig: Math.floor(COMPILED_CONFIG_LIMIT_BYTES / bytes) });
  });

  it('fires SIZE when a command script is over its budget, and not at exactly the budget', () => {
    // Multi-byte characters count as bytes, not characters: the limit is on bytes.
    const atBudget = '#!/bin/bash\n' + 'é'.repeat(204_794);
    expect(Buffer.byteLength(atBudget)).toBe(409_600);
    const ok = writeOrb({ 'scripts/assume-role-with-oidc.sh': atBudget });
    const over = writeOrb({ 'scripts/assume-role-with-oidc.sh': atBudget + 'x' });
    dirs.push(ok, over);
    expect(checkOrb({ srcDir: ok }).filter((f) => f.rule === 'SIZE')).toEqual([]);
    expect(checkOrb({ srcDir: over, packedText: packOrb(over) })).toEqual([
      { rule: 'SIZE', where: 'dist/orb.yml:/commands/assume-role-with-oidc', message: expect.stringMatching(/409601 bytes, over its budget of 409600 bytes.*only 20 uses fit/) },
    ]);
  });
});
