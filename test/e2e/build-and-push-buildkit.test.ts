// build-and-push's classic build on BuildKit, with the real engine and registry: on a docker CLI whose
// `docker build` has BuildKit, secrets (from a variable and from a file) reach a RUN step and a linux/arm64
// image is built without emulation and pushed; without BuildKit, secrets are refused before any build, and an
// image that came out for another platform than the one asked for is refused before any push.
import { describe, expect, it, type TestContext } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { buildKitDockerCli, busyboxImage, docker } from '../harness/docker.ts';
import { configPlatform } from '../harness/platforms.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { classicBuildKit, VERSION_ARGV } from '../../src/commands/build-and-push/buildkit.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT]);
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const STEP = 'Build and push to Amazon ECR';
const login: ConsumerStep[] = [
  { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION } },
  { orb: 'ecr-login' },
];
const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
const out = (r: JobResult, name: string) => r.steps.find((s) => s.name === name)?.output ?? '';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A project whose files are `files` plus a stamp that makes each image unique. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bk-project-'));
  for (const [name, text] of Object.entries({ ...files, stamp: `${Date.now()}-${Math.random()}\n` })) writeFileSync(join(dir, name), text);
  return dir;
}

/** The files of a gzipped tar layer, name -> content (regular files only). */
function layerFiles(gz: Buffer): Map<string, string> {
  const tar = gunzipSync(gz);
  const files = new Map<string, string>();
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
    const name = tar.subarray(at, at + 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(tar.subarray(at + 124, at + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    if (String.fromCharCode(tar[at + 156] ?? 0) === '0' || tar[at + 156] === 0) files.set(name, tar.subarray(at + 512, at + 512 + size).toString('utf8'));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** The BuildKit CLI, or the test skipped with the reason printed. */
async function kitOrSkip(ctx: TestContext): Promise<string> {
  const kit = await buildKitDockerCli();
  if ('reason' in kit) {
    console.log(`skipped: ${kit.reason}`);
    ctx.skip();
    throw new Error('unreachable');
  }
  return kit.cli;
}

describe('build-and-push: the classic build on BuildKit', () => {
  it('secrets from a variable and a file reach a RUN step, the image is linux/arm64, and no secret is in argv, output or image', async (ctx) => {
    const cli = await kitOrSkip(ctx);
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'kit' });
    const token = `gh-${randomBytes(16).toString('hex')}`;
    const npmrc = `npm-${randomBytes(16).toString('hex')}`;
    // The secrets are checked by a RUN step of a stage on the build's own platform (no emulation needed),
    // which leaves only the word "checked" for the linux/arm64 stage to copy.
    const dockerfile = [
      `FROM --platform=$BUILDPLATFORM ${await busyboxImage()} AS check`,
      `RUN --mount=type=secret,id=token --mount=type=secret,id=npmrc printf '%s  %s\\n' ${sha256(token)} /run/secrets/token ${sha256(npmrc)} /run/secrets/npmrc | sha256sum -c - && echo checked > /proof`,
      'FROM scratch', 'COPY --from=check /proof /proof', 'COPY stamp /stamp', '',
    ].join('\n');
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...login,
      { name: 'Write the npmrc secret', run: 'umask 077; printf %s "$NPM_SECRET" > npmrc.secret' },
      // --network none: the RUN step needs no network, and the engine here may have no bridge for it.
      { orb: 'build-and-push', params: { repo: 'kit', tag: 'v1', builder: 'docker', platform: 'linux/arm64', secrets: 'id=token,env=GH_SECRET\nid=npmrc,src=npmrc.secret', 'extra-build-args': '--network none' } },
    ]), 'deploy', { checkoutSource: project({ Dockerfile: dockerfile, '.dockerignore': 'npmrc.secret\n' }), dockerCli: cli, env: { GH_SECRET: token, NPM_SECRET: npmrc } });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, STEP)).toMatch(/Builder: classic docker build on BuildKit\n/);
    const build = rig.dockerCalls(r).find((c) => c.argv[0] === 'build');
    expect(build?.argv).toEqual(expect.arrayContaining(['--platform', 'linux/arm64', '--secret', 'id=token,env=GH_SECRET', '--secret', 'id=npmrc,src=npmrc.secret']));
    const reg = registries.get(ACCOUNT)!;
    expect(await configPlatform(reg, 'kit', 'v1')).toBe('linux/arm64');
    // The RUN step saw both secrets (sha256sum -c passed), and the image holds its word, not the secrets.
    const image = await reg.image('kit', { imageTag: 'v1' });
    const manifest = JSON.parse(image?.manifest ?? '{}') as { config: { digest: string }; layers: { digest: string }[] };
    const layers = await Promise.all(manifest.layers.map(async (l) => layerFiles((await reg.blob('kit', l.digest))!)));
    expect(layers.find((f) => f.has('proof'))?.get('proof')).toBe('checked\n');
    const texts = [image?.manifest ?? '', (await reg.blob('kit', manifest.config.digest))!.toString('utf8'), ...layers.flatMap((f) => [...f].flat())];
    for (const secret of [token, npmrc]) {
      expect(texts.some((t) => t.includes(secret))).toBe(false);
      expect(JSON.stringify(rig.toolCalls(r).map((c) => c.argv))).not.toContain(secret);
      expect(r.steps.some((s) => s.output.includes(secret))).toBe(false);
    }
  });
});

