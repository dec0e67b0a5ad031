// Whole jobs with the packed orb against moto, a second AWS nobody here wrote (moto.ts): the rig's issuer and
// circleci shim still give the job its OIDC token, but STS and ECR are moto's (AWS_ENDPOINT_URL_STS/_ECR and
// AWS_ENDPOINT_URL all name it). moto checks no signature, token, trust policy or ExternalId, so these tests
// prove only that our requests and our reading of the answers agree with another implementation; the
// strict local AWS proves the rest. moto has no registry, so nothing here pushes: build-and-push is tested
// for its ECR calls (DescribeRepositories, CreateRepository, BatchGetImage) with push: false or a skip.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { docker, ensureDocker } from '../harness/docker.ts';
import { ACCOUNT, EXTERNAL_ID, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { motoSkipReason, useMoto } from '../harness/use-moto.ts';
import { bashC } from '../support/bash.ts';

const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const CFN = `arn:aws:iam::${PROD_ACCOUNT}:role/cfn-deploy`;
const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const BUILD = 'Build and push to Amazon ECR';
const skip = motoSkipReason();

/** A project with a Dockerfile (FROM scratch, so the build needs no network), checked out by the job. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'moto-project-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), `${Date.now()}-${Math.random()}\n`);
  return dir;
}

type Result = { steps: { name: string; output: string }[]; bashEnvPath: string; home: string };
const out = (r: Result, name: string) => r.steps.find((s) => s.name === name)?.output ?? '';
const all = (r: Result) => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
/** What a later bash step of the job sees after sourcing $BASH_ENV, as CircleCI sources it (secrets included: never print). */
function exported(r: Result): Record<string, string | undefined> {
  const script = '. "$1" && exec node -e "process.stdout.write(JSON.stringify(process.env))"';
  return JSON.parse(execFileSync(...bashC(script, 'bash', r.bashEnvPath), { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: r.home }, encoding: 'utf8' })) as Record<string, string | undefined>;
}
const assume = (extra: Record<string, string | number | boolean> = {}): ConsumerStep =>
  ({ orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, ...extra } });

