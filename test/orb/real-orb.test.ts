// The real orb: dist/orb.yml is byte for byte what a second build and pack of the sources make in a
// temporary copy (the scripts bundled anew from src/scripts/*.ts, not read from src/orb/scripts), each
// command inlines its generated script, and every check passes. `npm test` packs first, so there the
// first check says the build is reproducible (no path, time or order of this checkout in the output);
// run on its own after an edit, it says that dist/orb.yml is stale.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bundle } from '../../tools/build.ts';
import { checkOrb } from '../../tools/check-orb.ts';
import { packRuntime } from '../../tools/loader.ts';
import { walkSteps } from '../../tools/orb/invocation.ts';
import { packOrb } from '../../tools/pack.ts';
import { renderWrapper } from '../../tools/wrapper.ts';

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
  it(`${PACKED} is what a fresh build and pack of the sources make in a temporary copy of ${SRC}`, async () => {
    const packed = packedText();
    const dir = mkdtempSync(join(tmpdir(), 'orb-fresh-'));
    try {
      // The YAML sources as they are; the scripts made anew from the TypeScript entries, as tools/build.ts makes them.
      cpSync(SRC, join(dir, 'orb'), { recursive: true, filter: (f) => resolve(f) !== resolve(SRC, 'scripts') });
      mkdirSync(join(dir, 'orb', 'scripts'));
      const entries = readdirSync('src/scripts').filter((f) => f.endsWith('.ts') && f !== 'cli.ts');
      expect(entries.length).toBeGreaterThan(0);
      for (const f of entries) {
        const command = f.slice(0, -3);
        writeFileSync(join(dir, 'orb', 'scripts', `${command}.sh`), renderWrapper(command, packRuntime(await bundle(join('src/scripts', f)))));
      }
      expect(packOrb(join(dir, 'orb')) === packed, `${PACKED} is not what the sources build and pack to: ${HOW}`).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
