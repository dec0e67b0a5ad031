// The docker argv of build-and-push and create-manifest-list, as a table: every buildx form (which this
// machine cannot run) and the classic forms, from parameters parsed as the orb passes them.
import { describe, expect, it } from 'vitest';
import { buildArgv, buildxOnly, chooseBuilder, imageLabels, pushArgvs } from '../../../../src/commands/build-and-push/argv.ts';
import { parseParams } from '../../../../src/commands/build-and-push/params.ts';
import { orbParams } from '../../../support/params.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { thrown } from '../../../support/rejection.ts';

const URI = '111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/webapp';
const ENV = { CIRCLE_SHA1: 'abc1234', AWS_REGION: 'ap-northeast-1', NPM_TOKEN: 'tok', CIRCLE_REPOSITORY_URL: 'git@github.com:acme/webapp.git' };
const params = (p: Record<string, string>) =>
  parseParams(orbParams({ repo: 'webapp', ...p }), ENV, '/project');

describe('buildArgv', () => {
  it.each<[string, Record<string, string>, 'buildx' | 'docker', string[]]>([
    ['classic, defaults', {}, 'docker',
      ['build', '--file', 'Dockerfile', '--tag', `${URI}:abc1234`, '.']],
    ['classic, two tags, build args by name only, target, one platform, cache-from a tag', {
      tag: 'latest, v1.2.3', 'build-args': 'APP_ENV=production\nTOKEN=${NPM_TOKEN}', target: 'runtime', platform: 'linux/arm64', 'cache-from': 'cache', path: 'services/api', dockerfile: 'docker/Dockerfile.prod',
    }, 'docker',
      ['build', '--file', 'services/api/docker/Dockerfile.prod', '--tag', `${URI}:latest`, '--tag', `${URI}:v1.2.3`, '--build-arg', 'APP_ENV', '--build-arg', 'TOKEN',
        '--target', 'runtime', '--platform', 'linux/arm64', '--cache-from', `${URI}:cache`, 'services/api']],
    ['buildx, defaults: attestations off, pushed by the build', {}, 'buildx',
      ['buildx', 'build', '--file', 'Dockerfile', '--tag', `${URI}:abc1234`, '--provenance=false', '--sbom=false', '--push', '.']],
    ['buildx, two platforms, ECR registry cache both ways, secrets, attestations on', {
      platform: 'linux/amd64,linux/arm64', 'cache-from': 'buildcache', 'cache-to': 'buildcache', secrets: 'id=npmrc,src=.npmrc\nid=token,env=GITHUB_TOKEN', provenance: 'true', sbom: 'true',
    }, 'buildx',
      ['buildx', 'build', '--file', 'Dockerfile', '--tag', `${URI}:abc1234`, '--platform', 'linux/amd64,linux/arm64',
        '--cache-from', `type=registry,ref=${URI}:buildcache`, '--cache-to', `type=registry,ref=${URI}:buildcache,mode=max,image-manifest=true,oci-mediatypes=true`,
        '--secret', 'id=npmrc,src=.npmrc', '--secret', 'id=token,env=GITHUB_TOKEN', '--provenance=true', '--sbom=true', '--push', '.']],
    ['buildx, a full cache-to spec gets the settings ECR needs; push false loads one platform', {
      'cache-to': 'type=registry,ref=other.example/cache:x,mode=max', push: 'false',
    }, 'buildx',
      ['buildx', 'build', '--file', 'Dockerfile', '--tag', `${URI}:abc1234`, '--cache-to', 'type=registry,ref=other.example/cache:x,mode=max,image-manifest=true,oci-mediatypes=true',
        '--provenance=false', '--sbom=false', '--load', '.']],
    ['buildx, push false with two platforms: neither --push nor --load', { platform: 'linux/amd64 linux/arm64', push: 'false' }, 'buildx',
      ['buildx', 'build', '--file', 'Dockerfile', '--tag', `${URI}:abc1234`, '--platform', 'linux/amd64,linux/arm64', '--provenance=false', '--sbom=false', '.']],
    ['classic on BuildKit: secrets (env and file) and one other platform, as docker build takes them', {
      secrets: 'id=token,env=GITHUB_TOKEN\nid=npmrc,src=.npmrc', platform: 'linux/arm64',
    }, 'docker',
      ['build', '--file', 'Dockerfile', '--tag', `${URI}:abc1234`, '--platform', 'linux/arm64', '--secret', 'id=token,env=GITHUB_TOKEN', '--secret', 'id=npmrc,src=.npmrc', '.']],
    ['extra-build-args are split like a shell, never evaluated; a --build-arg value goes to the environment, not argv', {
      'extra-build-args': `--no-cache --network host --build-arg "GREETING=hello world" '$(touch /tmp/pwned)' \`id\``,
    }, 'docker',
      ['build', '--file', 'Dockerfile', '--tag', `${URI}:abc1234`, '--build-arg', 'GREETING', '--no-cache', '--network', 'host', '$(touch /tmp/pwned)', '`id`', '.']],
  ])('%s', (_name, p, builder, argv) => {
    expect(buildArgv(params({ 'oci-labels': 'false', ...p }), builder, URI, [])).toEqual(argv);
  });

  it('never puts a build arg value on argv', () => {
    const argv = buildArgv(params({ 'build-args': 'TOKEN=${NPM_TOKEN}' }), 'docker', URI, []);
    expect(argv.join(' ')).not.toContain('tok');
    expect(params({ 'build-args': 'TOKEN=${NPM_TOKEN}' }).buildArgs).toEqual([['TOKEN', 'tok']]);
  });

  it('labels: OCI labels from the job, custom ones win', () => {
    const p = params({ labels: 'team=web\norg.opencontainers.image.source=https://example.com/webapp' });
    expect(imageLabels(p, ENV, new Date('2026-11-23T00:00:00Z'))).toEqual([
      ['org.opencontainers.image.revision', 'abc1234'], ['org.opencontainers.image.created', '2026-11-23T00:00:00.000Z'],
      ['team', 'web'], ['org.opencontainers.image.source', 'https://example.com/webapp'],
    ]);
    expect(buildArgv(p, 'docker', URI, [['team', 'web']])).toContain('team=web');
  });
});

