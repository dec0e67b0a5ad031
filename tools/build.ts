// Build: one minified esbuild bundle per orb command, wrapped in a generated bash script that the orb inlines.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWrapper, HEREDOC_DELIMITER } from './wrapper.ts';

const ENTRIES = 'src/scripts';
const SCRIPTS_OUT = 'src/orb/scripts';
/** Entry points that are not orb commands (the local CLI) are not wrapped. */
const NOT_COMMANDS = new Set(['cli']);

/** Bundles one command; returns the JS text. */
async function bundle(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [entry], bundle: true, platform: 'node', target: 'node18', format: 'cjs',
    minify: true, sourcemap: false, mainFields: ['module', 'main'], write: false, legalComments: 'none', logLevel: 'warning',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}

/** Refuses a bundle the wrapper or the orb packer cannot carry unchanged. */
export function checkBundle(command: string, js: string): void {
  if (js.split('\n').some((line) => line === HEREDOC_DELIMITER)) {
    throw new Error(`${command}: the bundle contains the heredoc delimiter line ${HEREDOC_DELIMITER}`);
  }
  if (js.includes('\\<<')) {
    throw new Error(`${command}: the bundle contains "\\<<", which CircleCI's orb packing cannot round-trip`);
  }
}

async function main(): Promise<void> {
  mkdirSync(SCRIPTS_OUT, { recursive: true });
  const commands = readdirSync(ENTRIES).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((c) => !NOT_COMMANDS.has(c)).sort();
  for (const command of commands) {
    const js = await bundle(join(ENTRIES, `${command}.ts`));
    checkBundle(command, js);
    const script = renderWrapper(command, js);
    writeFileSync(join(SCRIPTS_OUT, `${command}.sh`), script, { mode: 0o644 });
    console.log(`${command}: inlined ${Buffer.byteLength(script)} bytes (bundle ${Buffer.byteLength(js)} bytes)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
