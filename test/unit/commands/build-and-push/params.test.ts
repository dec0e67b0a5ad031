// build-and-push and create-manifest-list parameters: each refusal names the parameter, the value and the fix.
import { describe, expect, it } from 'vitest';
import { parseParams } from '../../../../src/commands/build-and-push/params.ts';
import { cacheSpec } from '../../../../src/commands/build-and-push/cache.ts';
import { ParamError } from '../../../../src/lib/errors.ts';
import { orbParams } from '../../../support/params.ts';

const ENV = { CIRCLE_SHA1: 'abc1234', AWS_REGION: 'ap-northeast-1' };
const raw = orbParams;
const parse = (p: Record<string, string>) => parseParams(raw({ repo: 'webapp', ...p }), ENV, '/project');

describe('build-and-push parameters', () => {
  it('defaults: the commit SHA as tag, Dockerfile in the context, push, attestations off, buildx when there', () => {
    expect(parse({})).toMatchObject({ tags: ['abc1234'], dockerfile: 'Dockerfile', context: '.', push: true, provenance: false, sbom: false, builder: 'auto', region: 'ap-northeast-1', ociLabels: true });
  });

  it.each<[string, Record<string, string>, string, RegExp]>([
    ['missing repo', { repo: '' }, 'repo', /is required/],
    ['upper-case repo', { repo: 'WebApp' }, 'repo', /not an ECR repository name/],
    ['repo with a shell substitution', { repo: '$(touch /tmp/x)' }, 'repo', /refers to \$|not an ECR repository name/],
    ['tag starting with a dash', { tag: '-rm' }, 'tag', /not a docker tag/],
    ['tag with a semicolon', { tag: 'v1;reboot' }, 'tag', /not a docker tag/],
    ['tag of 129 characters', { tag: 'a'.repeat(129) }, 'tag', /not a docker tag/],
    ['duplicate tag', { tag: 'a,a' }, 'tag', /names a tag twice/],
    ['tag naming an unset variable', { tag: '${NOPE}' }, 'tag', /refers to \$NOPE, which is not set/],
    ['path outside the project', { path: '../../etc' }, 'path', /points outside the working directory/],
    ['dockerfile outside the project', { dockerfile: '../../../etc/passwd' }, 'dockerfile', /points outside the working directory/],
    ['absolute dockerfile elsewhere', { dockerfile: '/etc/passwd' }, 'dockerfile', /points outside the working directory/],
    ['build arg without =', { 'build-args': 'JUSTAKEY' }, 'build-args', /each line must be KEY=VALUE/],
    ['build arg named PATH from a variable', { 'build-args': 'PATH=$CIRCLE_SHA1' }, 'build-args', /PATH cannot take its value from a variable here/],
    ['build arg with a bad name', { 'build-args': '1X=y' }, 'build-args', /each line must be KEY=VALUE/],
    ['label without =', { labels: 'team' }, 'labels', /each line must be key=VALUE/],
    ['secret in another form', { secrets: 'npmrc' }, 'secrets', /id=<id>,env=<VARIABLE>/],
    ['bad platform', { platform: 'amd64' }, 'platform', /not a platform/],
    ['bad boolean', { push: 'yes please' }, 'push', /must be true or false/],
    ['bad enum', { 'repo-tag-mutability': 'SOMETIMES' }, 'repo-tag-mutability', /must be one of MUTABLE, IMMUTABLE/],
    ['unclosed quote in extra-build-args', { 'extra-build-args': '--label "a=b' }, 'extra-build-args', /unclosed double quote/],
    ['bad account id', { 'account-id': '12' }, 'account-id', /12-digit/],
    ['bad region', { region: 'mars-1' }, 'region', /not an AWS region/],
    ['target with a space', { target: 'a b' }, 'target', /not a build stage name/],
  ])('refuses %s', (_name, p, param, message) => {
    let err: unknown;
    try {
      parse(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParamError);
    expect((err as ParamError).param).toBe(param);
    expect((err as ParamError).message).toMatch(message);
    expect((err as ParamError).hint).toBeTruthy();
  });

  it('keeps shell metacharacters in values literal', () => {
    const p = parse({ 'build-args': 'MSG=$(rm -rf /) `id`; echo', labels: 'note=a;b|c' });
    expect(p.buildArgs).toEqual([['MSG', '$(rm -rf /) `id`; echo']]);
    expect(p.labels).toEqual([['note', 'a;b|c']]);
  });

  it('resolves the Dockerfile inside the context', () => {
    expect(parse({ path: 'services/api', dockerfile: 'Dockerfile.prod' })).toMatchObject({ context: 'services/api', dockerfile: 'services/api/Dockerfile.prod' });
    expect(parse({ path: './app/', dockerfile: '../Dockerfile' })).toMatchObject({ context: 'app', dockerfile: 'Dockerfile' });
  });

  it('cacheSpec: tags of the repository, images, and full specs', () => {
    expect(cacheSpec('cache-from', 'c', 'r.example/x')).toBe('type=registry,ref=r.example/x:c');
    expect(cacheSpec('cache-from', 'other.example/img:tag', 'r.example/x')).toBe('type=registry,ref=other.example/img:tag');
    expect(cacheSpec('cache-to', 'type=local,dest=/tmp/c', 'r')).toBe('type=local,dest=/tmp/c');
  });
});