describe('build-and-push: the classic build without BuildKit', () => {
  /** The host's docker with BuildKit taken away: the CLI on PATH as it is when it has none (a CLI 23+ without buildx), else with DOCKER_BUILDKIT=0. */
  async function withoutBuildKit(): Promise<Record<string, string>> {
    const version = await docker(VERSION_ARGV).catch(() => '');
    const env = classicBuildKit(version, false, {}) ? { DOCKER_BUILDKIT: '0' } : {};
    console.log(`the docker CLI on PATH: ${version.trim()}; ${env.DOCKER_BUILDKIT ? 'it has BuildKit: the job sets DOCKER_BUILDKIT=0' : 'no BuildKit in its docker build'}`);
    return env;
  }

  it('refuses secrets before any build, naming the parameter and the fix', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'kit' });
    const r = await rig.run(consumerConfig(rig.orbText, [...login, { orb: 'build-and-push', params: { repo: 'kit', tag: 'nokit', builder: 'docker', secrets: 'id=token,env=GH_SECRET' } }]),
      'deploy', { checkoutSource: project({ Dockerfile: 'FROM scratch\nCOPY stamp /stamp\n' }), env: await withoutBuildKit() });
    expect(r.success).toBe(false);
    expect(out(r, STEP)).toMatch(/aws-oidc\/build-and-push: secrets needs BuildKit, and this build uses the classic docker build without it \(builder: docker\)\n\s+fix: use an executor with docker buildx or with a docker CLI 18\.09 to 22\.x/);
    expect(rig.dockerCalls(r).map((c) => c.argv[0])).not.toContain('build');
  });


  it('refuses, before any push, an image that came out for the engine\'s platform instead of the one asked for', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'kit' });
    const engine = `linux/${(await docker(['version', '--format', '{{.Server.Arch}}'])).trim()}`;
    const other = engine === 'linux/arm64' ? 'linux/amd64' : 'linux/arm64';
    // Without BuildKit, the build cache does not tell platforms apart: the second build reuses the first one's
    // layers, and its image says the engine's platform. This is how the fan-out example pushed two amd64 images.
    const step = (tag: string, platform: string): ConsumerStep => ({ orb: 'build-and-push', params: { repo: 'kit', tag, platform } });
    const r = await rig.run(consumerConfig(rig.orbText, [...login, step('own', engine), step('other', other)]),
      'deploy', { checkoutSource: project({ Dockerfile: 'FROM scratch\nCOPY stamp /stamp\n' }), env: await withoutBuildKit() });
    expect(r.success).toBe(false);
    const second = r.steps.filter((s) => s.name === STEP)[1]?.output ?? '';
    expect(second).toMatch(/Builder: classic docker build \(auto: buildx not found\)/);
    expect(second).toContain(`aws-oidc/build-and-push: parameter platform: the classic docker build made ${registries.get(ACCOUNT)!.host}/kit:other for ${engine}, so it was not pushed (got "${other}")`);
    expect(second).toContain(`\n  fix: build with buildx and QEMU emulation (docker run --privileged --rm tonistiigi/binfmt --install ${other.split('/')[1] ?? ''}), or run this job on a ${other} resource class`);
    expect(rig.dockerCalls(r).map((c) => c.argv.slice(0, 2).join(' '))).toEqual(['buildx version', 'version --format', 'build --file', 'image inspect', `push ${registries.get(ACCOUNT)!.host}/kit:own`,
      'buildx version', 'version --format', 'build --file', 'image inspect']);
    expect(await registries.get(ACCOUNT)!.manifestDigest('kit', 'own')).toMatch(/^sha256:/);
    expect(await registries.get(ACCOUNT)!.manifestDigest('kit', 'other')).toBeUndefined();
  });
});
