// How a command's bundle travels inside its wrapper: brotli-compressed and base64-encoded in the heredoc,
// and the small loader that `node -e` runs to unpack it into ~/.aws-oidc/runtime/<command>.cjs and run it
// in the same process, with a V8 code cache beside it for later uses of the command in the job. The docker
// credential helper and self-refresh's credential_process run the same loader again (src/lib/launch.ts).
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
/** Where the loader leaves its own text for the runtime, which writes it into launchers (src/lib/launch.ts reads it). */
export const LOADER_GLOBAL = 'aws-oidc.loader';

/**
 * The loader's source. In a block, so none of its names reach the global scope the bundle sees. Two modes:
 * - step (no arguments after `-e`, the heredoc on stdin): the runtime directory is made 0700 (its parents by
 *   the umask, as before); `<command>.cjs` is used when its SHA-256 is the bundle's, else stdin is decoded,
 *   decompressed, checked and written 0600 (temp file + rename);
 * - launch (arguments after `-e ... --`: the docker credential helper and self-refresh's credential_process
 *   run this same text, src/lib/launch.ts): ~/.aws-oidc and its runtime directory must be this user's and
 *   not group/other-writable, and `<command>.cjs` must have the bundle's SHA-256; else one line, exit 1
 *   (on stdout for the credential helper, where docker reads refusals), and stdin is never read.
 * Then `<command>.cjs.cache` is V8's code cache for it, headed by an HMAC-SHA256 of the bundle's SHA-256,
 * the Node version and architecture, and the cache bytes. Its key is the job's: CIRCLE_WORKFLOW_JOB_ID and
 * the job's OIDC tokens, which a restored cache or workspace cannot know, so a planted cache (V8 itself
 * checks little more than the source length) is never handed to V8; without them no cache is used. A
 * missing, refused or V8-rejected cache is written anew at exit. The bundle runs as the CommonJS module
 * `<command>.cjs` would: its own `require`, `module`, `exports`, `__filename`, `__dirname`, the
 * `process.argv` of `node <file> <arguments>` and no `-e` leftovers. The loader's text has no newline, no
 * single quote and no `;`/`#` after a blank, so it fits between single quotes on a config-file line.
 * A `vm.Script` has no dynamic `import()` of its own (Node's fallback for it warns that it is
 * experimental, and on Node 20 it is lost when the script comes from the code cache): see dynamicImports.
 */
const LOADER_SOURCE = `{
const fs = require("fs"), path = require("path"), vm = require("vm");
const Module = require("module"), crypto = require("crypto");
const HASH = "${HASH_MARK}", env = process.env, file = env.AWS_OIDC_RUNTIME, dir = path.dirname(file), cacheFile = file + ".cache";
const args = process.argv.slice(1), launched = args.length > 0, NL = Buffer.from([10]).toString();
const AGAIN = ", so nothing is run: run the step that set it up again after what changed ~/.aws-oidc";
const sha = (b) => crypto.createHash("sha256").update(b).digest("hex");
const read = (f) => { try { return fs.readFileSync(f); } catch { return undefined; } };
const put = (f, data) => {
  const tmp = f + ".tmp." + process.pid;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, data, { mode: 0o600, flag: "wx" });
  fs.renameSync(tmp, f);
};
const refuse = (...lines) => {
  (args[0] === "--credential-helper" ? process.stdout : process.stderr).write("aws-oidc/${COMMAND_MARK}: " + lines.join(NL + "  ") + NL);
  process.exit(1);
};
globalThis[Symbol.for("${LOADER_GLOBAL}")] = process.execArgv[process.execArgv.indexOf("-e") + 1];
if (launched) {
  for (const d of [path.dirname(dir), dir]) {
    const s = fs.statSync(d, { throwIfNoEntry: false });
    if (s && (s.uid !== process.getuid() || s.mode & 0o22)) refuse(d + " belongs to another user or others may write to it" + AGAIN);
  }
} else {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o700);
}
let src = read(file);
if (!src || sha(src) !== HASH) {
  if (launched) refuse(file + (src ? " was changed (SHA-256 mismatch)" : " is missing") + AGAIN);
  try { src = require("zlib").brotliDecompressSync(Buffer.from(fs.readFileSync(0, "latin1"), "base64")); } catch { src = undefined; }
  if (!src || sha(src) !== HASH) refuse("the runtime inlined in this step is damaged (SHA-256 mismatch).", "fix: use the orb as published, unedited.");
  put(file, src);
}
const key = [env.CIRCLE_WORKFLOW_JOB_ID, env.CIRCLE_OIDC_TOKEN_V2, env.CIRCLE_OIDC_TOKEN].join(NL);
const mac = key.length > 2 && ((b) => crypto.createHmac("sha256", key).update([HASH, process.version, process.arch, ""].join(NL)).update(b).digest("hex"));
let cache = mac && read(cacheFile);
cache = cache && cache.length > 64 && cache.toString("latin1", 0, 64) === mac(cache.subarray(64)) ? cache.subarray(64) : undefined;
const script = new vm.Script("(function(exports,require,module,__filename,__dirname){" + NL + src.toString() + NL + "})", {
  filename: file, lineOffset: -1, cachedData: cache,
});
if (mac && (!cache || script.cachedDataRejected)) {
  process.once("exit", () => {
    try { const data = script.createCachedData(); put(cacheFile, Buffer.concat([Buffer.from(mac(data)), data])); } catch {}
  });
}
const mod = new Module(file, null), req = Module.createRequire(file);
mod.filename = file;
mod.paths = Module._nodeModulePaths(dir);
req.main = mod;
req.cache[file] = mod;
for (const name of ["require", "module", "exports", "__filename", "__dirname"]) delete globalThis[name];
process.argv = [process.execPath, file, ...args];
process.execArgv = [];
script.runInThisContext().call(mod.exports, mod.exports, req, mod, file, dir);
mod.loaded = true;
}`;

let minified: string | undefined;

/** The loader that `node -e` runs for one command, and its launchers later (minified, one line; it goes between single quotes in sh, so it has none). */
export function loaderScript(command: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256) || !/^[a-z0-9-]+$/.test(command)) throw new Error(`bad loader inputs: ${command} ${sha256}`);
  minified ??= transformSync(LOADER_SOURCE, { minify: true, target: 'node20', loader: 'js' }).code.trim();
  if (minified.split(HASH_MARK).length !== 2 || minified.split(COMMAND_MARK).length !== 2) throw new Error('the minified loader lost a placeholder');
  // Launchers put it between single quotes on one line of ~/.aws/config, where the SDKs read ' ;' and ' #' as comments.
  if (/['\r\n]|\s[;#]/.test(minified)) throw new Error('the minified loader has a quote, a line break or a comment mark');
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
