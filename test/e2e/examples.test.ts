// Every usage example of the packed orb: expanded by the runner (every workflow and every job), then
// its jobs run whole in the rig against the local STS, ECR, registries and docker engine.
// What the rig adds, and nothing else: role ARNs and ExternalIds through the job's environment (as a
// context would hold them), a project with a Dockerfile as the checkout, repositories that exist
// beforehand (as in a real account), and, where an example reaches what the rig does not have, one
// step swapped or inserted, each with its reason printed.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { parse, stringify } from 'yaml';
import { ACCOUNT, EXTERNAL_ID, PROD_ACCOUNT, REGION, type RigRunOptions } from '../harness/rig.ts';
import { expandJob, expandWorkflow, loadConfig, type JobResult } from '../harness/runner/index.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { buildKitDockerCli } from '../harness/docker.ts';
import { manifestListChildren } from '../harness/platforms.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT, PROD_ACCOUNT]);
const ORB_REF = 'aws-oidc/aws-oidc@0.1.0';
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;

type Usage = { jobs?: Record<string, { steps: unknown[] }>; workflows?: Record<string, unknown> };
const examples = (): Record<string, { description: string; usage: Usage }> =>
  (parse(rig.orbText) as { examples: Record<string, { description: string; usage: Usage }> }).examples;

beforeAll(() => {
  for (const account of [ACCOUNT, PROD_ACCOUNT]) rig.aws.ensureRepository({ account, region: REGION, name: 'webapp' });
  // The read-only production role of the several-profiles example, trusted like the rig's other web-identity roles.
  rig.aws.addRole({ account: PROD_ACCOUNT, name: 'prod-readonly', trustPolicy: rig.trustPolicy(PROD_ACCOUNT) });
});

/** A project to check out: a Dockerfile that takes NODE_ENV into a label, and a file that makes each image unique. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'example-project-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nARG NODE_ENV\nLABEL env=$NODE_ENV\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), `${Date.now()}-${Math.random()}\n`);
  return dir;
}

/** The example's usage as config text; `edit` may change the parsed usage first (each caller says why). */
function config(name: string, edit?: (u: Usage) => void): string {
  const usage = structuredClone(examples()[name]?.usage);
  if (!usage) throw new Error(`the packed orb has no example ${name}`);
  edit?.(usage);
  return stringify(usage);
}

