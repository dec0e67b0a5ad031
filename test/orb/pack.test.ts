// The packer follows `circleci orb pack`: layout → keys, includes inlined and escaped, refusals named.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packOrb } from '../../tools/pack.ts';
import { FAKE_SCRIPT, SMALL_ORB, removeOrb, writeOrb } from './fixtures/small-orb.ts';

const dirs: string[] = [];
function orb(overrides: Record<string, string | null> = {}): string {
  const dir = writeOrb(overrides);
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) removeOrb(d);
});

describe('packOrb', () => {
  it('round-trips: the packed text parses to the source data with the include inlined', () => {
    const packed = packOrb(orb());
    const expected = {
      ...(parse(SMALL_ORB['@orb.yml'] as string) as object),
      commands: { 'assume-role-with-oidc': parse(SMALL_ORB['commands/assume-role-with-oidc.yml'] as string) },
      executors: { default: parse(SMALL_ORB['executors/default.yml'] as string) },
      jobs: { 'build-and-push': parse(SMALL_ORB['jobs/build-and-push.yml'] as string) },
      examples: { 'assume-role': parse(SMALL_ORB['examples/assume-role.yml'] as string) },
    };
    (expected.commands['assume-role-with-oidc'] as { steps: { run: { command: string } }[] }).steps[0]!.run.command =
      FAKE_SCRIPT.replaceAll('<<', '\\<<');
    expect(parse(packed)).toEqual(expected);
    expect(Object.keys(parse(packed) as object)).toEqual(['version', 'description', 'display', 'commands', 'executors', 'jobs', 'examples']);
  });

  it('inlines the script as a readable block literal with every << escaped', () => {
    const packed = packOrb(orb());
    expect(packed).toContain("command: |\n");
    expect(packed).toContain("node - \\<<'ORB_JS'\n");
    expect(packed).not.toMatch(/[^\\]<<'ORB_JS'/);
    const cmd = (parse(packed) as { commands: Record<string, { steps: { run: { command: string } }[] }> })
      .commands['assume-role-with-oidc']!.steps[0]!.run.command;
    expect(cmd.replaceAll('\\<<', '<<')).toBe(FAKE_SCRIPT);
  });

  it('is deterministic and sorts components by name', () => {
    const dir = orb({ 'commands/a-first.yml': 'description: first\nsteps:\n  - checkout\n' });
    const packed = packOrb(dir);
    expect(packOrb(dir)).toBe(packed);
    expect(Object.keys((parse(packed) as { commands: object }).commands)).toEqual(['a-first', 'assume-role-with-oidc']);
  });

  it('quotes strings that YAML 1.1 readers would take for booleans', () => {
    const dir = orb({ 'commands/yes.yml': 'description: "yes"\nsteps:\n  - run:\n      name: "on"\n      command: echo\n' });
    const packed = packOrb(dir);
    expect(packed).toContain('description: "yes"');
    expect((parse(packed) as { commands: { yes: { description: unknown } } }).commands.yes.description).toBe('yes');
  });

  it('ignores directories the CLI does not pack (scripts/) and dot files', () => {
    const dir = orb({ 'commands/.gitkeep': '' });
    expect(Object.keys(parse(packOrb(dir)) as object)).not.toContain('scripts');
  });
});

