import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isResult, Refused, removeFileUnder, removeOrbFile, removeTreeUnder } from '../../../../src/commands/clean-up/places.ts';
import { snapshot } from './orb-home.ts';

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

describe('checkedUnder: the way down from the root, no link followed', () => {
  it.each([
    ['the root itself', (h: string) => join(h, '.aws-oidc')],
    ['the root\'s parent', (h: string) => h],
    ['a sibling of the root, reached by climbing out', (h: string) => join(h, '.aws-oidc', '..', 'project')],
  ])('removeTreeUnder refuses %s, naming the path and the root, and removes nothing', (_name, path) => {
    const h = home();
    const before = snapshot(h);
    expect(() => removeTreeUnder(join(h, '.aws-oidc'), path(h))).toThrow(new Refused(`${path(h)} is not inside ${join(h, '.aws-oidc')}`));
    expect(snapshot(h)).toEqual(before);
  });

  it('refuses everything under a ~/.aws-oidc that is itself a link, whole files and trees alike', () => {
    const h = home();
    mkdirSync(join(h, 'elsewhere', 'node', '22.23.5'), { recursive: true });
    writeFileSync(join(h, 'elsewhere', 'p.json'), 'keep');
    rmSync(join(h, '.aws-oidc'), { recursive: true });
    symlinkSync(join(h, 'elsewhere'), join(h, '.aws-oidc'));
    const link = new Refused(`${join(h, '.aws-oidc')} is a symbolic link; clean-up follows none`);
    expect(() => removeOrbFile({ HOME: h }, join(h, '.aws-oidc', 'p.json'))).toThrow(link);
    expect(() => removeTreeUnder(join(h, '.aws-oidc'), join(h, '.aws-oidc', 'node', '22.23.5'))).toThrow(link);
    expect(snapshot(join(h, 'elsewhere'))).toEqual({ 'p.json': 'keep' });
    expect(existsSync(join(h, 'elsewhere', 'node', '22.23.5'))).toBe(true);
  });

  it('removes a result from a results directory that is a link (AWS_OIDC_RESULTS_DIR may point at a mount); one to a file holds none', () => {
    const h = home();
    symlinkSync(join(h, 'project'), join(h, 'results'));
    expect(removeOrbFile({ HOME: h, AWS_OIDC_RESULTS_DIR: join(h, 'results') }, join(h, 'results', 'p.json'))).toBe(true);
    expect(existsSync(join(h, 'project', 'p.json'))).toBe(false);
    writeFileSync(join(h, 'plain'), 'keep');
    symlinkSync(join(h, 'plain'), join(h, 'results-file'));
    expect(removeOrbFile({ HOME: h, AWS_OIDC_RESULTS_DIR: join(h, 'results-file') }, join(h, 'results-file', 'x.json'))).toBe(false);
    expect(readFileSync(join(h, 'plain'), 'utf8')).toBe('keep');
  });

  it('a results directory may be a link, a directory under it may not', () => {
    const h = home();
    symlinkSync(join(h, 'project'), join(h, 'results'));
    symlinkSync(join(h, 'project'), join(h, 'project', 'sub'));
    const sub = join(h, 'results', 'sub');
    expect(() => removeFileUnder(join(h, 'results'), join(sub, 'p.json'), true)).toThrow(new Refused(`${sub} is a symbolic link; clean-up follows none`));
    expect(existsSync(join(h, 'project', 'p.json'))).toBe(true);
  });

  it('refuses a way through a regular file, naming it', () => {
    const h = home();
    writeFileSync(join(h, '.aws-oidc', 'runtime'), 'not a directory');
    expect(() => removeOrbFile({ HOME: h }, join(h, '.aws-oidc', 'runtime', 'ecr-login.cjs'))).toThrow(new Refused(`${join(h, '.aws-oidc', 'runtime')} is not a directory`));
    expect(readFileSync(join(h, '.aws-oidc', 'runtime'), 'utf8')).toBe('not a directory');
  });

  it('takes a file or directory whose directory is gone (or ~/.aws-oidc itself) as already removed', () => {
    const h = home();
    expect(removeTreeUnder(join(h, '.aws-oidc'), join(h, '.aws-oidc', 'node', '22.23.5'))).toBe(false);
    expect(removeOrbFile({ HOME: h }, join(h, '.aws-oidc', 'runtime', 'ecr-login.cjs'))).toBe(false);
    rmSync(join(h, '.aws-oidc'), { recursive: true });
    expect(removeOrbFile({ HOME: h }, join(h, '.aws-oidc', 'profiles', 'p.json'))).toBe(false);
  });

  it('reports an error other than "not there" while checking, rather than taking the file for gone', () => {
    const h = home();
    // A name longer than a file system allows (255 bytes): lstat fails with ENAMETOOLONG.
    expect(() => removeOrbFile({ HOME: h }, join(h, '.aws-oidc', 'profiles', `${'x'.repeat(300)}.json`))).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }));
  });
});

