// Wrong architecture, never silently: the classic builder without BuildKit, asked for the other platform than the
// engine's, makes an image of the engine's platform from a local base image; build-and-push reads the image's
// platform after the build and refuses to push it, naming both platforms and the fix. create-manifest-list refuses
// a list in which two sources have one platform (two amd64 images under -amd64 and -arm64 tags), naming them.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { docker } from '../harness/docker.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT]);
const BASE = 'rig-platform-base:local';

const login: ConsumerStep[] = [
  { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION } },
  { orb: 'ecr-login' },
];
const out = (r: { steps: { name: string; output: string }[] }, name: string) => r.steps.filter((s) => s.name === name).map((s) => s.output).join('\n');
const all = (r: { steps: { name: string; output: string }[] }) => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');

/** A project with `dockerfile`, and a stamp that makes each build's image new. */
function project(dockerfile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bp-platform-'));
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  writeFileSync(join(dir, 'stamp'), `${Date.now()}-${Math.random()}\n`);
  return dir;
}

/** The engine's architecture (amd64 here) and the other one of amd64/arm64. */
async function architectures(): Promise<{ engine: string; other: string }> {
  const engine = (await docker(['version', '--format', '{{.Server.Arch}}'])).trim();
  return { engine, other: engine === 'amd64' ? 'arm64' : 'amd64' };
}

describe('platform checks', () => {
  it('build-and-push: a classic build without BuildKit that made the engine\'s platform is not pushed, and says both platforms and the fix', async () => {
    const { engine, other } = await architectures();
    // A base image of the engine's platform in the local store: the classic builder takes it for any --platform.
    const base = project('FROM scratch\nCOPY stamp /stamp\n');
    await docker(['build', '-q', '-t', BASE, base], { ...process.env, DOCKER_BUILDKIT: '0' });
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'platform' });
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...login,
      { orb: 'build-and-push', params: { repo: 'platform', tag: 'v1', builder: 'docker', platform: `linux/${other}` } },
    ]), 'deploy', { checkoutSource: project(`FROM ${BASE}\nCOPY stamp /stamp2\n`) });
    expect(r.success, all(r)).toBe(false);
    const host = registries.get(ACCOUNT)?.host ?? '?';
    const step = out(r, 'Build and push to Amazon ECR');
    expect(step).toMatch(/Builder: classic docker build\n/);
    expect(step).toContain(`aws-oidc/build-and-push: parameter platform: the classic docker build made ${host}/platform:v1 for linux/${engine}, so it was not pushed (got "linux/${other}")`);
    expect(step).toContain(`fix: build with buildx and QEMU emulation (docker run --privileged --rm tonistiigi/binfmt --install ${other}), or run this job on a linux/${other} resource class`);
    expect(rig.dockerCalls(r).filter((c) => c.argv[0] === 'push')).toEqual([]);
    expect(await registries.get(ACCOUNT)?.manifestDigest('platform', 'v1')).toBeUndefined();
  });

  it('create-manifest-list: two sources of one platform are refused by name, and no list is pushed', async () => {
    const { engine } = await architectures();
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'twice' });
    // Two images of the engine's platform, one of them under an -arm64 tag (as a classic build made them before the check).
    const build = (arch: string): ConsumerStep => ({ orb: 'build-and-push', params: { repo: 'twice', tag: `\${CIRCLE_SHA1}-${arch}`, 'build-args': `ARCH=${arch}` } });
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...login, build('amd64'), build('arm64'),
      { orb: 'create-manifest-list', params: { repo: 'twice', sources: '${CIRCLE_SHA1}-amd64 ${CIRCLE_SHA1}-arm64' } },
    ]), 'deploy', { checkoutSource: project('FROM scratch\nARG ARCH\nLABEL arch=$ARCH\nCOPY stamp /stamp\n') });
    expect(r.success, all(r)).toBe(false);
    const sha = r.env.CIRCLE_SHA1 ?? '?';
    const step = out(r, 'Create the multi-architecture manifest list');
    expect(step).toContain(`aws-oidc/create-manifest-list: sources ${sha}-amd64 and ${sha}-arm64 are both linux/${engine}: the manifest list would name one platform twice, so it was not pushed`);
    expect(step).toContain('fix: build each source for its own platform');
    expect(rig.dockerCalls(r).filter((c) => c.argv[0] === 'manifest').map((c) => c.argv[1])).toEqual(['rm', 'create', 'inspect', 'rm']);
    expect(await registries.get(ACCOUNT)?.manifestDigest('twice', sha)).toBeUndefined();
  });
});
