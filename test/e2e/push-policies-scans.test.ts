// build-and-push with push: false, then push-image after a test step; create-repo with a lifecycle policy
// file and the pull-from-other-accounts policy (checked with the AWS CLI, and enforced by the local ECR for
// production's identity); the scan gate on findings the rig plants, basic and enhanced; and ECR's refusal
// to move a tag of an IMMUTABLE repository, explained by build-and-push and push-image.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT, PROD_ACCOUNT]);
const BUILD = 'Build and push to Amazon ECR';
const PUSH = 'Push the image to Amazon ECR';
const FAST_SCANS = { AWS_OIDC_SCAN_POLL_MS: '100' };

function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-images-project-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), `${Date.now()}-${Math.random()}\n`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const login: ConsumerStep[] = [
  { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION } },
  { orb: 'ecr-login' },
];
const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name} (exit ${s.exitCode})\n${s.output}`).join('\n');
const out = (r: JobResult, name: string) => r.steps.filter((s) => s.name === name).map((s) => s.output).join('\n');

describe('push: false, then push-image', () => {
  it('the build leaves the tags in the engine, nothing reaches ECR until push-image, which exports the digest ECR has', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'tested' });
    const reg = registries.get(ACCOUNT)!;
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...login,
      { orb: 'build-and-push', params: { repo: 'tested', tag: 'ok-${CIRCLE_BUILD_NUM},latest', push: false } },
      { name: 'Test the image', run: 'docker image inspect --format "{{.Id}}" "$AWS_ECR_IMAGE_URI" && echo "digest before push: ${AWS_ECR_IMAGE_DIGEST:-none}"' },
      { orb: 'push-image', params: { repo: 'tested', tag: 'ok-${CIRCLE_BUILD_NUM},latest' } },
      { name: 'Outputs', run: 'echo "digest=$AWS_ECR_IMAGE_DIGEST ref=$AWS_ECR_IMAGE_REF"' },
    ]), 'deploy', { checkoutSource: project() });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, BUILD)).toMatch(/Built \S+\/tested:ok-\d+, \S+\/tested:latest \(push: false\)/);
    expect(out(r, 'Test the image')).toMatch(/digest before push: none/);
    const digest = /digest=(sha256:[0-9a-f]{64})/.exec(out(r, 'Outputs'))?.[1];
    expect(await reg.manifestDigest('tested', `ok-${r.env.CIRCLE_BUILD_NUM}`)).toBe(digest);
    expect(await reg.manifestDigest('tested', 'latest')).toBe(digest);
    expect(out(r, 'Outputs')).toContain(`ref=${reg.host}/tested@${digest}`);
    expect(rig.dockerCalls(r).filter((c) => c.argv[0] === 'push').map((c) => c.argv[1]?.split(':').at(-1))).toEqual([`ok-${r.env.CIRCLE_BUILD_NUM}`, 'latest']);
  });

  it('push-image without the local image says to build it with push: false first', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'tested' });
    const r = await rig.run(consumerConfig(rig.orbText, [...login, { orb: 'push-image', params: { repo: 'tested', tag: 'never-built' } }]));
    expect(r.success).toBe(false);
    expect(out(r, PUSH)).toMatch(/aws-oidc\/push-image: the local docker engine has no image \S+\/tested:never-built\n\s+fix: run build-and-push with push: false/);
  });
});

describe('repository policies on create-repo', () => {
  it('a lifecycle policy file and the pull policy for production; production may then read the image, and a second run leaves both alone', async () => {
    const lifecycle = JSON.stringify({ rules: [{ rulePriority: 1, description: 'keep 10', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } }] }, null, 2);
    const step: ConsumerStep = { orb: 'build-and-push', params: {
      repo: 'shared', tag: 'p-${CIRCLE_BUILD_NUM}', 'create-repo': true, 'repo-lifecycle-policy': 'policies/lifecycle.json', 'repo-pull-account-ids': PROD_ACCOUNT, 'update-repo-policies': true,
    } };
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...login, step,
      { name: 'Policies', run: 'aws ecr get-lifecycle-policy --repository-name shared --query lifecyclePolicyText --output text; aws ecr get-repository-policy --repository-name shared --query policyText --output text' },
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy`, region: REGION, 'profile-name': 'production' } },
      { name: 'Production reads', run: `aws ecr batch-get-image --profile production --registry-id ${ACCOUNT} --repository-name shared --image-ids imageTag=p-$CIRCLE_BUILD_NUM --query "images[0].imageId.imageDigest" --output text` },
      step,
    ]), 'deploy', { checkoutSource: project({ 'policies/lifecycle.json': lifecycle }), branch: 'main' });
    expect(r.success, all(r)).toBe(true);
    const [lc, policy] = out(r, 'Policies').trim().split('\n');
    expect(JSON.parse(lc ?? '{}')).toEqual(JSON.parse(lifecycle));
    expect(JSON.parse(policy ?? '{}')).toMatchObject({ Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${PROD_ACCOUNT}:root`] }, Action: expect.arrayContaining(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']) }] });
    expect(out(r, 'Production reads').trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    const runs = r.steps.filter((s) => s.name === BUILD);
    expect(runs[0]?.output).toMatch(/Applied the lifecycle policy\nApplied the repository policy/);
    expect(runs[1]?.output).toMatch(/The lifecycle policy is already the one given: left as it is\nThe repository policy is already the one given: left as it is/);
  });

  it('without the policy production may not read the repository; a bad policy fails before any AWS call', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'private' });
    const before = rig.aws.requests.length;
    const bad = await rig.run(consumerConfig(rig.orbText, [...login.slice(0, 1),
      { orb: 'build-and-push', params: { repo: 'private', 'create-repo': true, 'repo-policy': '{"Statement": [}' } }]), 'deploy', { checkoutSource: project() });
    expect(bad.success).toBe(false);
    expect(out(bad, BUILD)).toMatch(/aws-oidc\/build-and-push: parameter repo-policy: is not valid JSON: .* \(got "\{\\"Statement\\": \[\}"\)\n\s+fix: fix the JSON/);
    // The job's only AWS calls were the role assumption's (STS); build-and-push made none.
    expect(rig.aws.requests.slice(before).map((q) => q.action).filter((a) => !['AssumeRoleWithWebIdentity', 'GetCallerIdentity'].includes(a))).toEqual([]);
    const r = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy`, region: REGION } },
      { name: 'Production reads', run: `aws ecr describe-images --registry-id ${ACCOUNT} --repository-name private 2>&1 || true` },
    ]), 'deploy', { branch: 'main' });
    expect(out(r, 'Production reads')).toMatch(/AccessDeniedException.*not authorized to perform: ecr:DescribeImages/);
  });
});

