// The generated wrapper, run by bash with a fake HOME: the compressed bundle is unpacked to the exact file and
// run as CommonJS in the same node; later uses reuse the file and V8's code cache, and repair them when damaged.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { HEREDOC_DELIMITER, renderWrapper } from '../../../tools/wrapper.ts';
import { packRuntime } from '../../../tools/loader.ts';
import { checkBundle } from '../../../tools/build.ts';
import { runIn, runInAsync, runWrapper, sandbox } from './wrapper-run.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
/** A job's variables: the code cache is keyed by them (test/unit/tools/loader.test.ts has the rules). */
const JOB = { CIRCLE_WORKFLOW_JOB_ID: 'job-1', CIRCLE_OIDC_TOKEN_V2: 'token-v2' };
const head = (js: string, data: Buffer) => createHmac('sha256', `${JOB.CIRCLE_WORKFLOW_JOB_ID}\n${JOB.CIRCLE_OIDC_TOKEN_V2}\n`)
  .update(`${sha(js)}\n${process.version}\n${process.arch}\n`).update(data).digest('hex');
const OPEN = `<<'${HEREDOC_DELIMITER}'\n`;
/** The script with its heredoc payload replaced (the loader, and so the bundle's hash, unchanged). */
const withPayload = (script: string, payload: string) => script.slice(0, script.indexOf(OPEN) + OPEN.length) + payload + `${HEREDOC_DELIMITER}\n`;
const mode = (f: string) => (statSync(f).mode & 0o777).toString(8);

// A bundle with what a shell, the heredoc or the orb packer could mangle: $, backticks, quotes, \<<, the delimiter line.
const TRICKY = ['const s = `', HEREDOC_DELIMITER, '`;', "const q = 'it\\'s \\\\<< $HOME `x` é ✓';", 'const path = require("path");'].join('\n');
const REPORT = `${TRICKY}
console.log(JSON.stringify({ argv: process.argv.slice(2), argv1: process.argv[1] === __filename, file: __filename,
  dir: __dirname === path.dirname(__filename), main: require.main === module, self: this === exports && module.exports === exports,
  execArgv: process.execArgv, leaked: typeof globalThis.require, env: process.env.AWS_OIDC_RUNTIME === __filename, s, q }));
`;

describe('the wrapper unpacks the bundle and runs it', () => {
  it('writes the exact bundle to ~/.aws-oidc/runtime/<command>.cjs and runs it as that CommonJS module, with empty argv', () => {
    const box = sandbox({ node: null });
    const r = runIn(box, renderWrapper('demo', REPORT));
    expect(r.stderr).toBe('');
    const file = join(box.home, '.aws-oidc', 'runtime', 'demo.cjs');
    expect(JSON.parse(r.stdout)).toEqual({ argv: [], argv1: true, file, dir: true, main: true, self: true, execArgv: [], leaked: 'undefined', env: true,
      s: `\n${HEREDOC_DELIMITER}\n`, q: "it's \\<< $HOME `x` é ✓" });
    expect(readFileSync(file, 'utf8')).toBe(REPORT);
    // Later, run as self-refresh profiles and the docker credential helper do: the loader again, with arguments.
    const loader = /-e '([^']+)' <</.exec(renderWrapper('demo', REPORT))![1]!;
    const later = spawnSync(process.execPath, ['-e', loader, '--', '--credential-helper', 'get'], { encoding: 'utf8', env: { AWS_OIDC_RUNTIME: file } });
    expect(JSON.parse(later.stdout)).toMatchObject({ argv: ['--credential-helper', 'get'], argv1: true, main: true, self: true, execArgv: [] });
  });

  it('carries a bundle far beyond the 128 KiB argv limit, incompressible', () => {
    const js = `const s = ${JSON.stringify(randomBytes(240_000).toString('base64'))}; console.log(s.length)`;
    const script = renderWrapper('big', js);
    expect(packRuntime(js).base64.length).toBeGreaterThan(300_000);
    expect(runWrapper(script, { node: null }).stdout).toBe('320000\n');
  });

  it('leaves the directory 0700 and the runtime and its code cache 0600, whatever the umask', () => {
    const box = sandbox({ node: null });
    const r = runIn(box, `umask 000\n${renderWrapper('rt', 'console.log("ran")')}`, JOB);
    expect(r.stdout).toBe('ran\n');
    const dir = join(box.home, '.aws-oidc', 'runtime');
    expect([mode(dir), mode(join(dir, 'rt.cjs')), mode(join(dir, 'rt.cjs.cache'))]).toEqual(['700', '600', '600']);
    expect(readdirSync(dir).sort()).toEqual(['rt.cjs', 'rt.cjs.cache']);
  });
});

