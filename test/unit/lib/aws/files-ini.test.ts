// The INI side of the AWS files at its edges: what is a section header and what is a value that holds
// brackets, blank lines between sections when one is replaced or added, the default profile's section,
// and a profile switched from keys to a credential_process.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsFilePaths, iniSection, profileSetting, setIniSection, writeProfile } from '../../../../src/lib/aws/files.ts';

describe('iniSection at the edges', () => {
  it('reads an indented header and skips an indented comment', () => {
    expect(iniSection('  [profile dev]\n   # region = wrong\n  region = eu-west-1\n', 'profile dev')).toEqual({ region: 'eu-west-1' });
  });

  it('takes a line with brackets and = for a setting, not a header', () => {
    expect(iniSection('[p]\nk = [a]\n[a] = 1\nz = 2\n', 'p')).toEqual({ k: '[a]', '[a]': '1', z: '2' });
  });
});

describe('setIniSection at the edges', () => {
  it('replaces a section whose values hold brackets, and stops only at a header', () => {
    const text = '[a]\nk=[x]\n[x]y = 1\nz = 2\n\n[b]  \nw = 3\n';
    expect(setIniSection(text, 'a', { k: 'new' })).toBe('[a]\nk = new\n\n[b]  \nw = 3\n');
  });

  it('finds a section whose header has spaces around it', () => {
    expect(setIniSection('[a]\nx = 1\n [b]  \ny = 2\n', 'b', { y: '9' })).toBe('[a]\nx = 1\n [b]  \ny = 9\n');
  });

  it('replaces the last section without adding a blank line, also when the text ended in one', () => {
    expect(setIniSection('[a]\nx = 1\n\n[b]\ny = 2\n', 'b', { y: '9' })).toBe('[a]\nx = 1\n\n[b]\ny = 9\n');
    expect(setIniSection('[a]\nx = 1\n\n[b]\ny = 2\n\n', 'b', { y: '9' })).toBe('[a]\nx = 1\n\n[b]\ny = 9\n');
  });

  it('adds no blank line before the next section where there was none, and keeps one that was blank or spaces', () => {
    expect(setIniSection('[a]\nx = 1\n[b]\ny = 2\n', 'a', { x: '9' })).toBe('[a]\nx = 9\n[b]\ny = 2\n');
    expect(setIniSection('[a]\nx = 1\n   \n[b]\ny = 2\n', 'a', { x: '9' })).toBe('[a]\nx = 9\n\n[b]\ny = 2\n');
  });

  it('puts one blank line before an added section: none more after a blank last line', () => {
    expect(setIniSection('[a]\nx = 1\n\n', 'b', { y: '2' })).toBe('[a]\nx = 1\n\n[b]\ny = 2\n');
    expect(setIniSection('[a]\n\n[b]\ny = 1\n', 'c', { z: '2' })).toBe('[a]\n\n[b]\ny = 1\n\n[c]\nz = 2\n');
  });
});

describe('profiles in the two files', () => {
  const home = () => ({ HOME: mkdtempSync(join(tmpdir(), 'files-ini-')) });

  it('writes the default profile under [default] in the config file, and reads its settings back', () => {
    const env = home();
    writeProfile(env, 'default', { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' }, 'eu-west-1');
    writeProfile(env, 'dev', { accessKeyId: 'ASIA2', secretAccessKey: 's', sessionToken: 't' }, 'us-west-2');
    expect(readFileSync(awsFilePaths(env).config, 'utf8')).toBe('[default]\nregion = eu-west-1\n\n[profile dev]\nregion = us-west-2\n');
    expect(profileSetting(env, 'default', 'region')).toBe('eu-west-1');
    expect(profileSetting(env, 'dev', 'region')).toBe('us-west-2');
    expect(profileSetting(env, 'gone', 'region')).toBeUndefined();
    expect(profileSetting(home(), 'dev', 'region')).toBeUndefined();
  });

  it('empties the keys of a profile switched to a credential_process, which goes to the config file', () => {
    const env = home();
    writeProfile(env, 'ci', { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' }, 'eu-west-1');
    writeProfile(env, 'ci', { credentialProcess: '/bin/refresh --profile ci' }, 'eu-west-1');
    expect(readFileSync(awsFilePaths(env).credentials, 'utf8')).toBe('[ci]\n');
    expect(readFileSync(awsFilePaths(env).config, 'utf8')).toBe('[profile ci]\nregion = eu-west-1\ncredential_process = /bin/refresh --profile ci\n');
  });
});
