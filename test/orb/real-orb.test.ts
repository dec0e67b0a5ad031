// The real orb: dist/orb.yml is exactly what the packer makes of src/orb, each command inlines its
// generated script, and every check passes. `npm test` packs first, so both files exist there.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkOrb } from '../../tools/check-orb.ts';
import { walkSteps } from '../../tools/orb/invocation.ts';
import { packOrb } from '../../tools/pack.ts';

const SRC = 'src/orb';
const PACKED = 'dist/orb.yml';
const HOW = `run \`npm run pack\` first (it builds src/orb/scripts/*.sh and writes ${PACKED}); \`npm test\` does this for you`;

function packedText(): string {
  for (const f of [`${SRC}/@orb.yml`, PACKED]) {
    if (!existsSync(f)) expect.fail(`${f} does not exist: ${HOW}`);
  }
  return readFileSync(PACKED, 'utf8');
}

describe('the real orb', () => {
  it(`${PACKED} is exactly packOrb('${SRC}')`, () => {
    expect(packOrb(SRC) === packedText(), `${PACKED} is stale: ${HOW}`).toBe(true);
  });

  it('inlines each command\'s generated script, with << escaped', () => {
    const commands = (parse(packedText()) as { commands?: Record<string, { steps?: unknown }> }).commands ?? {};
    expect(Object.keys(commands).length).toBeGreaterThan(0);
    for (const [name, body] of Object.entries(commands)) {
      // The script the command's source includes (create-manifest-list shares build-and-push's runtime).
      const included = /<<include\((scripts\/[\w.-]+\.sh)\)>>/.exec(readFileSync(`${SRC}/commands/${name}.yml`, 'utf8'))?.[1];
      expect(included, `command ${name} includes no script`).toBeDefined();
      const script = `${SRC}/${included ?? ''}`;
      if (!existsSync(script)) expect.fail(`${script} does not exist: ${HOW}`);
      const inlined: string[] = [];
      walkSteps(body.steps, [], (s) => {
        if (s.name === 'run' && typeof s.args['command'] === 'string') inlined.push(s.args['command']);
      });
      expect(inlined, `command ${name}`).toContain(readFileSync(script, 'utf8').replaceAll('<<', '\\<<'));
    }
  });

  it('passes every orb check', () => {
    expect(checkOrb({ srcDir: SRC, packedText: packedText(), packedWhere: PACKED })).toEqual([]);
  });
});
