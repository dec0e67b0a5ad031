import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEREDOC_DELIMITER, renderWrapper } from '../../../tools/wrapper.ts';
import { checkBundle } from '../../../tools/build.ts';

/** Runs a wrapper with PATH limited to `bin` (which gets bash and the given extra programs). */
function runWrapper(script: string, programs: Record<string, string | null>): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wrapper-'));
  const bin = join(dir, 'bin');
  spawnSync('mkdir', [bin]);
  for (const tool of ['bash', 'mkdir', 'chmod', 'cat', 'mv']) symlinkSync(`/bin/${tool}`, join(bin, tool));
  for (const [name, body] of Object.entries(programs)) {
    if (body === null) symlinkSync(process.execPath, join(bin, name));
    else { writeFileSync(join(bin, name), body); chmodSync(join(bin, name), 0o755); }
  }
  const file = join(dir, 'step.sh');
  writeFileSync(file, script);
  const r = spawnSync('/bin/bash', ['-eo', 'pipefail', file], { env: { PATH: bin, HOME: dir }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bash wrapper', () => {
  it('runs the bundle through a quoted heredoc, so $ and backticks in the JS stay literal', () => {
    const js = 'console.log(`$HOME ${1+1} \\`x\\``)';
    const r = runWrapper(renderWrapper('demo', js), { node: null });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('$HOME 2 `x`\n');
  });

  it('carries a bundle far larger than the 128 KiB argv limit', () => {
    const js = `const s = ${JSON.stringify('x'.repeat(300_000))}; console.log(s.length)`;
    const r = runWrapper(renderWrapper('big', js), { node: null });
    expect(r.stdout).toBe('300000\n');
  });

  it('leaves the runtime in the home, readable by the owner only, and tells the JS where it is', () => {
    const r = runWrapper(renderWrapper('rt', 'const fs = require("fs"); const p = process.env.AWS_OIDC_RUNTIME; console.log(p.endsWith("/.aws-oidc/runtime/rt.cjs"), (fs.statSync(p).mode & 0o777).toString(8), fs.readFileSync(p, "utf8").startsWith("const fs"))'), { node: null });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('true 600 true\n');
  });

  it('names the executors that have Node when node is missing', () => {
    const r = runWrapper(renderWrapper('assume-role-with-oidc', 'console.log(1)'), {});
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/aws-oidc\/assume-role-with-oidc: this executor has no 'node'/);
    expect(r.stderr).toMatch(/'default' executor \(a cimg\/node image\) or its 'machine' executor/);
  });

  it('refuses a Node older than 18', () => {
    const fakeNode = '#!/bin/bash\nif [ "$1" = -p ]; then echo 16; else echo v16.20.0; fi\n';
    const r = runWrapper(renderWrapper('x', 'console.log(1)'), { node: fakeNode });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Node.js v16.20.0 is too old; 18 or newer is needed/);
    expect(r.stdout).toBe('');
  });
});

describe('the build refuses bundles the wrapper or the packer could not carry', () => {
  it('refuses the heredoc delimiter on a line of its own', () => {
    expect(() => checkBundle('x', `a\n${HEREDOC_DELIMITER}\nb`)).toThrow(/heredoc delimiter/);
  });
  it('refuses \\<<', () => {
    expect(() => checkBundle('x', 'const a = "\\<<"')).toThrow(/cannot round-trip/);
  });
  it('accepts ordinary << (shifts), which the packer escapes', () => {
    expect(() => checkBundle('x', 'const a = 1 << 3')).not.toThrow();
  });
});
