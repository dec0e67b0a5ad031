// docs/parameters.md is generated from the orb source (tools/docs.ts): it must be exactly what the
// generator writes now, and it must name every parameter of every command, job and executor.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cell, defaultCell, renderParameters, typeCell } from '../../tools/docs.ts';
import { buildModel } from '../../tools/orb/model.ts';
import { loadOrbSource } from '../../tools/orb/source.ts';

const SRC = 'src/orb';

describe('docs/parameters.md', () => {
  it('is what the generator produces from src/orb (else: run npm run docs)', () => {
    const onDisk = readFileSync('docs/parameters.md', 'utf8');
    const generated = renderParameters(SRC);
    if (onDisk !== generated) {
      const a = onDisk.split('\n');
      const b = generated.split('\n');
      const i = a.findIndex((line, n) => line !== b[n]);
      expect.fail(`docs/parameters.md differs from the orb source at line ${i + 1}: run npm run docs\n  file:      ${a[i] ?? '(end)'}\n  generated: ${b[i] ?? '(end)'}`);
    }
    expect(onDisk).toBe(generated);
  });

  it('has a section per command, job and executor and a row per parameter, with its default', () => {
    const text = readFileSync('docs/parameters.md', 'utf8');
    const model = buildModel(loadOrbSource(SRC));
    let rows = 0;
    for (const kind of ['commands', 'jobs', 'executors'] as const) {
      for (const c of model.byKind[kind].values()) {
        const start = text.indexOf(`### \`${c.name}\``, text.indexOf(`## ${kind[0]!.toUpperCase()}${kind.slice(1)}`));
        expect(start, `${kind}/${c.name}`).toBeGreaterThan(0);
        const end = text.indexOf('\n### ', start + 1);
        const body = text.slice(start, end === -1 ? undefined : end);
        for (const [name, def] of Object.entries(c.params)) {
          expect(body, `${kind}/${c.name} ${name}`).toContain(`| \`${name}\` | ${typeCell(def)} | ${defaultCell(def)} |`);
          rows += 1;
        }
      }
    }
    console.log(`docs/parameters.md: ${model.byKind.commands.size + model.byKind.jobs.size + model.byKind.executors.size} components, ${rows} parameter rows checked`);
    expect(rows).toBeGreaterThan(50);
  });

  it('drifts when the source changes: a new parameter shows up in the generated text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-src-'));
    cpSync(SRC, dir, { recursive: true });
    const file = join(dir, 'commands/ecr-login.yml');
    const cmd = parse(readFileSync(file, 'utf8')) as { parameters: Record<string, object> };
    cmd.parameters['brand-new'] = { type: 'string', default: '', description: 'A parameter | with a pipe and <angle> brackets.' };
    writeFileSync(file, JSON.stringify(cmd));
    const changed = renderParameters(dir);
    expect(changed).not.toBe(renderParameters(SRC));
    expect(changed).toContain('| `brand-new` | string | (empty) | A parameter \\| with a pipe and &lt;angle&gt; brackets. |');
  });

  it('cells: folded text on one line, pipes escaped, code spans kept as written', () => {
    expect(cell('one\n  two | three `<x>` <y>')).toBe('one two \\| three `<x>` &lt;y&gt;');
    expect(defaultCell({ type: 'string' })).toBe('(required)');
    expect(defaultCell({ type: 'steps', default: [] })).toBe('`[]`');
    expect(typeCell({ type: 'enum', enum: ['a', 'b'] })).toBe('enum: `a`, `b`');
  });
});
