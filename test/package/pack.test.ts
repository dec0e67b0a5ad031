// The npm package as `npm pack` makes it: the bundled CLI, the changelog and the readme, nothing else,
// and the packed CLI runs on its own (everything is bundled: no runtime dependency to install).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { builtinModules } from 'node:module';
import { execa } from 'execa';

interface PackEntry { path: string; size: number; mode: number }
interface PackInfo { name: string; version: string; filename: string; files: PackEntry[] }

const ROOT = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'npm-pack-'));
let info: PackInfo;

beforeAll(async () => {
  const build = await execa('npm', ['run', 'build', '--silent'], { cwd: ROOT, reject: false });
  expect(build.exitCode, build.stderr).toBe(0);
  const dry = await execa('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT });
  [info] = JSON.parse(dry.stdout) as [PackInfo];
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack', () => {
  it('has a semver version, the same as the changelog\'s newest release', () => {
    expect(info.name).toBe('aws-oidc');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(readFileSync('CHANGELOG.md', 'utf8')).toMatch(new RegExp(`^## ${info.version.replace(/\./g, '\\.')} - \\d{4}-\\d{2}-\\d{2}$`, 'm'));
  });

  it('ships exactly the CLI (executable), the changelog, the readme, the licence if any and package.json', () => {
    const paths = info.files.map((f) => f.path).sort();
    const expected = ['CHANGELOG.md', 'README.md', 'dist/cli.cjs', 'package.json', ...(existsSync('LICENSE') ? ['LICENSE'] : [])].sort();
    expect(paths).toEqual(expected);
    expect((info.files.find((f) => f.path === 'dist/cli.cjs')?.mode ?? 0) & 0o111).not.toBe(0);
    console.log(`package: ${paths.join(', ')} (${info.files.reduce((n, f) => n + f.size, 0)} bytes unpacked)`);
  });

  it('ships no sources, tests, keys or environment files', () => {
    for (const f of info.files) expect(f.path).not.toMatch(/^(src|test|tools|node_modules)\/|\.env|\.pem$|\.key$|credentials|token/i);
  });

  it('the CLI needs nothing but Node\'s own modules (all of yargs is bundled)', () => {
    // A require( right after "[" is the SDK's advice text inside an error message, not a call.
    const requires = [...readFileSync('dist/cli.cjs', 'utf8').matchAll(/(?<!\[)require\("([^"]+)"\)/g)].map((m) => m[1] as string);
    expect(requires.length).toBeGreaterThan(0);
    const foreign = requires.filter((r) => !r.startsWith('node:') && !builtinModules.includes(r));
    expect(foreign).toEqual([]);
  });
});

describe('the packed tarball', () => {
  it('installs offline and runs `aws-oidc --help`, or when npm cannot install offline, runs unpacked', async () => {
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
    const tgz = join(work, (JSON.parse(packed.stdout) as [PackInfo])[0].filename);
    const app = join(work, 'app');
    await execa('mkdir', ['-p', app]);
    await execa('npm', ['init', '-y'], { cwd: app });
    const install = await execa('npm', ['install', '--offline', '--no-audit', '--no-fund', tgz], { cwd: app, reject: false });
    let cli: string[];
    if (install.exitCode === 0) {
      cli = [join(app, 'node_modules', '.bin', 'aws-oidc')];
      console.log('installed the tarball with npm install --offline; running node_modules/.bin/aws-oidc');
    } else {
      // npm resolves the declared dependency (yargs) even though the bundle does not need it; without a registry that fails.
      console.log(`npm install --offline failed (${install.stderr.split('\n').find((l) => /npm (error|ERR!) code/.test(l)) ?? `exit ${install.exitCode}`}); running the unpacked package instead`);
      await execa('tar', ['-xzf', tgz, '-C', work]);
      cli = [process.execPath, join(work, 'package', 'dist', 'cli.cjs')];
    }
    const [file, ...args] = cli as [string, ...string[]];
    // An empty NODE_PATH and a cwd outside the project: nothing from this repository's node_modules can be found.
    const help = await execa(file, [...args, '--help'], { cwd: work, env: { NODE_PATH: '' }, reject: false });
    expect(help.exitCode, help.stderr).toBe(0);
    for (const c of ['trust-policy', 'doctor', 'assume-role']) expect(help.stdout).toContain(`aws-oidc ${c}`);
    const tp = await execa(file, [...args, 'trust-policy', '--org-id', '5d2a7c1e-8b3f-4e6a-9c0d-7f1e2b3a4c5d', '--project-id', '0b8f7e6d-1c2a-4d3e-9f8a-7b6c5d4e3f2a', '--account-id', '123456789012'], { cwd: work, reject: false });
    expect(tp.exitCode, tp.stderr).toBe(0);
    expect(JSON.parse(tp.stdout)).toHaveProperty('trustPolicy.Statement');
  }, 180_000);
});
