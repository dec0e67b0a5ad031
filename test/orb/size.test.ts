// SIZE: each command's inlined script is measured against its budget in tools/orb/budget.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { checkOrb } from '../../tools/check-orb.ts';
import { COMPILED_CONFIG_LIMIT_BYTES, DEFAULT_COMMAND_BUDGET_BYTES, budgetFor } from '../../tools/orb/budget.ts';
import { inlinedBytes, measureCommands } from '../../tools/orb/size.ts';
import { packOrb } from '../../tools/pack.ts';
import { FAKE_SCRIPT, removeOrb, writeOrb } from './fixtures/small-orb.ts';

/** Every command of the orb's source (src/orb/commands/<name>.yml): each has a runtime, so each is measured. */
const COMMANDS = readdirSync('src/orb/commands').filter((f) => f.endsWith('.yml')).map((f) => f.slice(0, -4)).sort();

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeOrb(d);
});

describe('size budget', () => {
  it('budgets every command at 120 KiB, so at least 60 uses fit in 8 MB', () => {
    for (const c of COMMANDS) expect(budgetFor(c)).toBe(122_880);
    expect(DEFAULT_COMMAND_BUDGET_BYTES).toBe(122_880);
    expect(Math.floor(COMPILED_CONFIG_LIMIT_BYTES / DEFAULT_COMMAND_BUDGET_BYTES)).toBeGreaterThanOrEqual(60);
  });

  it('keeps every command of the real orb within its budget', () => {
    const sizes = measureCommands(readFileSync('dist/orb.yml', 'utf8'));
    expect(sizes.map((s) => s.command).sort()).toEqual(COMMANDS);
    for (const s of sizes) expect(s.bytes, `${s.command} inlines ${s.bytes} bytes`).toBeLessThanOrEqual(122_880);
  });

  it('measures the escaped inlined bytes and the uses that fit in 8 MB', () => {
    const dir = writeOrb();
    dirs.push(dir);
    const [size] = measureCommands(packOrb(dir));
    const bytes = Buffer.byteLength(FAKE_SCRIPT.replaceAll('<<', '\\<<'));
    expect(size).toEqual({ command: 'assume-role-with-oidc', bytes, budget: 122_880, usesPerConfig: Math.floor(COMPILED_CONFIG_LIMIT_BYTES / bytes) });
    // One count: what the build prints and the bench reports (inlinedBytes of the script) is what SIZE measures packed.
    expect(FAKE_SCRIPT).toContain('<<');
    expect(inlinedBytes(FAKE_SCRIPT)).toBe(bytes);
  });

  it('fires SIZE when a command script is over its budget, and not at exactly the budget', () => {
    // Multi-byte characters count as bytes, not characters: the limit is on bytes.
    const atBudget = '#!/bin/bash\n' + 'é'.repeat(61_434);
    expect(Buffer.byteLength(atBudget)).toBe(122_880);
    const ok = writeOrb({ 'scripts/assume-role-with-oidc.sh': atBudget });
    const over = writeOrb({ 'scripts/assume-role-with-oidc.sh': atBudget + 'x' });
    dirs.push(ok, over);
    expect(checkOrb({ srcDir: ok }).filter((f) => f.rule === 'SIZE')).toEqual([]);
    expect(checkOrb({ srcDir: over, packedText: packOrb(over) })).toEqual([
      { rule: 'SIZE', where: 'dist/orb.yml:/commands/assume-role-with-oidc', message: expect.stringMatching(/122881 bytes, over its budget of 122880 bytes.*only 68 uses fit/) },
    ]);
  });
});