describe('packOrb refusals name the file', () => {
  const cases: [string, Record<string, string | null>, RegExp][] = [
    ['no @orb.yml', { '@orb.yml': null }, /@orb\.yml: not found/],
    ['include inside other text', { 'commands/x.yml': 'steps:\n  - run:\n      command: echo <<include(scripts/assume-role-with-oidc.sh)>>\n' }, /commands\/x\.yml:\/steps\/0\/run\/command: <<include\(\.\.\.\)>> must be the entire value/],
    ['two includes in one value', { 'commands/x.yml': 'steps:\n  - run:\n      command: <<include(a.sh)>><<include(b.sh)>>\n' }, /commands\/x\.yml:.*multiple include statements/],
    ['missing include file', { 'scripts/assume-role-with-oidc.sh': null }, /commands\/assume-role-with-oidc\.yml:\/steps\/0\/run\/command: could not open .*scripts\/assume-role-with-oidc\.sh/],
    ['included file with \\<<', { 'scripts/assume-role-with-oidc.sh': 'cat \\<<EOF\nEOF\n' }, /assume-role-with-oidc\.sh contains '\\<<'/],
    ['include escaping the source dir', { 'commands/x.yml': 'steps:\n  - run:\n      command: <<include(../../etc/passwd)>>\n' }, /commands\/x\.yml:.*outside the orb source directory/],
    ['invalid YAML', { 'jobs/broken.yml': 'steps:\n  - run: [\n' }, /jobs\/broken\.yml: invalid YAML/],
    ['duplicate keys', { 'jobs/dup.yml': 'description: a\ndescription: b\n' }, /jobs\/dup\.yml: invalid YAML/],
    ['.yml and .yaml with one name', { 'executors/default.yaml': 'docker:\n  - image: x\n' }, /executors\/default\.ya?ml: duplicate executors component 'default' \(also defined by executors\/default\.ya?ml\)/],
    ['a component that is a list', { 'commands/list.yml': '- checkout\n' }, /commands\/list\.yml: a component file must be a YAML map, found a list/],
    ['a component that is a scalar', { 'commands/scalar.yml': 'checkout\n' }, /commands\/scalar\.yml: a component file must be a YAML map/],
    ['a non-YAML file in a component dir', { 'commands/README.md': '# hi' }, /commands\/README\.md: not a \.yml\/\.yaml file/],
    ['unknown @orb.yml key', { '@orb.yml': `${SMALL_ORB['@orb.yml']}parameters: {}\n` }, /@orb\.yml: unknown top-level key 'parameters'/],
    ['unknown example usage key', { 'examples/bad.yml': 'description: d\nusage:\n  version: 2.1\n  commands: {}\n' }, /examples\/bad\.yml: unknown key 'usage\.commands'/],
    ['a component both inline and in a file', { '@orb.yml': `${SMALL_ORB['@orb.yml']}executors:\n  default:\n    docker: [{image: x}]\n` }, /executors\/default\.yml: executors 'default' is also defined inline in @orb\.yml/],
  ];
  it.each(cases)('%s', (_name, overrides, message) => {
    const dir = orb(overrides);
    expect(() => packOrb(dir)).toThrow(message);
  });

  // Forms `circleci orb pack` handles differently from what a reader of the source expects: refused, named.
  const include = (value: string) => ({ 'commands/x.yml': `steps:\n  - run:\n      command: ${value}\n` });
  const boolDefault = (value: string) => ({ 'commands/x.yml': `parameters:\n  cache:\n    type: boolean\n    default: ${value}\n    description: d\nsteps:\n  - checkout\n` });
  const cliDiffers: [string, Record<string, string | null>, RegExp][] = [
    ['an include with a no-break space after <<', include('<<\u00a0include(scripts/assume-role-with-oidc.sh)>>'), /commands\/x\.yml:\/steps\/0\/run\/command: '<<\u00a0include\(scripts\/assume-role-with-oidc\.sh\)>>' has a U\+00A0 space, which the CircleCI CLI does not read as a blank.*write <<include\(scripts\/assume-role-with-oidc\.sh\)>>/],
    ['an include with an ideographic space before >>', include('<<include(scripts/assume-role-with-oidc.sh)\u3000>>'), /commands\/x\.yml:.*U\+3000 space/],
    ['an include with a zero-width space', include('<<\u200binclude(scripts/assume-role-with-oidc.sh)>>'), /commands\/x\.yml:.*U\+200B space/],
    ['an include used as a map key', { 'commands/x.yml': 'steps:\n  - run:\n      name: n\n      environment:\n        <<include(scripts/assume-role-with-oidc.sh)>>: x\n      command: echo\n' },
      /commands\/x\.yml:\/steps\/0\/run\/environment\/<<include\(scripts~1assume-role-with-oidc\.sh\)>>: an include is used as a map key.*supported only as a whole string value, e\.g\. command: <<include\(scripts\/assume-role-with-oidc\.sh\)>>/],
    ...['on', 'yes', 'Y', 'ON'].map((v): [string, Record<string, string | null>, RegExp] => [`a boolean default written '${v}'`, boolDefault(v),
      new RegExp(`commands/x\\.yml:/parameters/cache/default: boolean parameter 'cache' has default '${v}', a YAML 1\\.1 boolean .* write default: true`)]),
    ...['off', 'No', 'n', 'OFF'].map((v): [string, Record<string, string | null>, RegExp] => [`a boolean default written '${v}'`, boolDefault(v), /YAML 1\.1 boolean .* write default: false/]),
    ['a boolean default that is a quoted string', boolDefault('"true"'), /commands\/x\.yml:\/parameters\/cache\/default: boolean parameter 'cache' has the string default "true"; write default: true or default: false/],
    ['an unknown folder (display/)', { 'display/logo.yml': 'home_url: x\n' }, /^display\/: unknown folder in the orb source; `circleci orb pack` reads only commands\/, executors\/, jobs\/, examples\/ \(and includes read files from scripts\/\), so it would drop this folder without a word/],
    ['an unknown folder of scripts', { 'bin/run.sh': 'echo\n' }, /^bin\/: unknown folder/],
  ];
  it.each(cliDiffers)('refuses %s', (_name, overrides, message) => {
    expect(() => packOrb(orb(overrides))).toThrow(message);
  });

  it('packs real booleans and dot folders as before', () => {
    const dir = orb({ ...boolDefault('false'), '.github/x.yml': 'a: 1\n', 'commands/.hidden/y.yml': 'b: 2\n' });
    const packed = parse(packOrb(dir)) as { commands: { x: { parameters: { cache: { default: unknown } } } } };
    expect(packed.commands.x.parameters.cache.default).toBe(false);
  });

  it('refuses nested directories in a component dir', () => {
    const dir = orb();
    mkdirSync(path.join(dir, 'jobs', 'nested'));
    writeFileSync(path.join(dir, 'jobs', 'nested', 'a.yml'), 'steps: []\n');
    expect(() => packOrb(dir)).toThrow(/jobs\/nested: nested directories are not components/);
  });
});