describe('scan gate', () => {
  it('basic scanning on push: waits, prints the table and counts, fails on HIGH; passes with only LOW findings', async () => {
    rig.aws.planScans({ account: ACCOUNT, region: REGION, name: 'scanned' }, { polls: 2, findings: [
      { name: 'CVE-2024-0001', severity: 'HIGH', packageName: 'openssl', packageVersion: '3.0.11-1' },
      { name: 'CVE-2024-0002', severity: 'LOW', packageName: 'zlib', packageVersion: '1.2.13' },
      { name: 'CVE-2024-0003', severity: 'CRITICAL', packageName: 'glibc', packageVersion: '2.36-9' },
    ] });
    const step = (tag: string, severity: string): ConsumerStep => ({ orb: 'build-and-push', params: { repo: 'scanned', tag, 'create-repo': true, 'repo-scan-on-push': true, 'scan-gate': true, 'scan-fail-on-severity': severity } });
    const failed = await rig.run(consumerConfig(rig.orbText, [...login, step('s1', 'HIGH')]), 'deploy', { checkoutSource: project(), env: FAST_SCANS });
    expect(failed.success).toBe(false);
    const text = out(failed, BUILD);
    expect(text).toMatch(/Scan COMPLETE for sha256:[0-9a-f]{64}: CRITICAL 1, HIGH 1, LOW 1/);
    expect(text).toMatch(/SEVERITY\s+FINDING\s+PACKAGE\s+VERSION\n\s+CRITICAL\s+CVE-2024-0003\s+glibc\s+2\.36-9\n\s+HIGH\s+CVE-2024-0001\s+openssl\s+3\.0\.11-1\n\s+LOW\s+CVE-2024-0002\s+zlib\s+1\.2\.13/);
    expect(text).toMatch(/aws-oidc\/build-and-push: the scan gate failed: 2 finding\(s\) at HIGH or above/);
    expect(rig.aws.requests.filter((q) => q.action === 'DescribeImageScanFindings').length).toBeGreaterThanOrEqual(3);
    const critical = await rig.run(consumerConfig(rig.orbText, [...login, step('s2', 'CRITICAL')]), 'deploy', { checkoutSource: project(), env: FAST_SCANS });
    expect(critical.success).toBe(false);
    expect(out(critical, BUILD)).toMatch(/the scan gate failed: 1 finding\(s\) at CRITICAL or above/);
    rig.aws.planScans({ account: ACCOUNT, region: REGION, name: 'scanned' }, { findings: [{ name: 'CVE-2024-0002', severity: 'LOW', packageName: 'zlib', packageVersion: '1.2.13' }] });
    const ok = await rig.run(consumerConfig(rig.orbText, [...login, step('s3', 'HIGH')]), 'deploy', { checkoutSource: project(), env: FAST_SCANS });
    expect(ok.success, all(ok)).toBe(true);
    expect(out(ok, BUILD)).toMatch(/The scan gate passed: nothing at HIGH or above/);
  });

  it('a repository without scan on push gets a scan started; enhanced scanning findings gate push-image', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'manual-scan' });
    const r = await rig.run(consumerConfig(rig.orbText, [...login, { orb: 'build-and-push', params: { repo: 'manual-scan', tag: 'manual-1', 'scan-gate': true } }]), 'deploy', { checkoutSource: project(), env: FAST_SCANS });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, BUILD)).toMatch(/Started a scan of sha256:\S+ \(the repository does not scan on push\)[\s\S]*Scan COMPLETE for sha256:\S+: no findings/);
    rig.aws.useEnhancedScanning(PROD_ACCOUNT);
    rig.aws.ensureRepository({ account: PROD_ACCOUNT, region: REGION, name: 'enhanced' });
    rig.aws.planScans({ account: PROD_ACCOUNT, region: REGION, name: 'enhanced' }, { findings: [{ name: 'CVE-2023-4911', severity: 'HIGH', packageName: 'glibc', packageVersion: '2.36-9' }] });
    const e = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy`, region: REGION } },
      { orb: 'ecr-login' },
      { orb: 'build-and-push', params: { repo: 'enhanced', tag: 'enhanced-1', push: false } },
      { orb: 'push-image', params: { repo: 'enhanced', tag: 'enhanced-1', 'scan-gate': true, 'scan-timeout': 30 } },
    ]), 'deploy', { checkoutSource: project(), env: FAST_SCANS, branch: 'main' });
    expect(e.success).toBe(false);
    expect(out(e, PUSH)).toMatch(/Scan ACTIVE for sha256:\S+: HIGH 1\n\s+SEVERITY\s+FINDING\s+PACKAGE\s+VERSION\n\s+HIGH\s+CVE-2023-4911\s+glibc\s+2\.36-9/);
    expect(out(e, PUSH)).toMatch(/aws-oidc\/push-image: the scan gate failed: 1 finding\(s\) at HIGH or above/);
  });
});

describe('IMMUTABLE repositories', () => {
  it('a second build to an existing tag is refused by the registry; build-and-push names the tag, its digest and skip-when-tags-exist', async () => {
    rig.aws.setTagMutability({ account: ACCOUNT, region: REGION, name: 'frozen' }, 'IMMUTABLE');
    const r = await rig.run(consumerConfig(rig.orbText, [
      ...login,
      { orb: 'build-and-push', params: { repo: 'frozen', tag: 'v1' } },
      { name: 'Change the image', run: 'date +%s%N > stamp' },
      { orb: 'build-and-push', params: { repo: 'frozen', tag: 'v1' } },
    ]), 'deploy', { checkoutSource: project() });
    expect(r.success).toBe(false);
    const reg = registries.get(ACCOUNT)!;
    const first = await reg.manifestDigest('frozen', 'v1');
    const second = r.steps.filter((s) => s.name === BUILD)[1]?.output ?? '';
    expect(second).toMatch(/tag invalid: The image tag 'v1' already exists in the 'frozen' repository and cannot be overwritten because the repository is immutable/);
    expect(second).toContain(`aws-oidc/build-and-push: the repository ${reg.host}/frozen is IMMUTABLE and already has tag(s) v1 (at ${first}): ECR refuses to move a tag there`);
    expect(second).toMatch(/fix: use a new tag \(e\.g\. \$\{CIRCLE_SHA1\}\), or set skip-when-tags-exist: true/);
    expect(reg.requests.filter((q) => q.method === 'PUT' && q.path === '/v2/frozen/manifests/v1').map((q) => q.status)).toEqual([201, 400]);
  });
});
