// The platforms of the list create-manifest-list would push, as docker prints it: duplicates are refused by
// name, attestation manifests are no platform, and output that is no list is never taken as checked.
import { describe, expect, it } from 'vitest';
import { checkListPlatforms, planArgv } from '../../../../src/commands/create-manifest-list/platforms.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { thrown } from '../../../support/rejection.ts';

const entry = (platform: Record<string, string>, annotations?: Record<string, string>) => ({ digest: `sha256:${'1'.repeat(64)}`, platform, ...(annotations ? { annotations } : {}) });
const list = (...manifests: object[]) => JSON.stringify({ schemaVersion: 2, manifests });
const AMD = { os: 'linux', architecture: 'amd64' };
const ARM = { os: 'linux', architecture: 'arm64', variant: 'v8' };

describe('checkListPlatforms', () => {
  it('returns the platforms of a list whose entries differ, variants included', () => {
    expect(checkListPlatforms(list(entry(AMD), entry(ARM), entry({ os: 'linux', architecture: 'arm', variant: 'v7' })), ['a', 'b', 'c']))
      .toEqual(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
  });

  it('leaves attestation manifests (unknown/unknown, a reference type) out of the comparison', () => {
    const att = entry({ os: 'unknown', architecture: 'unknown' }, { 'vnd.docker.reference.type': 'attestation-manifest' });
    expect(checkListPlatforms(list(entry(AMD), att, entry(ARM), att), ['a', 'b'])).toEqual(['linux/amd64', 'linux/arm64/v8']);
  });

  it('names the two sources of one platform, or their digests when the list does not match the sources one to one', () => {
    expect(thrown(() => checkListPlatforms(list(entry(ARM), entry(AMD), entry(AMD)), ['x-arm64', 'x-amd64', 'x-amd64-again']), OrbError).message)
      .toBe('sources x-amd64 and x-amd64-again are both linux/amd64: the manifest list would name one platform twice, so it was not pushed');
    expect(thrown(() => checkListPlatforms(list(entry(AMD), entry(AMD)), ['only-one']), OrbError).message).toMatch(/^sources sha256:1{64} and sha256:1{64} are both/);
  });

  it('takes linux/arm64 and linux/arm64/v8 as one platform (v8 is arm64\'s default variant)', () => {
    expect(thrown(() => checkListPlatforms(list(entry(ARM), entry({ os: 'linux', architecture: 'arm64' })), ['new', 'old']), OrbError).message)
      .toBe('sources new and old are both linux/arm64: the manifest list would name one platform twice, so it was not pushed');
    expect(checkListPlatforms(list(entry(ARM), entry({ os: 'linux', architecture: 'arm', variant: 'v8' })), ['a', 'b'])).toEqual(['linux/arm64/v8', 'linux/arm/v8']);
  });

  it('takes two windows/amd64 images of different os.version as two platforms, of one os.version as one', () => {
    const win = (v: string) => entry({ os: 'windows', architecture: 'amd64', 'os.version': v });
    expect(checkListPlatforms(list(win('10.0.17763.6414'), win('10.0.20348.2762')), ['ltsc2019', 'ltsc2022'])).toEqual(['windows/amd64 10.0.17763.6414', 'windows/amd64 10.0.20348.2762']);
    expect(thrown(() => checkListPlatforms(list(win('10.0.20348.2762'), win('10.0.20348.2762')), ['a', 'b']), OrbError).message).toMatch(/^sources a and b are both windows\/amd64 10\.0\.20348\.2762:/);
  });

  it('refuses output that is no list', () => {
    expect(thrown(() => checkListPlatforms('no such manifest', ['a', 'b']), OrbError).message).toMatch(/^docker did not print the manifest list it would push/);
    expect(() => checkListPlatforms('{"schemaVersion":2}', ['a', 'b'])).toThrow(OrbError);
  });
});

describe('planArgv', () => {
  it('is buildx\'s --dry-run of the same create, or docker manifest inspect of the local list (with --insecure as created)', () => {
    expect(planArgv(['buildx', 'imagetools', 'create', '--tag', 'r/x:v1', 'r/x:a'], 'r/x:v1')).toEqual(['buildx', 'imagetools', 'create', '--tag', 'r/x:v1', 'r/x:a', '--dry-run']);
    expect(planArgv(['manifest', 'create', '--insecure', '--amend', 'r/x:v1', 'r/x:a'], 'r/x:v1')).toEqual(['manifest', 'inspect', '--insecure', 'r/x:v1']);
    expect(planArgv(['manifest', 'create', '--amend', 'r/x:v1', 'r/x:a'], 'r/x:v1')).toEqual(['manifest', 'inspect', 'r/x:v1']);
  });
});
