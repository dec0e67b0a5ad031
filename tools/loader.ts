// How a command's bundle travels inside its wrapper: brotli-compressed and base64-encoded in the heredoc,
// and the small loader that `node -e` runs to unpack it into ~/.aws-oidc/runtime/<command>.cjs and run it
// in the same process, with a V8 code cache beside it for later uses of the command in the job.
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants } from 'node:zlib';
import { buildSync, transformSync } from 'esbuild';

/** A bundle ready for the wrapper: the exact JS, its SHA-256, the compressed bytes and their base64 lines. */
export interface PackedRuntime {
  js: string;
  /** Hex SHA-256 of the UTF-8 bundle: the loader checks the unpacked file and the code cache against it. */
  sha256: string;
  compressed: Buffer;
  /** The compressed bytes in base64, 76 characters a line, with a final newline. */
  base64: string;
}

/** Base64 line length: the MIME width, so the inlined YAML stays readable. */
export const BASE64_COLUMNS = 76;

/**
 * Compresses a bundle with brotli at its densest setting: quality 11, the largest standard window
 * (24 bits, more than any bundle needs; brotli's non-standard "large window" mode gains nothing at
 * this size and needs a matching decoder flag), text mode and the size hint.
 */
export function packRuntime(js: string): PackedRuntime {
  const bytes = Buffer.from(js, 'utf8');
  const compressed = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  const text = compressed.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += BASE64_COLUMNS) lines.push(text.slice(i, i + BASE64_COLUMNS));
  return { js, sha256: createHash('sha256').update(bytes).digest('hex'), compressed, base64: lines.map((l) => `${l}\n`).join('') };
}

const HASH_MARK = '__AWS_OIDC_BUNDLE_SHA256__';
const COMMAND_MARK = '__AWS_OIDC_COMMAND__';

/**
 * The loader's source. In a block, so none of its names reach the global scope the bundle sees. Steps:
 * 1. the runtime directory is made 0700 (its parents by the umask, as before); `<command>.cjs` is used
 *    when its SHA-256 is the bundle's, else stdin (the heredoc) is decoded, decompressed, checked and
 *    written 0600 (temp file + rename);
 * 2. `<command>.cjs.cache` is V8's code cache for it, headed by the bundle's and its own SHA-256, so a
 *    cache of another bundle or a damaged one is never handed to V8 (V8 itself checks little more than
 *    the source length); without a usable cache, or when V8 rejects it, a new one is written at exit;
 * 3. the bundle runs as the CommonJS module `<command>.cjs` would: its own `require`, `module`,
 *    `exports`, `__filename`, `__dirname`, the `process.argv` of `node <file>` and no `-e` leftovers.
 * A `vm.Script` has no dynamic `import()` of its own (Node's fallback for it warns that it is
 * experimental, and on Node 20 it is lost when the script comes from the code cache): see dynamicImports.
 */
const LOADER_SOURCE = `{
const fs = require("fs"), path = require("path"), vm = require("vm");
const Module = require("module"), crypto = require("crypto");
const HASH = "${HASH_MARK}", file = process.env.AWS_OIDC_RUNTIME, dir = path.dirname(file), cacheFile = file + ".cache";
const sha = (b) => crypto.createHash("sha256").update(b).digest("hex");
const read = (f) => { try { return fs.readFileSync(f); } catch { return undefined; } };
const put = (f, data) => {
  const tmp = f + ".tmp." + process.pid;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, data, { mode: 0o600, flag: "wx" });
  fs.renameSync(tmp, f);
};
fs.mkdirSync(dir, { recursive: true });
fs.chmodSync(dir, 0o700);
let src = read(file);
if (!src || sha(src) !== HASH) {
  try { src = require("zlib").brotliDecompressSync(Buffer.from(fs.readFileSync(0, "latin1"), "base64")); } catch { src = undefined; }
  if (!src || sha(src) !== HASH) {
    console.error("aws-oidc/${COMMAND_MARK}: the runtime inlined in this step is damaged (SHA-256 mismatch).");
    console.error("  fix: use the orb as published, unedited.");
    process.exit(1);
  }
  put(file, src);
}
let cache = read(cacheFile);
cache = cache && cache.length > 128 && cache.toString("latin1", 0, 128) === HASH + sha(cache.subarray(128)) ? cache.subarray(128) : undefined;
const script = new vm.Script("(function(exports,require,module,__filename,__dirname){\\n" + src.toString() + "\\n})", {
  filename: file, lineOffset: -1, cachedData: cache,
});
if (!cache || script.cachedDataRejected) {
  process.once("exit", () => {
    try { const data = script.createCachedData(); put(cacheFile, Buffer.concat([Buffer.from(HASH + sha(data)), data])); } catch {}
  });
}
const mod = new Module(file, null), req = Module.createRequire(file);
mod.filename = file;
mod.paths = Module._nodeModulePaths(dir);
req.main = mod;
req.cache[file] = mod;
for (const name of ["require", "module", "exports", "__filename", "__dirname"]) delete globalThis[name];
process.argv = [process.execPath, file];
process.execArgv = [];
script.runInThisContext().call(mod.exports, mod.exports, req, mod, file, dir);
mod.loaded = true;
}`;

let minified: string | undefined;

/** The loader that `node -e` runs for one command (minified; it goes between single quotes in bash, so it has none). */
export function loaderScript(command: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256) || !/^[a-z0-9-]+$/.test(command)) throw new Error(`bad loader inputs: ${command} ${sha256}`);
  minified ??= transformSync(LOADER_SOURCE, { minify: true, target: 'node20', loader: 'js' }).code.trim();
  if (minified.split(HASH_MARK).length !== 2 || minified.split(COMMAND_MARK).length !== 2) throw new Error('the minified loader lost a placeholder');
  return minified.replace(HASH_MARK, sha256).replace(COMMAND_MARK, command);
}

/**
 * The specifiers of the dynamic `import()` calls left in a bundle (esbuild's own parse, so strings and
 * comments do not count). The loader cannot run them: the bundle must be built with esbuild's
 * `supported: { 'dynamic-import': false }`, which turns each into a `require` wrapped in a promise.
 */
export function dynamicImports(js: string): string[] {
  const out = buildSync({
    stdin: { contents: js, loader: 'js' }, bundle: true, external: ['*'], platform: 'node', format: 'cjs',
    write: false, metafile: true, logLevel: 'silent',
  });
  return Object.values(out.metafile.inputs).flatMap((input) => input.imports).filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
}
