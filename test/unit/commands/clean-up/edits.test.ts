import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { setIniSection } from '../../../../src/lib/aws/files.ts';
import { cleanDockerConfig, cleanIniFile, cleanJsonMap, removeIniSections } from '../../../../src/commands/clean-up/edits.ts';
import { Refused } from '../../../../src/commands/clean-up/places.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'clean-up-edits-'));

describe('removeIniSections undoes what setIniSection added, byte for byte', () => {
  it.each([
    ['an empty file', ''],
    ['one section', '[profile own]\nregion = eu-west-1\n'],
    ['sections with blank lines and comments', '# mine\n[default]\nregion = eu-west-1\n\n[profile own]\n; a note\noutput = json\n'],
    ['a file with CRLF line ends', '[profile own]\r\nregion = eu-west-1\r\n'],
  ])('%s', (_name, original) => {
    const written = setIniSection(original, 'profile ci', { region: 'us-east-1', credential_process: 'env node /r --credential-process /c' });
    expect(written).not.toBe(original);
    expect(removeIniSections(written, ['profile ci'])).toEqual({ text: original, removed: ['profile ci'] });
  });

  it('a section the orb replaced in the middle goes with its lines, the neighbours keep their blank line', () => {
    const text = '[a]\nx = 1\n\n[ci]\naws_access_key_id = K\n\n[b]\ny = 2\n';
    expect(removeIniSections(text, ['ci']).text).toBe('[a]\nx = 1\n\n[b]\ny = 2\n');
  });

  it.each([
    ['another profile of a similar name', '[profile ci-other]\nregion = x\n', ['profile ci']],
    ['the same name as a credentials header, in the config file', '[ci]\nregion = x\n', ['profile ci']],
    ['a header in a comment', '# [profile ci]\n[own]\nx = 1\n', ['profile ci']],
  ])('leaves %s alone', (_name, text, headers) => {
    expect(removeIniSections(text, headers)).toEqual({ text, removed: [] });
  });
});

describe('cleanIniFile', () => {
  it('removes the file when the orb\'s section was all there was, and refuses a link', () => {
    const dir = tmp();
    const file = join(dir, 'config');
    writeFileSync(file, setIniSection('', 'profile ci', { region: 'x' }));
    expect(cleanIniFile(file, ['profile ci'])).toEqual(['profile ci']);
    expect(existsSync(file)).toBe(false);
    writeFileSync(join(dir, 'real'), '[profile ci]\nregion = x\n');
    symlinkSync(join(dir, 'real'), file);
    expect(() => cleanIniFile(file, ['profile ci'])).toThrow(Refused);
    expect(readFileSync(join(dir, 'real'), 'utf8')).toBe('[profile ci]\nregion = x\n');
  });
});

describe('cleanDockerConfig', () => {
  const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
  it('removes a config.json that holds nothing but the orb\'s entries', () => {
    const file = join(tmp(), 'config.json');
    writeFileSync(file, JSON.stringify({ auths: {}, credHelpers: { [HOST]: 'aws-oidc' } }));
    expect(cleanDockerConfig(file, [{ key: 'credHelpers', host: HOST }], 'aws-oidc')).toEqual({ credHelpers: [HOST], auths: [] });
    expect(existsSync(file)).toBe(false);
  });

  it('keeps every other key; drops a credHelpers it emptied; refuses a file that is not a JSON object', () => {
    const file = join(tmp(), 'config.json');
    writeFileSync(file, JSON.stringify({ auths: { [HOST]: { auth: 'eA==' } }, credHelpers: { [HOST]: 'aws-oidc' }, credsStore: 'pass' }));
    cleanDockerConfig(file, [{ key: 'credHelpers', host: HOST }, { key: 'auths', host: HOST }], 'aws-oidc');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ auths: {}, credsStore: 'pass' });
    writeFileSync(file, '[1]');
    expect(() => cleanDockerConfig(file, [{ key: 'auths', host: HOST }], 'aws-oidc')).toThrow(/is not a JSON object/);
  });
});

describe('cleanJsonMap', () => {
  it('removes the keys, then the file when it is empty', () => {
    const file = join(tmp(), 'registries.json');
    writeFileSync(file, JSON.stringify({ a: 1, b: 2 }));
    expect(cleanJsonMap(file, ['a', 'z'])).toEqual(['a']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ b: 2 });
    expect(cleanJsonMap(file, ['b'])).toEqual(['b']);
    expect(existsSync(file)).toBe(false);
  });
});

describe('cleanIniFile takes turns with the profile writers', () => {
  it('waits for a step that holds the file\'s lock mid-write, then removes the orb\'s section from what that step wrote', async () => {
    const dir = tmp();
    const file = join(dir, 'config');
    writeFileSync(file, '[profile ci]\nregion = x\n');
    // A writer as writeProfile is one: under withFileLock it reads, takes its time, then writes what it read plus its section.
    const child = join(dir, 'writer.ts');
    writeFileSync(child, [
      `import { readFileSync, writeFileSync } from 'node:fs';`,
      `import { withFileLock } from ${JSON.stringify(resolve('src/lib/aws/files.ts'))};`,
      `import { writeFileAtomic } from ${JSON.stringify(resolve('src/lib/files.ts'))};`,
      `const [path, ready] = process.argv.slice(2) as [string, string];`,
      `withFileLock(path, () => {`,
      `  const text = readFileSync(path, 'utf8');`,
      `  writeFileSync(ready, '');`,
      `  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);`,
      `  writeFileAtomic(path, text + '\\n[profile late]\\nregion = y\\n');`,
      `});`,
    ].join('\n'));
    const bundle = join(dir, 'writer.cjs');
    await build({ entryPoints: [child], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'error' });
    const ready = join(dir, 'ready');
    const writer = spawn(process.execPath, [bundle, file, ready], { stdio: 'inherit' });
    const exited = new Promise<number | null>((done) => writer.on('exit', done));
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 5));
    expect(cleanIniFile(file, ['profile ci'])).toEqual(['profile ci']);
    expect(await exited).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('[profile late]\nregion = y\n');
  });
});
