// build-and-push with the real engine and registry: a FROM scratch image with a build arg and labels,
// two tags, the digest read back from ECR and checked against the registry, a pull by digest; the
// re-run that builds nothing; create-repo; and the orb's own fan-out example job, run whole, whose
// manifest list really holds a linux/amd64 and a linux/arm64 image.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { buildKitDockerCli } from '../harness/docker.ts';
import { configPlatform, manifestListChildren } from '../harness/platforms.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT]);
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;

/** A project with a Dockerfile that takes a build arg into a label, checked out by the job. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bp-project-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nARG GREETING\nLABEL greeting=$GREETING\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), `${Date.now()}-${Math.random()}\n`);
  return dir;
}

const login: ConsumerStep[] = [
  { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION } },
  { orb: 'ecr-login' },
];
const out = (r: { steps: { name: string; output: string }[] }, name: string) => r.steps.find((s) => s.name === name)?.output ?? '';
const all = (r: { steps: { name: string; output: string }[] }) => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');

describe('build-and-push', () => {
  it('pushes two tags; the exported digest is what the registry serves for both; pull by digest has the labels', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'webapp' });
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...login,
      { orb: 'build-and-push', params: { repo: 'webapp', tag: '${CIRCLE_SHA1},latest', 'build-args': 'GREETING=hello from ${CIRCLE_PROJECT_REPONAME}', labels: 'team=web' } },
      { name: 'Outputs', run: 'echo "digest=$AWS_ECR_IMAGE_DIGEST"; echo "ref=$AWS_ECR_IMAGE_REF"; echo "uris=$AWS_ECR_IMAGE_URIS"' },
      { name: 'Pull by digest', run: 'docker image rm -f $AWS_ECR_IMAGE_URIS >/dev/null; docker pull -q "$AWS_ECR_IMAGE_REF" >/dev/null && docker image inspect --format "{{json .Config.Labels}}" "$AWS_ECR_IMAGE_REF"' },
    ]), 'deploy', { checkoutSource: project() });
    expect(r.success, all(r)).toBe(true);
    const reg = registries.get(ACCOUNT)!;
    const digest = /digest=(sha256:[0-9a-f]{64})/.exec(out(r, 'Outputs'))?.[1];
    expect(digest).toBeDefined();
    expect(await reg.manifestDigest('webapp', r.env.CIRCLE_SHA1 ?? '')).toBe(digest);
    expect(await reg.manifestDigest('webapp', 'latest')).toBe(digest);
    expect(out(r, 'Outputs')).toContain(`ref=${reg.host}/webapp@${digest}`);
    const labels = JSON.parse(out(r, 'Pull by digest').trim().split('\n').at(-1) ?? '{}') as Record<string, string>;
    expect(labels).toMatchObject({ greeting: 'hello from webapp', team: 'web', 'org.opencontainers.image.revision': r.env.CIRCLE_SHA1 });
    expect(labels['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The build arg's value never was on a command line: the rig's docker log has only its name.
    const calls = rig.dockerCalls().filter((c) => c.argv[0] === 'build');
    expect(calls.at(-1)?.argv).toEqual(expect.arrayContaining(['--build-arg', 'GREETING']));
    expect(JSON.stringify(calls)).not.toContain('hello from');
    const result = JSON.parse(readFileSync(`${r.home}/.aws-oidc/results/build-and-push-webapp.json`, 'utf8')) as { digest: string; builder: string; skipped: boolean };
    expect(result).toMatchObject({ digest, builder: 'docker', skipped: false });
    expect(out(r, 'Build and push to Amazon ECR')).toMatch(/Builder: classic docker build \(auto: buildx not found\)/);
  });

  it('skip-when-tags-exist: the second run builds and pushes nothing and exports the same digest', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'skip' });
    const step: ConsumerStep = { orb: 'build-and-push', params: { repo: 'skip', tag: 'v1', 'skip-when-tags-exist': true } };
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...login, step,
      { name: 'First', run: 'echo "$AWS_ECR_IMAGE_DIGEST"' },
      step,
      { name: 'Second', run: 'echo "$AWS_ECR_IMAGE_DIGEST"' },
    ]), 'deploy', { checkoutSource: project() });
    expect(r.success, all(r)).toBe(true);
    const runs = r.steps.filter((s) => s.name === 'Build and push to Amazon ECR');
    expect(runs[1]?.output).toMatch(/Every tag \(v1\) is already in \S+\/skip at sha256:[0-9a-f]{64}: no build, no push/);
    expect(out(r, 'Second')).toBe(out(r, 'First'));
    // The rig's docker log: one build and one push in the first run, nothing at all in the second.
    const job = rig.dockerCalls(r).map((c) => c.argv.slice(0, 2).join(' '));
    expect(job.filter((c) => c.startsWith('build ') || c === 'buildx build')).toHaveLength(1);
    expect(job.filter((c) => c.startsWith('push '))).toHaveLength(1);
    console.log(`skip-when-tags-exist re-run step: ${runs[1]?.durationMs ?? '?'} ms (the bench measures it against its 1.5 s target)`);
  });

  it('create-repo creates the repository with the requested settings; without it a missing repository is a clear error', async () => {
    const missing = await rig.run(consumerConfig(rig.orbText, [...login, { orb: 'build-and-push', params: { repo: 'not-yet' } }]), 'deploy', { checkoutSource: project() });
    expect(missing.success).toBe(false);
    expect(missing.steps.at(-1)?.output).toMatch(/aws-oidc\/build-and-push: the ECR repository not-yet does not exist in registry 111111111111 \(ap-northeast-1\)\n\s+fix: set create-repo: true/);
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...login,
      { orb: 'build-and-push', params: { repo: 'team/created', 'create-repo': true, 'repo-tag-mutability': 'IMMUTABLE', 'repo-scan-on-push': true } },
      { name: 'Describe', run: 'aws ecr describe-repositories --repository-names team/created --query "repositories[0].[imageTagMutability,imageScanningConfiguration.scanOnPush,encryptionConfiguration.encryptionType]" --output text' },
    ]), 'deploy', { checkoutSource: project() });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, 'Describe').trim().split(/\s+/)).toEqual(['IMMUTABLE', 'True', 'AES256']);
    expect(out(r, 'Build and push to Amazon ECR')).toMatch(/Created the ECR repository \S+\/team\/created \(scan on push: true, tags: IMMUTABLE, encryption: AES256\)/);
  });

  it('the orb\'s fan-out example runs whole: one job per architecture on BuildKit, then the stitch into one linux/amd64 + linux/arm64 list', async (ctx) => {
    // The build jobs run on a docker CLI whose classic build has BuildKit, as the arm64 job\'s machine would build
    // for its own platform: BuildKit builds a FROM scratch image for linux/arm64 here without emulation.
    const kit = await buildKitDockerCli();
    if ('reason' in kit) {
      console.log(`skipped: the fan-out example's arm64 image needs BuildKit: ${kit.reason}`);
      return ctx.skip();
    }
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'webapp' });
    const orb = parse(rig.orbText) as { examples: Record<string, { usage: object }> };
    const config = stringify(orb.examples['multi-arch-image-fan-out-fan-in']?.usage);
    // One pipeline: the three jobs share the commit.
    const sha = randomBytes(20).toString('hex');
    const opts = { checkoutSource: project(), env: { ECR_PUSH_ROLE_ARN: DEPLOY }, sha };
    const reg = registries.get(ACCOUNT)!;
    for (const arch of ['amd64', 'arm64']) {
      const r = await rig.runWorkflowJob(config, 'image', `build-${arch}`, { ...opts, dockerCli: kit.cli });
      expect(r.success, all(r)).toBe(true);
      expect(r.steps.map((s) => s.name)).toEqual(['Checkout code', 'Assume AWS role with CircleCI OIDC', 'Log in to Amazon ECR', 'Build and push to Amazon ECR']);
      expect(out(r, 'Build and push to Amazon ECR')).toMatch(/Builder: classic docker build on BuildKit \(auto: buildx not found\)/);
      // Each architecture's image, as the registry holds it, says it was built for that architecture.
      expect(await configPlatform(reg, 'webapp', `${sha}-${arch}`)).toBe(`linux/${arch}`);
    }
    const stitchJob = await rig.runWorkflowJob(config, 'image', 'stitch', opts);
    expect(stitchJob.success, all(stitchJob)).toBe(true);
    const list = await reg.image('webapp', { imageTag: sha });
    expect(list?.mediaType).toMatch(/manifest\.list|image\.index/);
    // The list names the two per-architecture images, each under its own platform, and each child's config agrees.
    const children = await manifestListChildren(reg, 'webapp', sha);
    const perArch = await Promise.all(['amd64', 'arm64'].map((a) => reg.manifestDigest('webapp', `${sha}-${a}`)));
    expect(children).toEqual([
      { digest: perArch[0], listed: 'linux/amd64', config: 'linux/amd64' },
      { digest: perArch[1], listed: 'linux/arm64', config: 'linux/arm64' },
    ]);
    expect(out(stitchJob, 'Create the multi-architecture manifest list')).toContain(`Manifest list ${reg.host}/webapp@${list?.digest}`);
  });
});

describe('build-and-push job', () => {
  it('on a docker executor with setup-remote-docker and before-build steps, passing the build parameters through', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'from-job' });
    const config = `version: 2.1
orbs:
  aws-oidc: aws-oidc/aws-oidc@0.1.0
workflows:
  image:
    jobs:
      - aws-oidc/build-and-push:
          name: image
          executor: aws-oidc/default
          setup-remote-docker: true
          docker-layer-caching: true
          role-arn: ${DEPLOY}
          region: ${REGION}
          repo: from-job
          tag: job-\${CIRCLE_BUILD_NUM}
          labels: built-by=job
          before-build:
            - run:
                name: Generate the Dockerfile
                command: printf 'FROM scratch\\nCOPY stamp /stamp\\n' > Dockerfile
`;
    const r = await rig.runWorkflowJob(config, 'image', 'image', { checkoutSource: project() });
    expect(r.success, all(r)).toBe(true);
    expect(r.steps.map((s) => s.name)).toEqual(['Checkout code', 'Setup a remote Docker engine', 'Assume AWS role with CircleCI OIDC', 'Log in to Amazon ECR',
      'Generate the Dockerfile', 'Build and push to Amazon ECR']);
    const build = rig.dockerCalls(r).find((c) => c.argv[0] === 'build');
    expect(build?.argv).toEqual(expect.arrayContaining(['--label', 'built-by=job', '--tag', expect.stringMatching(/\/from-job:job-\d+$/)]));
  });

  it('the fan-out example expands to one build job per architecture and the stitching job', async () => {
    const { expandWorkflow, loadConfig } = await import('../harness/runner/index.ts');
    const orb = parse(rig.orbText) as { examples: Record<string, { usage: object }> };
    const cfg = loadConfig(stringify(orb.examples['multi-arch-image-fan-out-fan-in']?.usage), { orbs: { 'aws-oidc/aws-oidc@0.1.0': rig.orbText } });
    const jobs = expandWorkflow(cfg, 'image');
    expect(jobs.map((j) => [j.name, j.requires])).toEqual([['build-amd64', []], ['build-arm64', []], ['stitch', ['build-amd64', 'build-arm64']]]);
  });
});