const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name} (exit ${s.exitCode})\n${s.output}`).join('\n');
const out = (r: JobResult, name: string) => r.steps.find((s) => s.name === name)?.output ?? '';
const ok = (r: JobResult) => expect(r.success, all(r)).toBe(true);
const lastPut = (account: string, repo: string) =>
  registries.get(account)!.requests.filter((q) => q.method === 'PUT' && q.path.startsWith(`/v2/${repo}/manifests/`)).at(-1);
const assumedRe = (account: string, role: string) => new RegExp(`arn:aws:sts::${account}:assumed-role/${role}/`);
const run = (text: string, workflow: string, job: string, opts: RigRunOptions = {}) => rig.runWorkflowJob(text, workflow, job, opts);
const ARWWI = () => rig.aws.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity' && q.status === 200).length;

/** The examples this file runs; a new example without an entry fails the coverage test below. */
const RUN: Record<string, (ctx: TestContext) => Promise<void>> = {
  'assume-role-and-call-aws': async () => {
    const r = await run(config('assume-role-and-call-aws'), 'deploy', 'deploy', { env: { DEPLOY_ROLE_ARN: DEPLOY } });
    ok(r);
    expect(out(r, 'Who am I')).toMatch(assumedRe(ACCOUNT, 'deploy'));
  },

  'staging-and-production-by-branch': async () => {
    const text = config('staging-and-production-by-branch');
    const staging = await run(text, 'deploy', 'deploy-staging', { branch: 'feature/login' });
    ok(staging);
    expect(out(staging, 'Deploy')).toMatch(assumedRe(ACCOUNT, 'staging-deploy'));
    const production = await run(text, 'deploy', 'deploy-production', { branch: 'main' });
    ok(production);
    expect(out(production, 'Deploy')).toMatch(assumedRe(PROD_ACCOUNT, 'production-deploy'));
    // The production job's config run from a feature branch: the role's trust policy refuses the token.
    const refused = await run(text, 'deploy', 'deploy-production', { branch: 'feature/login' });
    expect(refused.success).toBe(false);
    expect(out(refused, 'Assume AWS role with CircleCI OIDC')).toMatch(/AccessDenied/);
  },

  'chain-to-a-deploy-role-in-another-account': async () => {
    const r = await run(config('chain-to-a-deploy-role-in-another-account'), 'deploy', 'deploy',
      { env: { CIRCLECI_OIDC_ROLE_ARN: DEPLOY, DEPLOY_EXTERNAL_ID: EXTERNAL_ID } });
    ok(r);
    expect(out(r, 'Deploy with CloudFormation')).toMatch(assumedRe(PROD_ACCOUNT, 'cfn-deploy'));
  },

  'several-profiles-in-one-job': async () => {
    const r = await run(config('several-profiles-in-one-job'), 'deploy', 'deploy');
    ok(r);
    const arns = out(r, 'Compare staging with production');
    expect(arns).toMatch(assumedRe(ACCOUNT, 'staging-deploy'));
    expect(arns).toMatch(assumedRe(PROD_ACCOUNT, 'prod-readonly'));
  },

  'self-refresh-for-long-jobs': async () => {
    // Inserted: a step that lets 3700 s pass on the rig clock, so the 900 s session and the job's
    // token have both expired when the long work starts; the profile must refresh by itself.
    console.log('self-refresh-for-long-jobs: a step that advances the rig clock by 3700 s is inserted before the long work');
    const text = config('self-refresh-for-long-jobs', (u) => {
      u.jobs?.['migrate']?.steps.splice(2, 0, { run: { name: 'Time passes', command: 'rig-advance-clock 3700' } });
    });
    const before = ARWWI();
    const r = await run(text, 'migrate', 'migrate', { env: { DEPLOY_ROLE_ARN: DEPLOY }, fakeClock: true });
    ok(r);
    const arns = out(r, 'Long work with the self-refreshing profile').trim().split('\n');
    expect(arns).toHaveLength(2);
    for (const a of arns) expect(a).toMatch(assumedRe(ACCOUNT, 'deploy'));
    // One exchange by the step, one by the profile's refresh after the clock moved.
    expect(ARWWI() - before).toBe(2);
  },

  'guard-the-account-and-narrow-the-session': async () => {
    const text = config('guard-the-account-and-narrow-the-session');
    const r = await run(text, 'read-images', 'read-images', { env: { DEPLOY_ROLE_ARN: DEPLOY } });
    ok(r);
    expect(out(r, 'Who am I')).toMatch(assumedRe(ACCOUNT, 'deploy'));
    // A role of another account (a wrong ARN in the context): refused before anything is exported.
    const wrong = await run(text, 'read-images', 'read-images', { branch: 'main', env: { DEPLOY_ROLE_ARN: `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy` } });
    expect(wrong.success).toBe(false);
    expect(out(wrong, 'Assume AWS role with CircleCI OIDC')).toContain(`which is not in allowed-account-ids (${ACCOUNT}); nothing was exported`);
  },

  'push-to-ecr-with-session-keys': async () => {
    const r = await run(config('push-to-ecr-with-session-keys'), 'push', 'push', { env: { ECR_PUSH_ROLE_ARN: DEPLOY }, checkoutSource: project() });
    ok(r);
    expect(lastPut(ACCOUNT, 'webapp')).toMatchObject({ status: 201, identityArn: expect.stringMatching(assumedRe(ACCOUNT, 'deploy')) });
  },

  'push-to-two-accounts-with-two-identities': async () => {
    // Inserted: the staging image the example promotes, pushed first with staging's login (the example has no checkout).
    console.log('push-to-two-accounts-with-two-identities: a step that pushes the staging image is inserted before the promotion');
    const text = config('push-to-two-accounts-with-two-identities', (u) => {
      u.jobs?.['promote']?.steps.splice(4, 0, { run: { name: 'Staging image', command: [
        'date +%s%N > stamp; printf "FROM scratch\\nCOPY stamp /stamp\\n" > Dockerfile',
        `docker build -q -t "$AWS_ECR_REGISTRY_${ACCOUNT}/webapp:$CIRCLE_SHA1" . && docker push -q "$AWS_ECR_REGISTRY_${ACCOUNT}/webapp:$CIRCLE_SHA1"`,
      ].join('\n') } });
    });
    const r = await run(text, 'promote', 'promote', { branch: 'main' });
    ok(r);
    expect(lastPut(PROD_ACCOUNT, 'webapp')).toMatchObject({ status: 201, identityArn: expect.stringMatching(assumedRe(PROD_ACCOUNT, 'production-deploy')) });
  },

  'build-and-push-an-image': async () => {
    const r = await run(config('build-and-push-an-image'), 'image', 'image', { env: { ECR_PUSH_ROLE_ARN: DEPLOY }, checkoutSource: project() });
    ok(r);
    const reg = registries.get(ACCOUNT)!;
    const digest = await reg.manifestDigest('webapp', r.env.CIRCLE_SHA1 ?? '');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await reg.manifestDigest('webapp', 'latest')).toBe(digest);
    expect(out(r, 'Deploy the pushed digest')).toContain(`deploying ${reg.host}/webapp@${digest}`);
    const build = rig.dockerCalls(r).find((c) => c.argv[0] === 'build' || c.argv[1] === 'build');
    expect(build?.argv).toEqual(expect.arrayContaining(['--build-arg', 'NODE_ENV=production']));
  },

  'skip-the-build-when-the-tags-exist': async () => {
    // The same commit twice (CIRCLE_SHA1 set as a re-run would have it): the second run builds nothing.
    const sha = 'c0ffee'.padEnd(40, '0');
    const text = config('skip-the-build-when-the-tags-exist');
    const opts = { env: { ECR_PUSH_ROLE_ARN: DEPLOY, CIRCLE_SHA1: sha }, checkoutSource: project() };
    const first = await run(text, 'image', 'image', opts);
    ok(first);
    const second = await run(text, 'image', 'image', opts);
    ok(second);
    expect(out(second, 'Build and push to Amazon ECR')).toMatch(/is already in \S+\/webapp at sha256:[0-9a-f]{64}: no build, no push/);
    expect(rig.dockerCalls(second).filter((c) => ['build', 'buildx', 'push'].includes(c.argv[0] ?? ''))).toEqual([]);
    expect(out(second, 'The image of this commit')).toBe(out(first, 'The image of this commit'));
  },

  'create-the-repository-on-first-push': async () => {
    const r = await run(config('create-the-repository-on-first-push'), 'image', 'image', { env: { ECR_PUSH_ROLE_ARN: DEPLOY }, checkoutSource: project() });
    ok(r);
    expect(out(r, 'Build and push to Amazon ECR')).toMatch(/Created the ECR repository \S+\/team\/new-service \(scan on push: true, tags: IMMUTABLE, encryption: AES256\)/);
    expect(await registries.get(ACCOUNT)!.manifestDigest('team/new-service', r.env.CIRCLE_SHA1 ?? '')).toMatch(/^sha256:/);
  },

  'build-and-push-job-on-a-docker-executor': async () => {
    const r = await run(config('build-and-push-job-on-a-docker-executor'), 'image', 'image', { env: { ECR_PUSH_ROLE_ARN: DEPLOY }, checkoutSource: project() });
    ok(r);
    expect(r.steps.map((s) => s.name)).toEqual(['Checkout code', 'Setup a remote Docker engine', 'Assume AWS role with CircleCI OIDC', 'Log in to Amazon ECR',
      'Write the build version', 'Build and push to Amazon ECR']);
    expect(await registries.get(ACCOUNT)!.manifestDigest('webapp', r.env.CIRCLE_SHA1 ?? '')).toMatch(/^sha256:/);
  },

  'multi-arch-image-fan-out-fan-in': async (ctx) => {
    // The build jobs run on a docker CLI whose classic build has BuildKit, which builds the FROM scratch image
    // for linux/arm64 here without emulation (on CircleCI, the arm64 job's machine builds for itself).
    const kit = await buildKitDockerCli();
    if ('reason' in kit) {
      console.log(`skipped: the fan-out example's arm64 image needs BuildKit: ${kit.reason}`);
      return ctx.skip();
    }
    const text = config('multi-arch-image-fan-out-fan-in');
    const sha = 'fa11'.padEnd(40, '0');
    const opts = { env: { ECR_PUSH_ROLE_ARN: DEPLOY, CIRCLE_SHA1: sha }, checkoutSource: project() };
    for (const job of ['build-amd64', 'build-arm64']) ok(await run(text, 'image', job, { ...opts, dockerCli: kit.cli }));
    const reg = registries.get(ACCOUNT)!;
    const digests = await Promise.all(['amd64', 'arm64'].map((arch) => reg.manifestDigest('webapp', `${sha}-${arch}`)));
    for (const d of digests) expect(d).toMatch(/^sha256:/);
    const builds = rig.dockerCalls().filter((c) => c.argv[0] === 'build').slice(-2);
    expect(builds.map((c) => c.argv[c.argv.indexOf('--platform') + 1])).toEqual(['linux/amd64', 'linux/arm64']);
    // The stitch: the registry's proxyEndpoint is plain HTTP here, so docker manifest runs with --insecure.
    const stitched = await run(text, 'image', 'stitch', opts);
    ok(stitched);
    // The list holds both images under their own platforms, and each image's config says the same.
    expect(await manifestListChildren(reg, 'webapp', sha)).toEqual([
      { digest: digests[0], listed: 'linux/amd64', config: 'linux/amd64' },
      { digest: digests[1], listed: 'linux/arm64', config: 'linux/arm64' },
    ]);
  },

  'build-once-in-staging-promote-to-production': async () => {
    // One pipeline on main: the two jobs share the commit and the workspace.
    const text = config('build-once-in-staging-promote-to-production');
    const opts = { branch: 'main', sha: 'b111d'.padEnd(40, '0'), workspaceDir: mkdtempSync(join(tmpdir(), 'example-ws-')), checkoutSource: project() };
    const built = await run(text, 'build-once', 'build-and-test', opts);
    ok(built);
    const tested = /at (sha256:[0-9a-f]{64})/.exec(out(built, 'Push the image to Amazon ECR'))?.[1];
    expect(tested).toBeDefined();
    const promoted = await run(text, 'build-once', 'promote-to-production', opts);
    ok(promoted);
    const prod = registries.get(PROD_ACCOUNT)!;
    expect(out(promoted, 'Deploy to production')).toContain(`deploying ${prod.host}/webapp@${tested}`);
    for (const tag of [opts.sha, 'production']) expect(await prod.manifestDigest('webapp', tag)).toBe(tested);
    expect(lastPut(PROD_ACCOUNT, 'webapp')).toMatchObject({ status: 201, identityArn: expect.stringMatching(assumedRe(PROD_ACCOUNT, 'production-deploy')) });
    // The production role admits only main: the promote job of a feature branch gets no production credentials.
    const refused = await run(text, 'build-once', 'promote-to-production', { ...opts, branch: 'feature/login' });
    expect(refused.success).toBe(false);
    expect(refused.steps.filter((s) => s.name === 'Assume AWS role with CircleCI OIDC').at(-1)?.output).toMatch(/AccessDenied/);
  },

  'node-on-an-image-without-node': async () => {
    // The rig's jobs run on this machine, which has Node, so install-node finds a usable node and installs
    // nothing here; the download and checksum paths are tested with a local mirror by the install-node tests.
    const r = await run(config('node-on-an-image-without-node'), 'image', 'image', { env: { ECR_PUSH_ROLE_ARN: DEPLOY }, checkoutSource: project() });
    ok(r);
    expect(r.steps.map((s) => s.name)).toEqual(['Checkout code', 'Setup a remote Docker engine', 'Assume AWS role with CircleCI OIDC', 'Log in to Amazon ECR', 'Build and push to Amazon ECR']);
    expect(await registries.get(ACCOUNT)!.manifestDigest('webapp', r.env.CIRCLE_SHA1 ?? '')).toMatch(/^sha256:/);
  },

  'terraform-in-an-image-without-bash': async () => {
    // The image is not pulled: the steps run on this machine, in busybox ash as on Alpine (the image has no bash,
    // so CircleCI runs them in /bin/sh). Swapped: apk (this machine has Node.js), and terraform for Debian's AWS CLI,
    // which reads the same default profile.
    console.log('terraform-in-an-image-without-bash: steps in busybox ash; the apk step and the terraform step are swapped (this machine has Node.js, the rig has no Terraform)');
    const text = config('terraform-in-an-image-without-bash', (u) => {
      const steps = u.jobs?.['plan']?.steps ?? [];
      steps.splice(1, 1, { run: { name: 'Node.js for the orb\'s steps', command: 'node --version' } });
      steps.splice(3, 1, { run: { name: 'Terraform plan', command: 'aws sts get-caller-identity --query Arn --output text' } });
    });
    const ash = existsSync('/usr/bin/busybox') ? '/usr/bin/busybox sh -eo pipefail' : '/bin/sh -e';
    if (!existsSync('/usr/bin/busybox')) console.log('terraform-in-an-image-without-bash: no busybox here (apt-get install busybox), so the steps run in dash');
    const r = await run(text, 'plan', 'plan', { env: { DEPLOY_ROLE_ARN: DEPLOY }, defaultShell: ash });
    ok(r);
    expect(out(r, 'Terraform plan')).toMatch(assumedRe(ACCOUNT, 'deploy'));
    expect(out(r, 'Assume AWS role with CircleCI OIDC')).not.toContain('$BASH_ENV');
  },

  'clean-up-on-a-self-hosted-runner': async () => {
    // Inserted: the runner's own settings, as its administrator left them in the home directory, and a step
    // that lists what the orb wrote before clean-up runs (so the test sees that there was something to remove).
    console.log('clean-up-on-a-self-hosted-runner: a step that writes the runner\'s own profile and docker login, and one that lists the orb\'s files before clean-up, are inserted');
    const ownConfig = '[profile runner-own]\nregion = eu-west-1\n';
    const ownCredentials = '[runner-own]\naws_access_key_id = AKIARUNNEROWNKEY0000\naws_secret_access_key = runner-own-secret\n';
    const ownDocker = { auths: { 'registry.example.com': { auth: Buffer.from('runner:own').toString('base64') } } };
    const text = config('clean-up-on-a-self-hosted-runner', (u) => {
      const steps = u.jobs?.['deploy']?.steps ?? [];
      steps.splice(1, 0, { run: { name: 'The runner\'s own settings', command: [
        'mkdir -p ~/.aws ~/.docker',
        `printf '${ownConfig}' > ~/.aws/config`,
        `printf '${ownCredentials}' > ~/.aws/credentials`,
        `echo '${JSON.stringify(ownDocker)}' > ~/.docker/config.json`,
      ].join('\n') } });
      steps.splice(steps.length - 1, 0, { run: { name: 'What the orb wrote', command: 'cd ~/.aws-oidc && find . -type f | sort && grep -c ci-deploy ~/.aws/config ~/.aws/credentials' } });
    });
    const r = await run(text, 'deploy', 'deploy', { env: { DEPLOY_ROLE_ARN: DEPLOY }, checkoutSource: project() });
    ok(r);
    const written = out(r, 'What the orb wrote');
    for (const f of ['runtime/assume-role-with-oidc.cjs', 'runtime/ecr-login.cjs', 'profiles/ci-deploy.cache.json', 'bin/docker-credential-aws-oidc', 'ecr/registries.json', 'results/ecr-login-ci-deploy.json']) {
      expect(written).toContain(`./${f}`);
    }
    expect(out(r, 'Remove what the orb wrote in this job')).toMatch(/^clean-up: removed profile ci-deploy; the credential helper for 1 registry; 1 ECR registry record; 5 files; the runtime of 2 commands; unset 2 AWS_\* variables for later steps$/m);
    // What was the runner's stays as it was; what the orb wrote is gone, ~/.aws-oidc with it.
    expect(readFileSync(join(r.home, '.aws', 'config'), 'utf8')).toBe(ownConfig);
    expect(readFileSync(join(r.home, '.aws', 'credentials'), 'utf8')).toBe(ownCredentials);
    expect(JSON.parse(readFileSync(join(r.home, '.docker', 'config.json'), 'utf8'))).toEqual(ownDocker);
    expect(existsSync(join(r.home, '.aws-oidc'))).toBe(false);
    expect(readFileSync(r.bashEnvPath, 'utf8')).toMatch(/^unset AWS_ECR_REGISTRY\nunset AWS_ECR_REGISTRY_\d{12}\n$/m);
  },

  'log-in-to-ecr-public': async () => {
    // Swapped: the rig has ECR Public's token API but no public registry, so instead of the push the
    // job asks the registered credential helper for public.ecr.aws and prints only the user name.
    console.log('log-in-to-ecr-public: the push step is swapped for a check of the login (the rig has no public registry)');
    const text = config('log-in-to-ecr-public', (u) => {
      const steps = u.jobs?.['publish']?.steps ?? [];
      steps.splice(steps.length - 1, 1, { run: { name: 'The public login', command: [
        'echo "registry=$AWS_ECR_PUBLIC_REGISTRY"',
        'echo "helper=$(node -e \'const c=require(process.argv[1]);console.log(c.credHelpers["public.ecr.aws"])\' "${DOCKER_CONFIG:-$HOME/.docker}/config.json")"',
        'echo public.ecr.aws | docker-credential-aws-oidc get | node -e \'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log("user=" + JSON.parse(s).Username))\'',
      ].join('\n') } });
    });
    const r = await run(text, 'publish', 'publish', { env: { PUBLIC_PUSH_ROLE_ARN: DEPLOY, AWS_ENDPOINT_URL_ECR_PUBLIC: rig.aws.url } });
    ok(r);
    expect(out(r, 'The public login')).toMatch(/^registry=public\.ecr\.aws\nhelper=aws-oidc\nuser=AWS\n?$/);
    expect(rig.aws.requests.some((q) => q.action === 'GetAuthorizationToken (ECR Public)' && q.status === 200)).toBe(true);
  },
};

