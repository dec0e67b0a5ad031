// Build: one minified esbuild bundle per orb command, compressed and wrapped in a generated bash script that the
// orb inlines (tools/wrapper.ts, tools/loader.ts), and the local CLI bundled on its own to dist/cli.cjs
// (package.json's bin), neither wrapped nor inlined.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packRuntime } from './loader.ts';
import { checkBundle, renderWrapper } from './wrapper.ts';

export { checkBundle };

const ENTRIES = 'src/scripts';
const SCRIPTS_OUT = 'src/orb/scripts';
/** Entry points that are not orb commands (the local CLI) are not wrapped. */
const NOT_COMMANDS = new Set(['cli']);
const CLI_ENTRY = join(ENTRIES, 'cli.ts');
const CLI_OUT = 'dist/cli.cjs';

/** Bundles one command; returns the JS text. */
async function bundle(entry: string, banner?: string): Promise<string> {
  const out = await build({
    ...(banner === undefined ? {} : { banner: { js: banner } }),
    entryPoints: [entry], bundle: true, platform: 'node', target: 'node18', format: 'cjs',
    minify: true, sourcemap: false, mainFields: ['module', 'main'], write: false, legalComments: 'none', logLevel: 'warning',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}

async function main(): Promise<void> {
  mkdirSync(SCRIPTS_OUT, { recursive: true });
  const commands = readdirSync(ENTRIES).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((c) => !NOT_COMMANDS.has(c)).sort();
  for (const command of commands) {
    const packed = packRuntime(await bundle(join(ENTRIES, `${command}.ts`)));
    const script = renderWrapper(command, packed);
    writeFileSync(join(SCRIPTS_OUT, `${command}.sh`), script, { mode: 0o644 });
    // Inlined as the packer leaves it: every << escaped to \<<.
    const inlined = Buffer.byteLength(script.replaceAll('<<', '\\<<'));
    console.log(`${command}: inlined ${inlined} bytes (bundle ${Buffer.byteLength(packed.js)} bytes minified, ${packed.compressed.length} compressed)`);
  }
  // The shebang comes from the banner (not the entry) so `npx aws-oidc` can exec the file directly.
  const cli = await bundle(CLI_ENTRY, '#!/usr/bin/env node');
  mkdirSync('dist', { recursive: true });
  writeFileSync(CLI_OUT, cli, { mode: 0o755 });
  chmodSync(CLI_OUT, 0o755); // writeFileSync's mode applies only when it creates the file
  console.log(`cli: ${CLI_OUT} ${Buffer.byteLength(cli)} bytes`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