describe('builder choice', () => {
  it('uses buildx when there, the classic build otherwise, and names the buildx-only parameters', () => {
    expect(chooseBuilder(params({}), true)).toBe('buildx');
    expect(chooseBuilder(params({}), false)).toBe('docker');
    expect(chooseBuilder(params({ builder: 'docker' }), true)).toBe('docker');
    expect(buildxOnly(params({ platform: 'linux/amd64,linux/arm64', 'cache-to': 'c', secrets: 'id=a,env=B', sbom: 'true', provenance: 'true' })))
      .toEqual(['platform (2 platforms)', 'cache-to', 'secrets', 'provenance', 'sbom']);
    expect(() => chooseBuilder(params({ 'cache-to': 'c' }), false)).toThrow(/^cache-to needs buildx, and this build uses the classic docker build \(no buildx here\)$/);
    expect(() => chooseBuilder(params({ builder: 'buildx' }), false)).toThrow(/parameter builder: buildx was asked for/);
  });

  it('the classic build takes secrets only on BuildKit, and never what only buildx does', () => {
    const secrets = params({ secrets: 'id=token,env=GITHUB_TOKEN', platform: 'linux/arm64' });
    expect(chooseBuilder(secrets, false, true)).toBe('docker');
    expect(chooseBuilder(params({ builder: 'docker', secrets: 'id=a,src=f' }), true, true)).toBe('docker');
    expect(buildxOnly(secrets, true)).toEqual([]);
    expect(() => chooseBuilder(secrets, false, false)).toThrow(/^secrets needs BuildKit, and this build uses the classic docker build without it \(no buildx here\)$/);
    expect(thrown(() => chooseBuilder(secrets, false, false), OrbError).hint).toMatch(/docker buildx or with a docker CLI 18\.09 to 22\.x/);
    expect(() => chooseBuilder(params({ builder: 'docker', secrets: 'id=a,src=f', 'cache-to': 'c' }), true, true))
      .toThrow(/^cache-to needs buildx, and this build uses the classic docker build \(builder: docker\)$/);
    expect(() => chooseBuilder(params({ platform: 'linux/amd64,linux/arm64' }), false, true)).toThrow(/^platform \(2 platforms\) needs buildx/);
  });

  it('pushes each tag after a classic build, nothing after buildx', () => {
    expect(pushArgvs(params({ tag: 'a b' }), 'docker', URI)).toEqual([['push', `${URI}:a`], ['push', `${URI}:b`]]);
    expect(pushArgvs(params({ tag: 'a b' }), 'buildx', URI)).toEqual([]);
    expect(pushArgvs(params({ push: 'false' }), 'docker', URI)).toEqual([]);
  });
});

