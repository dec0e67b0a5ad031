// build-and-push's outputs and its registry: the JSON result (its name, the image reference, pushed, builder), the
// log lines of the exports, the pushes and skip-when-tags-exist, and account-id against the caller's own account.
import { describe, expect, it } from 'vitest';
import { run } from '../../../../src/commands/build-and-push/run.ts';
import { ACCOUNT, fakeWorld, REGION, repositoryInfo } from '../../../support/fake-ecr.ts';
import { deps, DIGEST, logLines, OTHER, params, pushes, URI } from './world.ts';

const TAGS = `${URI}:v1, ${URI}:latest`;

describe('build-and-push: the result and the log', () => {
  it('after a push: the result is named after the repository (/ as _) and pins the image by digest', async () => {
    const repo = 'org/team/webapp';
    const uri = repositoryInfo(repo).repositoryUri;
    const world = fakeWorld({ [repo]: {} });
    await run(params({ repo }), deps(world, pushes(world)));
    expect(world.results).toEqual([{
      name: 'build-and-push-org_team_webapp',
      result: {
        repository: repo, registryId: ACCOUNT, region: REGION, repositoryUri: uri, tags: ['v1', 'latest'], imageUris: [`${uri}:v1`, `${uri}:latest`],
        digest: DIGEST, imageRef: `${uri}@${DIGEST}`, builder: 'docker', skipped: false, pushed: true, scan: null,
      },
    }]);
    expect(logLines(world)).toEqual(expect.arrayContaining([
      `Pushed ${uri}:v1, ${uri}:latest at ${DIGEST}`,
      'Exported AWS_ECR_REPOSITORY_URI, AWS_ECR_IMAGE_URI, AWS_ECR_IMAGE_URIS, AWS_ECR_IMAGE_DIGEST, AWS_ECR_IMAGE_REF to $BASH_ENV',
    ]));
  });

  it('push: false: built, not pushed, no digest nor image reference, and the builder that built it', async () => {
    const world = fakeWorld({ webapp: {} });
    await run(params({ push: 'false' }), deps(world));
    expect(world.results[0]?.result).toMatchObject({ digest: null, imageRef: null, builder: 'docker', skipped: false, pushed: false });
    expect(logLines(world)).toEqual(expect.arrayContaining([
      `Built ${TAGS} (push: false)`,
      'Exported AWS_ECR_REPOSITORY_URI, AWS_ECR_IMAGE_URI, AWS_ECR_IMAGE_URIS to $BASH_ENV',
    ]));
  });

  it('create-repo logs the repository it created with its settings', async () => {
    const world = fakeWorld();
    await run(params({ 'create-repo': 'true', push: 'false' }), deps(world));
    expect(logLines(world)).toContain(`Created the ECR repository ${URI} (scan on push: true, tags: MUTABLE, encryption: AES256)`);
  });
});

describe('build-and-push: skip-when-tags-exist', () => {
  const skip = params({ 'skip-when-tags-exist': 'true' });

  it('every tag at one digest: logs the skip with the tags and the digest', async () => {
    const world = fakeWorld({ webapp: { v1: DIGEST, latest: DIGEST } });
    await run(skip, deps(world));
    expect(logLines(world)).toContain(`Every tag (v1, latest) is already in ${URI} at ${DIGEST}: no build, no push (skip-when-tags-exist)`);
  });

  it.each([
    ['every tag there, at different digests', { v1: OTHER, latest: DIGEST }, ['Some tags exist (v1, latest), not all at one digest: building']],
    ['one tag there', { latest: OTHER }, ['Some tags exist (latest), not all at one digest: building']],
    ['no tag there', {}, []],
  ])('%s: builds and pushes, and says which tags exist', async (_title, tags, said) => {
    const world = fakeWorld({ webapp: tags });
    await run(skip, deps(world, pushes(world)));
    expect(logLines(world).filter((l) => l.startsWith('Some tags'))).toEqual(said);
    expect(world.docker.map((a) => a[0])).toEqual(['version', 'build', 'push', 'push']);
    expect(world.results[0]?.result).toMatchObject({ skipped: false, pushed: true, digest: DIGEST, builder: 'docker' });
  });
});

describe('build-and-push: the registry', () => {
  it('account-id names the registry: the caller\'s identity is not asked', async () => {
    const world = fakeWorld({ webapp: {} });
    const seen: string[] = [];
    await run(params({ 'account-id': '210987654321', push: 'false' }), deps(world, undefined, { seen, callerAccount: '111122223333' }));
    expect(seen).toEqual(['describe 210987654321']);
    expect(world.results[0]?.result).toMatchObject({ registryId: '210987654321' });
  });

  it('without account-id, the registry is the account of the caller\'s identity', async () => {
    const world = fakeWorld({ webapp: {} });
    const seen: string[] = [];
    await run(params({ push: 'false' }), deps(world, undefined, { seen, callerAccount: '111122223333' }));
    expect(seen).toEqual(['callerIdentity', 'describe 111122223333']);
    expect(world.results[0]?.result).toMatchObject({ registryId: '111122223333' });
  });
});