describe('later uses of a command in the job', () => {
  const js = 'console.log("ran", require("path").basename(__filename))';
  const first = () => {
    const box = sandbox({ node: null });
    const script = renderWrapper('again', js);
    expect(runIn(box, script, JOB).stdout).toBe('ran again.cjs\n');
    const dir = join(box.home, '.aws-oidc', 'runtime');
    return { box, script, file: join(dir, 'again.cjs'), cache: join(dir, 'again.cjs.cache') };
  };

  it('reuse the .cjs without decoding the heredoc, and compile from the code cache without rewriting it', () => {
    const { box, script, file, cache } = first();
    const data = readFileSync(cache);
    expect(data.toString('latin1', 0, 64)).toBe(head(js, data.subarray(64)));
    const before = [statSync(file).ino, statSync(cache).ino];
    // The payload is garbage now: this run can only succeed by not reading it.
    expect(runIn(box, withPayload(script, 'AAAA\n'), JOB)).toEqual({ status: 0, stdout: 'ran again.cjs\n', stderr: '' });
    // An accepted cache is not rewritten (a missing, unusable or V8-rejected one would be, through a rename).
    expect([statSync(file).ino, statSync(cache).ino]).toEqual(before);
  });

  it('replace a truncated, damaged, foreign or V8-rejected code cache', () => {
    const { box, script, cache } = first();
    const good = readFileSync(cache);
    const other = new Script('(function(){return 1})').createCachedData();
    // The cache of this very bundle, made by a V8 with other flags (as after a Node change): V8 rejects it.
    const make = 'const vm = require("vm"); process.stdout.write(new vm.Script(require("fs").readFileSync(0, "utf8")).createCachedData().toString("base64"))';
    const made = spawnSync(process.execPath, ['--stack-size=2000', '-e', make], { input: `(function(exports,require,module,__filename,__dirname){\n${js}\n})`, encoding: 'utf8' });
    const rejected = Buffer.from(made.stdout, 'base64');
    expect(new Script(`(function(exports,require,module,__filename,__dirname){\n${js}\n})`, { cachedData: rejected }).cachedDataRejected).toBe(true);
    const damaged = Buffer.from(good);
    damaged.writeUInt8(damaged.readUInt8(damaged.length >> 1) ^ 0xff, damaged.length >> 1);
    const bad = [good.subarray(0, 50), good.subarray(0, good.length - 7), damaged, Buffer.concat([Buffer.from(head('x', other)), other]),
      Buffer.concat([Buffer.from(head(js, rejected)), rejected]), Buffer.alloc(0)];
    for (const b of bad) {
      writeFileSync(cache, b);
      expect(runIn(box, script, JOB)).toEqual({ status: 0, stdout: 'ran again.cjs\n', stderr: '' });
      const now = readFileSync(cache);
      expect(now.equals(b)).toBe(false);
      expect(now.toString('latin1', 0, 64)).toBe(head(js, now.subarray(64)));
    }
  });

  it('restore a damaged or replaced .cjs from the heredoc', () => {
    const { box, script, file } = first();
    for (const b of ['', js.slice(0, 20), 'console.log("not the bundle")']) {
      writeFileSync(file, b);
      expect(runIn(box, script).stdout).toBe('ran again.cjs\n');
      expect(readFileSync(file, 'utf8')).toBe(js);
    }
  });

  it('refuse a damaged heredoc before running anything, and leave no runtime', () => {
    const box = sandbox({ node: null });
    const script = renderWrapper('ecr-login', js);
    const at = script.indexOf(OPEN) + OPEN.length + 40;
    const r = runIn(box, script.slice(0, at) + (script[at] === 'A' ? 'B' : 'A') + script.slice(at + 1));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('aws-oidc/ecr-login: the runtime inlined in this step is damaged');
    expect(readdirSync(join(box.home, '.aws-oidc', 'runtime'))).toEqual([]);
  });

  it('stay whole when steps of one command and of another run at the same time', async () => {
    const box = sandbox({ node: null });
    const a = renderWrapper('one', 'console.log("one")');
    const b = renderWrapper('two', `${TRICKY}\nconsole.log("two")`);
    const runs = await Promise.all([a, b, a, b, a, b, a, b].map((s) => runInAsync(box, s, JOB)));
    expect(runs.map((r) => `${r.status} ${r.stdout}${r.stderr}`)).toEqual(['one', 'two', 'one', 'two', 'one', 'two', 'one', 'two'].map((o) => `0 ${o}\n`));
    const dir = join(box.home, '.aws-oidc', 'runtime');
    expect(readdirSync(dir).sort()).toEqual(['one.cjs', 'one.cjs.cache', 'two.cjs', 'two.cjs.cache']);
    expect(readFileSync(join(dir, 'two.cjs'), 'utf8')).toBe(`${TRICKY}\nconsole.log("two")`);
  });
});