describe('builder choice and argv at their edges', () => {
  it('buildx takes what only buildx does; buildx asked for where it is missing names the fix', () => {
    expect(chooseBuilder(params({ 'cache-to': 'c', secrets: 'id=a,env=B', sbom: 'true' }), true)).toBe('buildx');
    expect(chooseBuilder(params({ builder: 'buildx' }), true)).toBe('buildx');
    expect(thrown(() => chooseBuilder(params({ builder: 'buildx' }), false), OrbError).hint)
      .toBe('use an executor with buildx (CircleCI\'s machine images and setup_remote_docker have it), or builder: auto');
    // Without BuildKit named, the classic build is taken to have none.
    expect(() => chooseBuilder(params({ secrets: 'id=a,env=B' }), false)).toThrow(/^secrets needs BuildKit/);
  });

  it('secrets with something only buildx does: all of it needs buildx, and the fix does not offer BuildKit', () => {
    const err = thrown(() => chooseBuilder(params({ secrets: 'id=a,env=B', provenance: 'true' }), false, false), OrbError);
    expect(err.message).toBe('secrets, provenance need buildx, and this build uses the classic docker build (no buildx here)');
    expect(err.hint).toBe('use an executor with docker buildx, or drop those parameters');
  });

  it('OCI labels only from what the job has, none when turned off', () => {
    const now = new Date('2026-11-23T00:00:00Z');
    const created: [string, string] = ['org.opencontainers.image.created', '2026-11-23T00:00:00.000Z'];
    expect(imageLabels(params({}), {}, now)).toEqual([created]);
    expect(imageLabels(params({}), { CIRCLE_SHA1: 'abc' }, now)).toEqual([['org.opencontainers.image.revision', 'abc'], created]);
    expect(imageLabels(params({}), { CIRCLE_REPOSITORY_URL: 'u' }, now)).toEqual([['org.opencontainers.image.source', 'u'], created]);
    expect(imageLabels(params({ 'oci-labels': 'false', labels: 'team=web' }), { CIRCLE_SHA1: 'abc' }, now)).toEqual([['team', 'web']]);
  });

  it('buildx: one platform not pushed is loaded; the metadata file only for buildx', () => {
    const one = buildArgv(params({ 'oci-labels': 'false', push: 'false', platform: 'linux/arm64' }), 'buildx', URI, [], '/tmp/meta.json');
    expect(one.slice(-4)).toEqual(['--load', '--metadata-file', '/tmp/meta.json', '.']);
    expect(buildArgv(params({}), 'docker', URI, [], '/tmp/meta.json')).not.toContain('--metadata-file');
    expect(buildArgv(params({ 'cache-to': 'c' }), 'docker', URI, [])).not.toContain('--cache-to');
  });

  it.each([
    ['a ref inside a registry spec', 'type=registry,ref=111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/cache:main', '111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/cache:main'],
    ['a ref first', 'ref=other.example/cache:x,type=registry', 'other.example/cache:x'],
    ['an image reference', 'other.example/cache:x', 'other.example/cache:x'],
    ['a tag of the repository', 'buildcache', `${URI}:buildcache`],
  ])('classic --cache-from takes %s as an image', (_name, value, image) => {
    const argv = buildArgv(params({ 'cache-from': value }), 'docker', URI, []);
    expect(argv[argv.indexOf('--cache-from') + 1]).toBe(image);
  });
});