describe('the orb\'s examples', () => {
  it('every example expands in the runner: every workflow and every job', () => {
    const all = examples();
    const names = Object.keys(all);
    let jobs = 0;
    for (const name of names) {
      const cfg = loadConfig(stringify(all[name]!.usage), { orbs: { [ORB_REF]: rig.orbText } });
      const workflows = Object.keys(all[name]!.usage.workflows ?? {});
      expect(workflows.length, `${name} has a workflow`).toBeGreaterThan(0);
      for (const wf of workflows) {
        for (const entry of expandWorkflow(cfg, wf)) {
          const job = expandJob(cfg, entry.job, entry.params);
          expect(job.steps.length, `${name}: ${entry.name}`).toBeGreaterThan(0);
          jobs += 1;
        }
      }
      // Every job the example defines is called by one of its workflows (so the loop above expanded it).
      const called = new Set(workflows.flatMap((wf) => expandWorkflow(cfg, wf).map((e) => e.job)));
      for (const job of Object.keys(all[name]!.usage.jobs ?? {})) expect(called.has(job), `${name}: job ${job} is in a workflow`).toBe(true);
    }
    console.log(`${names.length} examples expanded, ${jobs} workflow jobs`);
    expect(names.length).toBeGreaterThanOrEqual(15);
  });

  it('every example has a run in this file', () => {
    expect(Object.keys(examples()).sort()).toEqual(Object.keys(RUN).sort());
  });

  for (const [name, fn] of Object.entries(RUN)) it(`${name} runs in the rig`, fn);
});