describe('the wrapper\'s Node check', () => {
  it('names the executors that have Node when node is missing', () => {
    const r = runWrapper(renderWrapper('assume-role-with-oidc', 'console.log(1)'), {});
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/aws-oidc\/assume-role-with-oidc: this executor has no 'node' \(Node.js 20 or newer is needed\)/);
    expect(r.stderr).toMatch(/'default' executor \(a cimg\/node image\) or its 'machine' executor/);
  });

  it('refuses a Node older than 20, asking only `node --version` (no second Node start)', () => {
    for (const old of ['v18.20.4', 'v16.20.0']) {
      const box = sandbox({ node: `#!/bin/bash\necho "$*" >> "$HOME/calls"\nif [ "$1" = --version ]; then echo ${old}; fi\n` });
      const r = runIn(box, renderWrapper('x', 'console.log(1)'));
      expect(readFileSync(join(box.home, 'calls'), 'utf8')).toBe('--version\n');
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`Node.js ${old} is too old; 20 or newer is needed`);
      expect(r.stderr).toContain('fix: set install-node (e.g. 22.23.5)');
      expect(r.stdout).toBe('');
    }
  });
});

describe('the build refuses heredoc text the wrapper or the packer could not carry', () => {
  it('refuses the heredoc delimiter on a line of its own', () => {
    expect(() => checkBundle('x', `a\n${HEREDOC_DELIMITER}\nb`)).toThrow(/heredoc delimiter/);
  });
  it('refuses \\<<', () => {
    expect(() => checkBundle('x', 'const a = "\\<<"')).toThrow(/cannot round-trip/);
  });
  it('accepts ordinary << (shifts), which the packer escapes', () => {
    expect(() => checkBundle('x', 'const a = 1 << 3')).not.toThrow();
  });
  it('adds little text around the payload (the budget is 120 KiB a command)', () => {
    const packed = packRuntime('console.log(1)');
    const growth = Buffer.byteLength(renderWrapper('build-and-push', packed)) - packed.base64.length;
    console.log(`wrapper text around the payload: ${growth} bytes`);
    // 6 KB before install-node became POSIX sh with https-only downloads, pins and install records, and the
    // directory checks came in; 12 KB then; the loader's launch mode and keyed code cache added 0.8 KB. At 13 KB
    // a command still fits the budget up to about 79 KB compressed (test/orb/size.test.ts checks the real commands).
    expect(growth).toBeLessThan(13 * 1024);
  });
});
