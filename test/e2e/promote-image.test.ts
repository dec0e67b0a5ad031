// promote-image against the rig's ECR and registries (Debian's docker-registry behind the ECR front): a re-tag
// in one repository through PutImage; a copy to another account with two identities, blobs skipped on the
// second run; a multi-architecture OCI index copied whole; and the IMMUTABLE refusals, before anything is written.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { buildKitDockerCli } from '../harness/docker.ts';
import { configPlatform } from '../harness/platforms.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT, PROD_ACCOUNT]);
const STEP = 'Promote the image in Amazon ECR';

/** A project whose Dockerfile makes a unique FROM scratch image. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'promote-project-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), `${Date.now()}-${Math.random()}\n`);
  return dir;
}

const profiles: ConsumerStep[] = [
  { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/staging-deploy`, region: REGION, 'profile-name': 'staging' } },
  { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy`, region: REGION, 'profile-name': 'production' } },
  { orb: 'ecr-login', params: { 'profile-name': 'staging' } },
];
const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name} (exit ${s.exitCode})\n${s.output}`).join('\n');
const out = (r: JobResult, name: string) => r.steps.filter((s) => s.name === name).map((s) => s.output).join('\n');
const digestIn = (text: string, label: string) => new RegExp(`${label}=(sha256:[0-9a-f]{64})`).exec(text)?.[1];
const toProd = (tag: string, extra: Record<string, string> = {}): ConsumerStep => ({ orb: 'promote-image', params: {
  'source-repo': 'webapp', 'source-digest': '${AWS_ECR_IMAGE_DIGEST}', 'source-profile-name': 'staging', 'account-id': PROD_ACCOUNT, 'profile-name': 'production', region: REGION, tag, ...extra,
} });

describe('promote-image', () => {
  it('re-tags in the same repository through ECR (BatchGetImage, PutImage): no docker, same digest, a second run changes nothing', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'webapp' });
    const promote: ConsumerStep = { orb: 'promote-image', params: { 'source-repo': 'webapp', 'source-tag': 'build-${CIRCLE_BUILD_NUM}', tag: 'staging,qa' } };
    const r = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION } },
      { orb: 'ecr-login' },
      { orb: 'build-and-push', params: { repo: 'webapp', tag: 'build-${CIRCLE_BUILD_NUM}' } },
      { name: 'Built', run: 'echo "built=$AWS_ECR_IMAGE_DIGEST"' },
      promote,
      { name: 'Promoted', run: 'echo "promoted=$AWS_ECR_IMAGE_DIGEST ref=$AWS_ECR_IMAGE_REF"' },
      promote,
    ]), 'deploy', { checkoutSource: project() });
    expect(r.success, all(r)).toBe(true);
    const built = digestIn(out(r, 'Built'), 'built');
    expect(built).toBeDefined();
    expect(digestIn(out(r, 'Promoted'), 'promoted')).toBe(built);
    const reg = registries.get(ACCOUNT)!;
    for (const tag of ['staging', 'qa']) expect(await reg.manifestDigest('webapp', tag)).toBe(built);
    const runs = r.steps.filter((s) => s.name === STEP);
    expect(runs[0]?.output).toMatch(/through ECR \(PutImage\)/);
    expect(runs[1]?.output).toMatch(/Already at sha256:[0-9a-f]{64} in \S+\/webapp: staging, qa \(nothing to do for them\)/);
    expect(rig.aws.requests.filter((q) => q.action === 'PutImage' && q.status === 200)).toHaveLength(2);
    // Only build-and-push ran docker (its buildx and BuildKit probes, the build, the push); the promotions ran none.
    expect(rig.dockerCalls(r).map((c) => c.argv[0])).toEqual(['buildx', 'version', 'build', 'push']);
    const result = JSON.parse(readFileSync(`${r.home}/.aws-oidc/results/promote-image-webapp.json`, 'utf8')) as Record<string, unknown>;
    expect(result).toMatchObject({ digest: built, method: 'none', tagsUnchanged: ['staging', 'qa'] });
  });

  it('copies to another account with two identities; the digest in production is the one tested in staging; the second run copies no blob', async () => {
    for (const account of [ACCOUNT, PROD_ACCOUNT]) rig.aws.ensureRepository({ account, region: REGION, name: 'webapp' });
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...profiles,
      { orb: 'build-and-push', params: { repo: 'webapp', tag: 'rc-${CIRCLE_BUILD_NUM}', 'profile-name': 'staging', region: REGION } },
      { name: 'Tested', run: 'echo "tested=$AWS_ECR_IMAGE_DIGEST"' },
      toProd('release-${CIRCLE_BUILD_NUM}'),
      { name: 'Deployed', run: 'echo "deployed=$AWS_ECR_IMAGE_DIGEST"; echo "ref=$AWS_ECR_IMAGE_REF"' },
      toProd('release-${CIRCLE_BUILD_NUM}'),
    ]), 'deploy', { checkoutSource: project(), branch: 'main' });
    expect(r.success, all(r)).toBe(true);
    const tested = digestIn(out(r, 'Tested'), 'tested');
    expect(digestIn(out(r, 'Deployed'), 'deployed')).toBe(tested);
    const prod = registries.get(PROD_ACCOUNT)!;
    expect(await prod.manifestDigest('webapp', `release-${r.env.CIRCLE_BUILD_NUM}`)).toBe(tested);
    expect(out(r, 'Deployed')).toContain(`ref=${prod.host}/webapp@${tested}`);
    const runs = r.steps.filter((s) => s.name === STEP);
    expect(runs[0]?.output).toMatch(/Copying image webapp@sha256:\S+ .* as profile staging to webapp in registry 222222222222 \(ap-northeast-1\) as profile production/);
    expect(runs[0]?.output).toMatch(/ {2}2 blob\(s\) copied \(\d+ bytes\), 0 already there/);
    expect(runs[1]?.output).toMatch(/nothing to do for them/);
    // Every write to production's registry was made by production's role, every read of staging's by staging's.
    const writes = prod.requests.filter((q) => q.method !== 'GET' && q.method !== 'HEAD' && q.status < 400);
    expect(writes.length).toBeGreaterThan(0);
    for (const q of writes) expect(q.identityArn).toMatch(new RegExp(`^arn:aws:sts::${PROD_ACCOUNT}:assumed-role/production-deploy/`));
    const reads = registries.get(ACCOUNT)!.requests.filter((q) => q.method === 'GET' && q.path.includes('/blobs/'));
    for (const q of reads) expect(q.identityArn).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/staging-deploy/`));
  });

  it('copies a multi-architecture OCI index whole across accounts, children included; docker pulls it from production', async (ctx) => {
    // The arm64 image is built on BuildKit (no emulation needed for FROM scratch); the classic builder without it
    // would reuse the amd64 build's layers, and build-and-push refuses to push that image as arm64.
    const kit = await buildKitDockerCli();
    if ('reason' in kit) {
      console.log(`skipped: the arm64 child needs BuildKit: ${kit.reason}`);
      return ctx.skip();
    }
    for (const account of [ACCOUNT, PROD_ACCOUNT]) rig.aws.ensureRepository({ account, region: REGION, name: 'webapp' });
    const build = (arch: string): ConsumerStep => ({ orb: 'build-and-push', params: { repo: 'webapp', tag: `multi-\${CIRCLE_BUILD_NUM}-${arch}`, platform: `linux/${arch}`, 'profile-name': 'staging', region: REGION } });
    const first = await rig.run(consumerConfig(rig.orbText, [...profiles, build('amd64'), build('arm64')]), 'deploy', { checkoutSource: project(), branch: 'main', dockerCli: kit.cli });
    expect(first.success, all(first)).toBe(true);
    // The index, put in the staging registry through the registry API, as a fan-in job would.
    const staging = registries.get(ACCOUNT)!;
    const tag = `multi-${first.env.CIRCLE_BUILD_NUM}`;
    const children = await Promise.all(['amd64', 'arm64'].map(async (architecture) => {
      const img = (await staging.image('webapp', { imageTag: `${tag}-${architecture}` }))!;
      return { mediaType: img.mediaType, digest: img.digest, size: Buffer.byteLength(img.manifest), platform: { os: 'linux', architecture } };
    }));
    await staging.putManifest('webapp', tag, JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: children }), 'application/vnd.oci.image.index.v1+json');
    for (const architecture of ['amd64', 'arm64']) expect(await configPlatform(staging, 'webapp', `${tag}-${architecture}`)).toBe(`linux/${architecture}`);
    const index = (await staging.image('webapp', { imageTag: tag }))!;
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...profiles,
      { orb: 'promote-image', params: { 'source-repo': 'webapp', 'source-tag': tag, 'source-profile-name': 'staging', 'account-id': PROD_ACCOUNT, 'profile-name': 'production', region: REGION, tag: `${tag}-prod` } },
      { orb: 'ecr-login', params: { 'profile-name': 'production' } },
      { name: 'Pull', run: 'docker pull -q "$AWS_ECR_IMAGE_REF" >/dev/null && docker image inspect --format "{{.Architecture}}" "$AWS_ECR_IMAGE_REF"' },
    ]), 'deploy', { branch: 'main' });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, STEP)).toMatch(/Copying multi-architecture list webapp:multi-\d+ /);
    expect(out(r, STEP)).toMatch(/copied manifest sha256:\S+ \(linux\/amd64\)\n.*copied manifest sha256:\S+ \(linux\/arm64\)/);
    const prod = registries.get(PROD_ACCOUNT)!;
    expect(await prod.manifestDigest('webapp', `${tag}-prod`)).toBe(index.digest);
    for (const c of children) expect((await prod.image('webapp', { imageDigest: c.digest }))?.digest).toBe(c.digest);
    expect(out(r, 'Pull').trim().split('\n').at(-1)).toBe('amd64');
  });

  it('IMMUTABLE target: a tag at another digest fails before anything is copied, naming the tag, the repository and both digests; one at the same digest is a no-op', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'webapp' });
    rig.aws.setTagMutability({ account: PROD_ACCOUNT, region: REGION, name: 'locked' }, 'IMMUTABLE');
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...profiles,
      { orb: 'build-and-push', params: { repo: 'webapp', tag: 'one-${CIRCLE_BUILD_NUM}', 'profile-name': 'staging', region: REGION } },
      toProd('v1', { repo: 'locked' }),
      toProd('v1', { repo: 'locked' }),
      { name: 'Another image', run: 'date +%s%N > stamp' },
      { orb: 'build-and-push', params: { repo: 'webapp', tag: 'two-${CIRCLE_BUILD_NUM}', 'profile-name': 'staging', region: REGION } },
      { name: 'Second', run: 'echo "second=$AWS_ECR_IMAGE_DIGEST"' },
      toProd('v1', { repo: 'locked' }),
    ]), 'deploy', { checkoutSource: project(), branch: 'main' });
    expect(r.success).toBe(false);
    const runs = r.steps.filter((s) => s.name === STEP);
    expect(runs[1]?.output).toMatch(/Already at sha256:\S+ in \S+\/locked: v1/);
    const prod = registries.get(PROD_ACCOUNT)!;
    const first = await prod.manifestDigest('locked', 'v1');
    const second = digestIn(out(r, 'Second'), 'second');
    expect(runs[2]?.output).toContain(`aws-oidc/promote-image: the repository locked in registry ${PROD_ACCOUNT} (${REGION}) is IMMUTABLE and already has tag(s) v1 (at ${first}), not ${second}`);
    expect(runs[2]?.output).toMatch(/fix: use a new tag/);
    expect(await prod.manifestDigest('locked', 'v1')).toBe(first);
    // The refused run wrote nothing: no blob upload or manifest in production after the second build.
    const lastWrite = prod.requests.filter((q) => q.method === 'PUT').at(-1);
    expect(lastWrite?.path).toMatch(/\/locked\/manifests\/v1$/);
    expect(prod.requests.filter((q) => q.method === 'PUT' && q.path.includes('/locked/manifests/'))).toHaveLength(1);
  });
});