describe.skipIf(skip !== undefined)('the orb against moto, a second AWS', () => {
  const rig = useRig();
  const moto = useMoto(rig, [ACCOUNT, PROD_ACCOUNT]);
  /** A job of the rig's runner with every AWS endpoint at moto (none at the local AWS). */
  const run = (steps: ConsumerStep[], opts: { env?: Record<string, string>; checkoutSource?: string } = {}) => rig.run(consumerConfig(rig.orbText, steps), 'deploy', {
    noEndpointEnv: true, env: { AWS_ENDPOINT_URL_STS: moto.url, AWS_ENDPOINT_URL_ECR: moto.url, AWS_ENDPOINT_URL: moto.url, ...opts.env },
    ...(opts.checkoutSource === undefined ? {} : { checkoutSource: opts.checkoutSource }),
  });
  /** The roles as a real account would hold them; moto 5 assumes a role whether or not IAM has it. */
  const makeRoles = async () => {
    await moto.iam(ACCOUNT, 'CreateRole', { RoleName: 'deploy', AssumeRolePolicyDocument: JSON.stringify(rig.trustPolicy(ACCOUNT)) });
    await moto.iam(PROD_ACCOUNT, 'CreateRole', { RoleName: 'cfn-deploy', AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: DEPLOY }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } } }],
    }) });
  };

  it('assume-role-with-oidc with a one-hop role-chain: later steps act as moto\'s chained session', async () => {
    await makeRoles();
    const r = await run([
      assume({ 'role-chain': `${CFN} external-id=\${XID} session-name=moto-chain` }),
      { name: 'Who am I', run: 'aws sts get-caller-identity --query "[Account,Arn]" --output text' },
    ], { env: { XID: EXTERNAL_ID } });
    expect(r.success, all(r)).toBe(true);
    const chained = `arn:aws:sts::${PROD_ACCOUNT}:assumed-role/cfn-deploy/moto-chain`;
    expect(out(r, 'Who am I').trim().split(/\s+/)).toEqual([PROD_ACCOUNT, chained]);
    // moto issued two sessions: the web-identity one for deploy, then the chained one, which got our ExternalId.
    const sessions = await moto.sessions();
    expect(sessions.map((s) => [s.role_arn, s.account_id])).toEqual([[DEPLOY, ACCOUNT], [CFN, PROD_ACCOUNT]]);
    const last = sessions[1]!;
    expect(last).toMatchObject({ arn: chained, external_id: EXTERNAL_ID, session_name: 'moto-chain' });
    // The exported keys are that session's, not the first hop's.
    const env = exported(r);
    expect(env.AWS_ACCESS_KEY_ID).toBe(last.access_key_id);
    expect(env.AWS_SECRET_ACCESS_KEY === last.secret_access_key && env.AWS_SESSION_TOKEN === last.session_token, 'exported secret and token are moto\'s').toBe(true);
    expect([env.AWS_REGION, env.AWS_DEFAULT_REGION]).toEqual([REGION, REGION]);
    expect(Date.parse(env.AWS_CREDENTIAL_EXPIRATION ?? '')).toBeGreaterThan(Date.now());
    const result = JSON.parse(readFileSync(`${r.home}/.aws-oidc/results/assume-role-with-oidc.json`, 'utf8')) as Record<string, unknown>;
    expect(result).toMatchObject({ assumedRoleArn: chained, account: PROD_ACCOUNT, region: REGION });
  });

  it('ecr-login (credential helper): AWS_ECR_REGISTRY is moto\'s registry, and the helper answers docker with moto\'s login', async () => {
    const r = await run([
      assume(),
      { orb: 'ecr-login' },
      // docker's side of the helper protocol: the host on stdin, JSON on stdout. Only the shape is printed, and
      // whether the Secret is the password the AWS CLI gets from moto for the same keys (never the Secret itself).
      { name: 'Helper get', run: [
        'set -eu',
        'echo "helper=$(command -v docker-credential-aws-oidc)"',
        'helper_json=$(printf %s "$AWS_ECR_REGISTRY" | docker-credential-aws-oidc get)',
        'cli_password=$(aws ecr get-login-password)',
        'HELPER_JSON="$helper_json" CLI_PASSWORD="$cli_password" node -e \'',
        '  const j = JSON.parse(process.env.HELPER_JSON);',
        '  console.log("keys=" + Object.keys(j).sort().join(",") + " username=" + j.Username + " server=" + j.ServerURL);',
        '  console.log("secret-length=" + String(j.Secret).length + " same-as-cli=" + (j.Secret === process.env.CLI_PASSWORD));\'',
      ].join('\n') },
    ]);
    expect(r.success, all(r)).toBe(true);
    const env = exported(r);
    // moto's proxyEndpoint is https://<account>.dkr.ecr.<region>.amazonaws.com; the host is exported as is.
    expect([env.AWS_ECR_REGISTRY, env[`AWS_ECR_REGISTRY_${ACCOUNT}`]]).toEqual([HOST, HOST]);
    expect(env.PATH?.split(':')[0]).toBe(`${r.home}/.aws-oidc/bin`);
    expect(out(r, 'Log in to Amazon ECR')).toContain(`Identity: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`);
    const dockerConfig = JSON.parse(readFileSync(`${r.home}/.docker/config.json`, 'utf8')) as { auths?: object; credHelpers?: object };
    expect(dockerConfig.credHelpers).toEqual({ [HOST]: 'aws-oidc' });
    expect(Object.keys(dockerConfig.auths ?? {})).toEqual([]);
    const helper = out(r, 'Helper get');
    expect(helper).toContain(`helper=${r.home}/.aws-oidc/bin/docker-credential-aws-oidc`);
    expect(helper).toContain(`keys=Secret,ServerURL,Username username=AWS server=${HOST}`);
    expect(helper).toMatch(/secret-length=(\d+) same-as-cli=true/);
    expect(Number(/secret-length=(\d+)/.exec(helper)?.[1])).toBeGreaterThan(8);
    const result = JSON.parse(readFileSync(`${r.home}/.aws-oidc/results/ecr-login.json`, 'utf8')) as { registries: object[]; mode: string };
    expect(result).toMatchObject({ mode: 'credential-helper', registries: [{ registryId: ACCOUNT, host: HOST, how: 'credential-helper', expiresAt: null }] });
  });

  it('build-and-push: a missing repository is named; create-repo creates it in moto with the asked settings', async () => {
    await ensureDocker();
    const step = (extra: Record<string, string | boolean>): ConsumerStep => ({ orb: 'build-and-push', params: { repo: 'team/moto-made', tag: 'v1', push: false, ...extra } });
    const missing = await run([assume(), step({})], { checkoutSource: project() });
    expect(missing.success).toBe(false);
    expect(out(missing, BUILD)).toMatch(new RegExp(`the ECR repository team/moto-made does not exist in registry ${ACCOUNT} \\(${REGION}\\)\\n\\s+fix: set create-repo: true`));
    await expect(moto.cli(ACCOUNT, REGION, ['ecr', 'describe-repositories', '--repository-names', 'team/moto-made'])).rejects.toThrow(/RepositoryNotFoundException/);
    // push: false, since moto has no registry to push to: the image is only built, on this machine.
    const r = await run([assume(), step({ 'create-repo': true, 'repo-tag-mutability': 'IMMUTABLE', 'repo-scan-on-push': true })], { checkoutSource: project() });
    expect(r.success, all(r)).toBe(true);
    const uri = `${HOST}/team/moto-made`;
    expect(out(r, BUILD)).toContain(`Created the ECR repository ${uri} (scan on push: true, tags: IMMUTABLE, encryption: AES256)`);
    const { repositories } = await moto.cli(ACCOUNT, REGION, ['ecr', 'describe-repositories', '--repository-names', 'team/moto-made']) as { repositories: Record<string, unknown>[] };
    expect(repositories).toEqual([expect.objectContaining({
      repositoryUri: uri, registryId: ACCOUNT, imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: expect.objectContaining({ encryptionType: 'AES256' }),
    })]);
    const env = exported(r);
    expect([env.AWS_ECR_REPOSITORY_URI, env.AWS_ECR_IMAGE_URI, env.AWS_ECR_IMAGE_DIGEST]).toEqual([uri, `${uri}:v1`, undefined]);
    // One local build of moto's repository URI, and no push.
    const calls = rig.dockerCalls(r).map((c) => c.argv);
    expect(calls.filter((a) => a[0] === 'build')).toEqual([expect.arrayContaining(['--tag', `${uri}:v1`])]);
    expect(calls.filter((a) => a[0] === 'push')).toEqual([]);
    await docker(['image', 'rm', `${uri}:v1`]);
  }, 150_000);

  // One tag: for an image with several tags, moto 5's BatchGetImage names the image's last tag in every imageId
  // (ECR names the tag asked for), so a skip over two tags cannot be shown here; the local AWS covers it.
  it('build-and-push with skip-when-tags-exist: moto\'s image for the tag is found, its digest exported, nothing built', async () => {
    await moto.cli(ACCOUNT, REGION, ['ecr', 'create-repository', '--repository-name', 'moto-skip']);
    // A small image manifest (its config blob need not exist: moto keeps manifests, not blobs).
    const config = '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}';
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: `sha256:${createHash('sha256').update(config).digest('hex')}` }, layers: [] });
    const put = await moto.cli(ACCOUNT, REGION, ['ecr', 'put-image', '--repository-name', 'moto-skip', '--image-tag', 'v1', '--image-manifest', manifest]) as { image: { imageId: { imageDigest: string } } };
    // moto's digest is its own (sha256 of the layer digests joined, here of nothing), not the manifest's: the
    // step must export what ECR says, so it is compared with what moto answered.
    const digest = put.image.imageId.imageDigest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const r = await run([assume(), { orb: 'build-and-push', params: { repo: 'moto-skip', tag: 'v1', 'skip-when-tags-exist': true } }]);
    expect(r.success, all(r)).toBe(true);
    const uri = `${HOST}/moto-skip`;
    expect(out(r, BUILD)).toContain(`Every tag (v1) is already in ${uri} at ${digest}: no build, no push (skip-when-tags-exist)`);
    const env = exported(r);
    expect([env.AWS_ECR_IMAGE_DIGEST, env.AWS_ECR_IMAGE_REF, env.AWS_ECR_IMAGE_URIS]).toEqual([digest, `${uri}@${digest}`, `${uri}:v1`]);
    expect(rig.dockerCalls(r)).toEqual([]);
    const result = JSON.parse(readFileSync(`${r.home}/.aws-oidc/results/build-and-push-moto-skip.json`, 'utf8')) as object;
    expect(result).toMatchObject({ digest, skipped: true, pushed: false, builder: null, registryId: ACCOUNT });
  });
});
