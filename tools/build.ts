// Build: one minified esbuild bundle per orb command, compressed and wrapped in a generated bash script that the
// orb inlines (tools/wrapper.ts, tools/loader.ts), and the local CLI bundled on its own to dist/cli.cjs
// (package.json's bin), neither wrapped nor inlined.
import { build, type Plugin } from 'esbuild';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packRuntime } from './loader.ts';
import { inlinedBytes } from './orb/size.ts';
import { checkBundle, renderWrapper } from './wrapper.ts';

export { checkBundle };

const ENTRIES = 'src/scripts';
const SCRIPTS_OUT = 'src/orb/scripts';
/** Entry points that are not orb commands (the local CLI) are not wrapped. */
const NOT_COMMANDS = new Set(['cli']);
const CLI_ENTRY = join(ENTRIES, 'cli.ts');
const CLI_OUT = 'dist/cli.cjs';

/**
 * Parts of the AWS SDK the orb never uses, replaced by a module whose every export throws a clear error:
 * credentials are always passed explicitly (no default chain), and profiles resolve with static keys,
 * credential_process, source_profile and web_identity_token_file, whose role assumptions go through the
 * project's own STS client. SSO, console-login, instance and container metadata profiles are not served.
 */
export const TRIMMED_MODULES: Readonly<Record<string, { exports: string[]; why: string }>> = {
  '@aws-sdk/credential-provider-node': { exports: ['defaultProvider'], why: 'the orb passes credentials explicitly; the default credential chain is not bundled' },
  '@aws-sdk/nested-clients/sts': { exports: ['getDefaultRoleAssumer', 'getDefaultRoleAssumerWithWebIdentity'], why: 'role assumptions in profiles use the orb\'s STS client' },
  '@aws-sdk/credential-provider-sso': { exports: ['fromSSO'], why: 'SSO profiles are not supported in the orb\'s steps; use keys, credential_process or role_arn with source_profile' },
  '@aws-sdk/credential-provider-login': { exports: ['fromLoginCredentials'], why: 'console-login profiles are not supported in the orb\'s steps' },
  '@smithy/credential-provider-imds': { exports: ['fromContainerMetadata', 'fromInstanceMetadata'], why: 'credential_source Ec2InstanceMetadata/EcsContainer is not supported in the orb\'s steps' },
  '@smithy/core/event-streams': { exports: ['EventStreamSerde', 'eventStreamSerdeProvider'], why: 'no STS or ECR operation the orb calls streams events' },
  '@aws-sdk/credential-provider-http': { exports: ['fromHttp'], why: 'credential_source EcsContainer is not supported in the orb\'s steps' },
};

/**
 * The SDK's notice that its releases after January 2027 will need Node 22. The bundles pin one SDK
 * release, which supports Node 20; what a user must know about Node is the wrapper's own check (its
 * minimum is MIN_NODE_MAJOR). Left in, the notice would land in the docker credential helper's and
 * credential_process's output, which docker and the AWS CLI read.
 */
const SDK_NODE_NOTICE = /@aws-sdk[\\/]core[\\/]dist-es[\\/]submodules[\\/]client[\\/]emitWarningIfUnsupportedVersion\.js$/;

/**
 * `debug`, which the proxy agents log through: its output is switched on by DEBUG=..., which a job may set
 * for its own tools, and it would print proxy URLs; the steps log the proxy themselves. A logger that is
 * always off, and 10 KB less per command.
 */
const SILENT_DEBUG = 'export default function createDebug() { const log = () => {}; log.enabled = false; return log; }';

/**
 * An SDK client's own package.json, which its runtime config imports whole (`import packageInfo from
 * "../package.json"`) for one field: `version`, in the User-Agent header. The rest (description, scripts,
 * dependency lists) is 2 KB per client in every bundle that has it.
 */
const SDK_CLIENT_PACKAGE = /[\\/]node_modules[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]package\.json$/;

/**
 * The esbuild plugin that swaps TRIMMED_MODULES for throwing stubs, silences `debug`, drops the SDK's
 * future-Node notice and keeps only the version of an SDK client's package.json.
 */