describe('removeTreeUnder and removeOrbFile: what stands there must be what the orb wrote', () => {
  it('removes a directory with all it holds', () => {
    const h = home();
    mkdirSync(join(h, '.aws-oidc', 'node', '22.23.5', 'bin'), { recursive: true });
    writeFileSync(join(h, '.aws-oidc', 'node', '22.23.5', 'bin', 'node'), 'binary');
    expect(removeTreeUnder(join(h, '.aws-oidc'), join(h, '.aws-oidc', 'node', '22.23.5'))).toBe(true);
    expect(existsSync(join(h, '.aws-oidc', 'node', '22.23.5'))).toBe(false);
    expect(existsSync(join(h, '.aws-oidc', 'node'))).toBe(true);
  });

  it.each([
    ['a regular file', (at: string) => writeFileSync(at, 'x'), 'is not a directory'],
    ['a symbolic link', (at: string) => symlinkSync(join(at, '..', '..', '..', 'project'), at), 'is a symbolic link'],
  ])('refuses to remove a Node.js directory that is %s, and says why', (_name, make, what) => {
    const h = home();
    const at = join(h, '.aws-oidc', 'node', '22.23.5');
    mkdirSync(join(h, '.aws-oidc', 'node'));
    make(at);
    expect(() => removeTreeUnder(join(h, '.aws-oidc'), at)).toThrow(new Refused(`${at} ${what}; the orb wrote a directory there, so it is left alone`));
    expect(existsSync(at)).toBe(true);
    expect(existsSync(join(h, 'project', 'p.json'))).toBe(true);
  });

  it('refuses to remove a directory where the orb wrote a file', () => {
    const h = home();
    const at = join(h, '.aws-oidc', 'profiles');
    expect(() => removeOrbFile({ HOME: h }, at)).toThrow(new Refused(`${at} is not a regular file; the orb wrote a file there, so it is left alone`));
    expect(existsSync(join(at, 'p.json'))).toBe(true);
  });
});

describe('isResult: a step\'s result file is directly in the results directory', () => {
  it('knows AWS_OIDC_RESULTS_DIR and ~/.aws-oidc/results, and nothing beside or below them', () => {
    const h = home();
    const env = { HOME: h, AWS_OIDC_RESULTS_DIR: join(h, 'out') };
    expect(isResult(env, join(h, 'out', 'push-image.json'))).toBe(true);
    expect(isResult(env, join(h, '.aws-oidc', 'results', 'push-image.json'))).toBe(true);
    expect(isResult({ HOME: h }, join(h, '.aws-oidc', 'results', 'push-image.json'))).toBe(true);
    for (const path of [join(h, '.aws-oidc', 'push-image.json'), join(h, 'out', 'sub', 'push-image.json'), join(h, '.aws-oidc', 'results', 'sub', 'x.json'), join(h, 'project', 'p.json')]) {
      expect(isResult(env, path), path).toBe(false);
    }
  });
});
