// promote-image's run over in-memory registries that ECR reads too: PutImage within one repository, a registry
// copy across accounts, what is refused before any write, the read-back check, the exports and the result.
import { afterEach, describe, expect, it } from 'vitest';
import { promote } from '../../../../src/commands/promote-image/run.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';
import { closeRegistries, OCI_INDEX, sha, storeImage, storeList } from '../../lib/registry/memory-registry.ts';
import { keysOf, PRODUCTION, promoteDeps, promoteParams, promoteWorld, REGION, STAGING } from './world.ts';

afterEach(closeRegistries);
const uri = (account: string, repo: string) => `${account}.dkr.ecr.${REGION}.amazonaws.com/${repo}`;
const ACROSS = { 'source-repo': 'webapp', 'source-profile-name': 'staging', 'profile-name': 'production', repo: 'team/webapp', 'account-id': PRODUCTION };

describe('promote-image within one repository', () => {
  it('puts the missing tags through PutImage, leaves the ones already there, exports and records the digest', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE' });
    const staging = w.registries.get(STAGING)!;
    const img = storeImage(staging, 'webapp', 'abc123', ['layer']);
    staging.repo('webapp').manifests.set('stable', staging.repo('webapp').manifests.get('abc123')!);
    await promote(promoteParams({ 'source-repo': 'webapp', 'source-tag': 'abc123', tag: 'stable, production' }), promoteDeps(w));
    expect(w.calls.filter((c) => c.startsWith('putImage'))).toEqual([`putImage ${STAGING}/webapp production`]);
    expect(staging.repo('webapp').manifests.get('production')?.bytes).toEqual(img.bytes);
    expect(staging.seen).toEqual([]);
    const u = uri(STAGING, 'webapp');
    expect(w.lines).toEqual([
      `Already at ${img.digest} in ${u}: stable (nothing to do for them)`,
      `Tagging image webapp:abc123 (${img.digest}) as production in ${u} through ECR (PutImage)`,
      `Promoted webapp:abc123 to ${u}:stable, ${u}:production at ${img.digest}; exported AWS_ECR_IMAGE_DIGEST, AWS_ECR_IMAGE_REF, AWS_ECR_IMAGE_URI, AWS_ECR_IMAGE_URIS, AWS_ECR_REPOSITORY_URI`,
    ]);
    expect(w.exports).toEqual([{ AWS_ECR_REPOSITORY_URI: u, AWS_ECR_IMAGE_URI: `${u}:stable`, AWS_ECR_IMAGE_URIS: `${u}:stable ${u}:production`, AWS_ECR_IMAGE_DIGEST: img.digest, AWS_ECR_IMAGE_REF: `${u}@${img.digest}` }]);
    expect(w.results).toEqual([{ name: 'promote-image-webapp', result: {
      source: { repository: 'webapp', registryId: STAGING, region: REGION, tag: 'abc123', digest: img.digest },
      target: { repository: 'webapp', registryId: STAGING, region: REGION, repositoryUri: u, tags: ['stable', 'production'], imageUris: [`${u}:stable`, `${u}:production`] },
      digest: img.digest, imageRef: `${u}@${img.digest}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', method: 'put-image',
      tagsPut: ['production'], tagsUnchanged: ['stable'],
    } }]);
  });

  it('says so when ECR reports a tag already at the image, and names a list as a multi-architecture list', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE' });
    const staging = w.registries.get(STAGING)!;
    const img = storeImage(staging, 'webapp', 'amd', ['l']);
    const list = storeList(staging, 'webapp', 'abc123', [{ digest: img.digest, size: img.bytes.length }]);
    const deps = promoteDeps(w);
    // Another job tags it between the read and the put.
    const put = deps.putImage;
    deps.putImage = async (at, image, tag) => { staging.repo('webapp').manifests.set(tag, staging.repo('webapp').manifests.get('abc123')!); return put(at, image, tag); };
    await promote(promoteParams({ 'source-repo': 'webapp', 'source-digest': list.digest, tag: 'v1 v2' }), deps);
    expect(w.lines.slice(0, 3)).toEqual([
      `Tagging multi-architecture list webapp@${list.digest} (${list.digest}) as v1, v2 in ${uri(STAGING, 'webapp')} through ECR (PutImage)`,
      `  v1 already pointed at ${list.digest}`, `  v2 already pointed at ${list.digest}`,
    ]);
    expect(w.calls).toContain(`getImage ${STAGING}/webapp {"imageDigest":"${list.digest}"}`);
    expect(w.results[0]?.result).toMatchObject({ source: { tag: null, digest: list.digest }, mediaType: OCI_INDEX, method: 'put-image' });
  });

  it('does nothing when every tag is already at the image: method none, no blob counts', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'IMMUTABLE' });
    const img = storeImage(w.registries.get(STAGING)!, 'webapp', 'v1', ['l']);
    w.registries.get(STAGING)!.repo('webapp').manifests.set('stable', w.registries.get(STAGING)!.repo('webapp').manifests.get('v1')!);
    await promote(promoteParams({ 'source-repo': 'webapp', 'source-tag': 'v1', tag: 'v1 stable' }), promoteDeps(w));
    expect(w.calls.filter((c) => /putImage|retry/.test(c))).toEqual([]);
    expect(w.lines.slice(0, 2)).toEqual([`Already at ${img.digest} in ${uri(STAGING, 'webapp')}: v1, stable (nothing to do for them)`, expect.stringMatching(/^Promoted /)]);
    expect(w.results[0]?.result).toMatchObject({ method: 'none', tagsPut: [], tagsUnchanged: ['v1', 'stable'], digest: img.digest });
    expect(w.results[0]?.result).not.toHaveProperty('blobsCopied');
  });
});

describe('promote-image across accounts', () => {
  it('copies through the registry API, each side with its own identity, then tags the target; the keys are secrets', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE', [`${PRODUCTION}/team/webapp`]: 'IMMUTABLE' });
    const [staging, production] = [w.registries.get(STAGING)!, w.registries.get(PRODUCTION)!];
    const img = storeImage(staging, 'webapp', 'abc123', ['layer one', 'layer two']);
    production.repo('team/webapp').blobs.set(img.blobs[2]!, Buffer.from('layer two'));
    await promote(promoteParams({ ...ACROSS, 'source-tag': 'abc123', tag: 'v1,production' }), promoteDeps(w));
    expect(w.calls.slice(0, 2)).toEqual(['keys staging eu-west-1', 'keys production eu-west-1']);
    for (const tag of ['v1', 'production']) expect(production.repo('team/webapp').manifests.get(tag)?.bytes).toEqual(img.bytes);
    expect(w.calls.filter((c) => c.startsWith('retry PUT manifest'))).toEqual(['retry PUT manifest v1', 'retry PUT manifest production']);
    const login = (p: string) => `Basic ${Buffer.from(`AWS:password-for-${keysOf(p).accessKeyId}`).toString('base64')}`;
    expect(new Set(staging.seen.map((s) => s.auth))).toEqual(new Set([login('staging')]));
    expect(new Set(production.seen.map((s) => s.auth))).toEqual(new Set([login('production')]));
    const bytes = 'config of abc123'.length + 'layer one'.length;
    expect(w.lines).toEqual([
      `Copying image webapp:abc123 (${img.digest}) from webapp in registry ${STAGING} (${REGION}) as profile staging to team/webapp in registry ${PRODUCTION} (${REGION}) as profile production`,
      `  2 blob(s) copied (${bytes} bytes), 1 already there, 0 child manifest(s)`,
      expect.stringMatching(/^Promoted webapp:abc123 to /),
    ]);
    expect(w.results[0]).toMatchObject({ name: 'promote-image-team_webapp', result: { method: 'registry-copy', blobsCopied: 2, blobsSkipped: 1, bytesCopied: bytes, target: { registryId: PRODUCTION } } });
    for (const p of ['staging', 'production']) for (const v of Object.values(keysOf(p)).slice(0, 3)) expect(w.secrets.find(v)?.value).toBe(v);
  });

  it('finds the source registry by the source identity\'s account when source-account-id is empty', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE', [`${PRODUCTION}/webapp`]: 'MUTABLE' });
    const img = storeImage(w.registries.get(STAGING)!, 'webapp', 'v1', []);
    await promote(promoteParams({ 'source-repo': 'webapp', 'source-tag': 'v1', 'profile-name': 'production', tag: 'v1' }), promoteDeps(w));
    expect(w.calls).toContain(`getImage ${STAGING}/webapp {"imageTag":"v1"}`);
    expect(w.registries.get(PRODUCTION)!.repo('webapp').manifests.get('v1')?.bytes).toEqual(img.bytes);
    expect(w.calls.filter((c) => c.startsWith('putImage'))).toEqual([]);
    expect(w.results[0]?.result).toMatchObject({ method: 'registry-copy' });
  });
});

describe('promote-image across regions and with lists', () => {
  it('copies (not PutImage) to the same repository name in another region, naming a list as such', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE' });
    const staging = w.registries.get(STAGING)!;
    const amd = storeImage(staging, 'webapp', 'amd', ['amd layer']);
    const list = storeList(staging, 'webapp', 'abc123', [{ digest: amd.digest, size: amd.bytes.length, platform: { os: 'linux', architecture: 'amd64' } }]);
    const p = promoteParams({ 'source-repo': 'webapp', 'source-tag': 'abc123', 'source-region': 'us-east-1', 'source-account-id': STAGING, tag: 'v1' });
    await promote(p, promoteDeps(w));
    expect(w.calls).not.toContain(`putImage ${STAGING}/webapp v1`);
    expect(w.calls[0]).toBe('keys  us-east-1');
    expect(w.lines[0]).toMatch(new RegExp(`^Copying multi-architecture list webapp:abc123 \\(${list.digest}\\) from webapp in registry ${STAGING} \\(us-east-1\\)`));
    expect(w.results[0]?.result).toMatchObject({ method: 'registry-copy', source: { region: 'us-east-1' }, target: { region: REGION } });
  });

  it('lets an error that is not the registry\'s (a refused connection) through as it is', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE', [`${PRODUCTION}/team/webapp`]: 'MUTABLE' });
    storeImage(w.registries.get(STAGING)!, 'webapp', 'v1', ['l']);
    await w.registries.get(PRODUCTION)!.close();
    const err = await rejection(promote(promoteParams({ ...ACROSS, 'source-tag': 'v1', tag: 'v1' }), promoteDeps(w)));
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('logs each child manifest a copy across accounts puts', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE', [`${PRODUCTION}/team/webapp`]: 'MUTABLE' });
    const amd = storeImage(w.registries.get(STAGING)!, 'webapp', 'amd', ['amd layer']);
    storeList(w.registries.get(STAGING)!, 'webapp', 'v1', [{ digest: amd.digest, size: amd.bytes.length, platform: { os: 'linux', architecture: 'amd64' } }]);
    await promote(promoteParams({ ...ACROSS, 'source-tag': 'v1', tag: 'v1' }), promoteDeps(w));
    expect(w.lines.slice(1, 3)).toEqual([`  copied manifest ${amd.digest} (linux/amd64)`, expect.stringMatching(/^ {2}2 blob\(s\) copied \(\d+ bytes\), 0 already there, 1 child manifest\(s\)$/)]);
  });
});

describe('promote-image refusals', () => {
  it('refuses a source image that is not there, naming it, before looking at the target', async () => {
    const w = await promoteWorld({});
    const err = await rejection(promote(promoteParams({ ...ACROSS, 'source-tag': 'nope', tag: 'v1' }), promoteDeps(w)), OrbError);
    expect(err.message).toBe(`the source image webapp:nope is not in registry ${STAGING} (${REGION})`);
    expect(err.hint).toMatch(/^check source-repo, source-tag\/source-digest/);
    const d = `sha256:${'9'.repeat(64)}`;
    expect((await rejection(promote(promoteParams({ ...ACROSS, 'source-digest': d, tag: 'v1' }), promoteDeps(w)), OrbError)).message).toContain(`webapp@${d} is not`);
  });

  it('refuses a missing target repository', async () => {
    const w = await promoteWorld({});
    storeImage(w.registries.get(STAGING)!, 'webapp', 'v1', []);
    const err = await rejection(promote(promoteParams({ ...ACROSS, 'source-tag': 'v1', tag: 'v1' }), promoteDeps(w)), OrbError);
    expect(err.message).toBe(`the target repository team/webapp in registry ${PRODUCTION} (${REGION}) does not exist`);
    expect(err.hint).toMatch(/create-repo: true/);
  });

  it.each(['IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION'])('refuses to move a tag of an %s repository, before any write', async (mutability) => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE', [`${PRODUCTION}/team/webapp`]: mutability });
    const img = storeImage(w.registries.get(STAGING)!, 'webapp', 'v1', ['l']);
    const old = storeImage(w.registries.get(PRODUCTION)!, 'team/webapp', 'production', ['old']);
    const err = await rejection(promote(promoteParams({ ...ACROSS, 'source-tag': 'v1', tag: 'v2 production' }), promoteDeps(w)), OrbError);
    expect(err.message).toBe(`the repository team/webapp in registry ${PRODUCTION} (${REGION}) is IMMUTABLE and already has tag(s) production (at ${old.digest}), not ${img.digest}: ECR refuses to move a tag there`);
    expect(err.hint).toBe('use a new tag (e.g. ${CIRCLE_SHA1}), or promote the image those tags already name');
    expect(w.registries.get(PRODUCTION)!.seen).toEqual([]);
    expect(w.exports).toEqual([]);
  });

  it('moves a tag of a MUTABLE repository', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE', [`${PRODUCTION}/team/webapp`]: 'MUTABLE' });
    const img = storeImage(w.registries.get(STAGING)!, 'webapp', 'v1', ['l']);
    storeImage(w.registries.get(PRODUCTION)!, 'team/webapp', 'production', ['old']);
    await promote(promoteParams({ ...ACROSS, 'source-tag': 'v1', tag: 'production' }), promoteDeps(w));
    expect(sha(w.registries.get(PRODUCTION)!.repo('team/webapp').manifests.get('production')!.bytes)).toBe(img.digest);
  });

  it('refuses when ECR reads back other digests after the promotion, and exports nothing', async () => {
    const w = await promoteWorld({ [`${STAGING}/webapp`]: 'MUTABLE' });
    const img = storeImage(w.registries.get(STAGING)!, 'webapp', 'v1', []);
    const other = `sha256:${'0'.repeat(64)}`;
    w.moved = new Map([['a', other], ['c', img.digest]]);
    const err = await rejection(promote(promoteParams({ 'source-repo': 'webapp', 'source-tag': 'v1', tag: 'a b c' }), promoteDeps(w)), OrbError);
    expect(err.message).toBe(`after the promotion, a -> ${other}, b -> nothing in webapp in registry ${STAGING} (${REGION}), not the source digest ${img.digest}`);
    expect(err.hint).toBe('another job moved the same tags at the same time; use unique tags');
    expect([w.exports, w.results]).toEqual([[], []]);
  });
});