export const trimSdk: Plugin = {
  name: 'trim-sdk',
  setup(b) {
    b.onLoad({ filter: SDK_CLIENT_PACKAGE }, (args) => ({
      contents: JSON.stringify({ version: (JSON.parse(readFileSync(args.path, 'utf8')) as { version: string }).version }), loader: 'json',
    }));
    b.onResolve({ filter: /^debug$/ }, () => ({ path: 'debug', namespace: 'silent' }));
    b.onLoad({ filter: /.*/, namespace: 'silent' }, () => ({ contents: SILENT_DEBUG, loader: 'js' }));
    b.onLoad({ filter: SDK_NODE_NOTICE }, () => ({
      contents: 'export const state = { warningEmitted: true };\nexport const emitWarningIfUnsupportedVersion = () => {};', loader: 'js',
    }));
    const names = Object.keys(TRIMMED_MODULES).map((m) => m.replace(/[/.@-]/g, '\\$&'));
    b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'trimmed' }));
    b.onLoad({ filter: /.*/, namespace: 'trimmed' }, (args) => {
      const t = TRIMMED_MODULES[args.path] as { exports: string[]; why: string };
      const fail = `() => { throw new Error(${JSON.stringify(`${args.path} is not in the orb's runtime: ${t.why}`)}); }`;
      return { contents: t.exports.map((e) => `export const ${e} = ${fail};`).join('\n'), loader: 'js' };
    });
  },
};

/**
 * yargs' ES module build takes cliui's ES module build, whose help text wraps every N characters, cutting
 * words and flags in two (`--t` / `oken-file`); cliui's CommonJS build wraps at word boundaries (wrap-ansi).
 * The CLI's bundle takes that one, so `--help` on a terminal breaks lines between words only.
 */
export const wordWrappedHelp: Plugin = {
  name: 'word-wrapped-help',
  setup(b) {
    const cjs = createRequire(import.meta.url).resolve('cliui');
    b.onResolve({ filter: /^cliui$/ }, () => ({ path: cjs }));
  },
};

/** The package's version (package.json), which `aws-oidc --version` prints: the CLI's bundle has it as the constant AWS_OIDC_VERSION. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
}

/** What only the CLI's bundle gets: a first line, constants, and plugins besides trimSdk. */
export interface BundleExtras { banner?: string; define?: Record<string, string>; plugins?: Plugin[] }

/** Bundles one command; returns the JS text. */
export async function bundle(entry: string, extras: BundleExtras = {}): Promise<string> {
  const { banner, define = {}, plugins = [] } = extras;
  const out = await build({
    ...(banner === undefined ? {} : { banner: { js: banner } }),
    define,
    entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', plugins: [trimSdk, ...plugins],
    // import() becomes require(): the loader runs bundles through vm.Script, which has no dynamic-import hook (tools/loader.ts).
    supported: { 'dynamic-import': false },
    minify: true, sourcemap: false, mainFields: ['module', 'main'], write: false, legalComments: 'none', logLevel: 'warning',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}

/** `--quiet` (npm pack's prepack): no size lines on stdout, where `npm pack --json` writes its JSON. Failures still go to stderr. */
const report = process.argv.includes('--quiet') ? () => {} : (line: string) => console.log(line);

async function main(): Promise<void> {
  mkdirSync(SCRIPTS_OUT, { recursive: true });
  const commands = readdirSync(ENTRIES).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((c) => !NOT_COMMANDS.has(c)).sort();
  for (const command of commands) {
    const packed = packRuntime(await bundle(join(ENTRIES, `${command}.ts`)));
    const script = renderWrapper(command, packed);
    writeFileSync(join(SCRIPTS_OUT, `${command}.sh`), script, { mode: 0o644 });
    const inlined = inlinedBytes(script);
    report(`${command}: inlined ${inlined} bytes (bundle ${Buffer.byteLength(packed.js)} bytes minified, ${packed.compressed.length} compressed)`);
  }
  // The shebang comes from the banner (not the entry) so `npx aws-oidc` can exec the file directly.
  const cli = await bundle(CLI_ENTRY, {
    banner: '#!/usr/bin/env node', define: { AWS_OIDC_VERSION: JSON.stringify(packageVersion()) }, plugins: [wordWrappedHelp],
  });
  mkdirSync('dist', { recursive: true });
  writeFileSync(CLI_OUT, cli, { mode: 0o755 });
  chmodSync(CLI_OUT, 0o755); // writeFileSync's mode applies only when it creates the file
  report(`cli: ${CLI_OUT} ${Buffer.byteLength(cli)} bytes`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
