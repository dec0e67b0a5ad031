import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Refused, removeOrbFile, removeTreeUnder } from '../../../../src/commands/clean-up/places.ts';

/** A home with ~/.aws-oidc/profiles/p.json and a file outside every place of the orb. */
function home() {
  const h = mkdtempSync(join(tmpdir(), 'places-'));
  mkdirSync(join(h, '.aws-oidc', 'profiles'), { recursive: true });
  writeFileSync(join(h, '.aws-oidc', 'profiles', 'p.json'), '{}');
  mkdirSync(join(h, 'project'));
  writeFileSync(join(h, 'project', 'p.json'), 'keep');
  return h;
}

describe('removeOrbFile: whole files only in the orb\'s places, no link followed', () => {
  it.each([
    ['a path outside ~/.aws-oidc and the results directory', (h: string) => join(h, 'project', 'p.json'), /is outside the places the orb writes whole files/],
    ['a path that climbs out of ~/.aws-oidc', (h: string) => `${h}/.aws-oidc/../project/p.json`, /is outside the places/],
    ['~/.aws-oidc itself', (h: string) => join(h, '.aws-oidc'), /is outside the places/],
    ['a file under a directory that is a link to outside', (h: string) => {
      symlinkSync(join(h, 'project'), join(h, '.aws-oidc', 'linked'));
      return join(h, '.aws-oidc', 'linked', 'p.json');
    }, /\.aws-oidc\/linked is a symbolic link; clean-up follows none/],
    ['a file that is a link to outside', (h: string) => {
      symlinkSync(join(h, 'project', 'p.json'), join(h, '.aws-oidc', 'profiles', 'link.json'));
      return join(h, '.aws-oidc', 'profiles', 'link.json');
    }, /link\.json is a symbolic link; the orb wrote a file there/],
  ])('refuses %s', (_name, path, message) => {
    const h = home();
    expect(() => removeOrbFile({ HOME: h }, path(h))).toThrow(message);
    expect(existsSync(join(h, 'project', 'p.json'))).toBe(true);
  });

  it('removes a file of the orb\'s; a file already gone is no error; a result in AWS_OIDC_RESULTS_DIR goes too', () => {
    const h = home();
    expect(removeOrbFile({ HOME: h }, join(h, '.aws-oidc', 'profiles', 'p.json'))).toBe(true);
    expect(removeOrbFile({ HOME: h }, join(h, '.aws-oidc', 'profiles', 'p.json'))).toBe(false);
    expect(removeOrbFile({ HOME: h, AWS_OIDC_RESULTS_DIR: join(h, 'project') }, join(h, 'project', 'p.json'))).toBe(true);
  });

  it('removeTreeUnder refuses a Node.js directory that is itself a link', () => {
    const h = home();
    mkdirSync(join(h, '.aws-oidc', 'node'));
    symlinkSync(join(h, 'project'), join(h, '.aws-oidc', 'node', '22.23.5'));
    expect(() => removeTreeUnder(join(h, '.aws-oidc'), join(h, '.aws-oidc', 'node', '22.23.5'))).toThrow(Refused);
    expect(existsSync(join(h, 'project', 'p.json'))).toBe(true);
  });
});
