// A docker-executor job with setup_remote_docker, as on CircleCI: the step sets DOCKER_HOST (tcp), DOCKER_TLS_VERIFY
// and DOCKER_CERT_PATH, and the job's docker client reaches the engine (a second dockerd, see remote-docker.ts) over
// TCP with TLS and its client certificate; plain HTTP and TLS without the certificate are refused. This machine's
// main engine stays on /var/run/docker.sock, which a job that dropped DOCKER_HOST could still reach (CircleCI's
// docker executor has no such socket), so every test checks where the images went: into the remote engine, never
// the main one. ecr-login (credential helper and plain login) and build-and-push work through it: logins and
// helpers stay on the job's side, the engine pushes, the registry sees the role, and the exported digest is what
// the registry serves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { consumerConfig, pushScratchImageStep, type ConsumerStep } from '../harness/consumer-config.ts';
import { docker as mainDocker } from '../harness/docker.ts';
import { RemoteDocker, remoteDockerSkipReason } from '../harness/remote-docker.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { loginProblems } from '../harness/registry.ts';
import { bashC, shellEnv } from '../support/bash.ts';

const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const SETUP: ConsumerStep = { setupRemoteDocker: true };
const assume: ConsumerStep = { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION } };

/** Pushes a unique FROM scratch image to $AWS_ECR_REGISTRY/<repo> in a step named Push. */
const buildAndPush = (repo: string): ConsumerStep => pushScratchImageStep('Push', 'AWS_ECR_REGISTRY', repo);

/** After `setup`, runs `docker version` with `prefix`; prints "reached: ..." or "refused: ..." with what docker said. */
const tryDocker = (name: string, prefix: string, setup = ''): ConsumerStep => ({
  name,
  run: `${setup}if out=$(${prefix} docker version --format '{{.Server.Version}}' 2>&1); then echo "reached: $out"; else echo "refused: $out"; fi`,
});

type Job = { success: boolean; steps: { name: string; output: string }[]; env: Record<string, string>; home: string; bashEnvPath: string };
const out = (r: Job, name: string) => r.steps.find((s) => s.name === name)?.output ?? '';
const all = (r: Job) => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');

const skip = remoteDockerSkipReason();

describe.skipIf(skip !== undefined)('remote docker: TCP with TLS and client certificates, as setup_remote_docker sets it up', () => {
  const rig = useRig();
  const registries = useRegistries(rig, [ACCOUNT]);
  let started: RemoteDocker | undefined;
  beforeAll(async () => {
    started = await RemoteDocker.start();
    for (const name of ['remote-helper', 'remote-plain', 'webapp']) rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name });
  }, 90_000);
  afterAll(async () => { await started?.close(); });
  const engine = (): RemoteDocker => {
    if (!started) throw new Error('the remote engine did not start');
    return started;
  };
  const run = (steps: ConsumerStep[]) => rig.run(consumerConfig(rig.orbText, steps), 'deploy', { remoteDocker: engine().env });

  /** The image id `ref` has in the remote engine (asked through its own socket), and whether the main engine has `ref`. */
  const whereIs = async (ref: string): Promise<{ remote: string; main: boolean }> => {
    const remote = (await engine().docker(['image', 'inspect', '--format', '{{.Id}}', ref])).trim();
    const main = (await mainDocker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').includes(ref);
    return { remote, main };
  };

  /** The PUTs of `repo`'s manifest for `tag` that the registry answered, with who made them. */
  const manifestPuts = (repo: string, tag: string) =>
    registries.get(ACCOUNT)!.requests.filter((q) => q.method === 'PUT' && q.path === `/v2/${repo}/manifests/${tag}`);

  it('the job reaches the remote engine over TCP with TLS and its client certificate, and not without them', async () => {
    const r = await run([
      { name: 'Before', run: 'echo "DOCKER_HOST=${DOCKER_HOST:-unset}"' },
      SETUP,
      { name: 'Engine', run: 'echo "$DOCKER_HOST $DOCKER_TLS_VERIFY"; ls "$DOCKER_CERT_PATH" | tr "\\n" " "; echo; docker info --format "root={{.DockerRootDir}}"' },
      tryDocker('Without TLS', 'env -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH'),
      tryDocker('Without a client certificate', 'DOCKER_CERT_PATH="$d"', 'd=$(mktemp -d); cp "$DOCKER_CERT_PATH/ca.pem" "$d/"\n'),
    ]);
    expect(r.success, all(r)).toBe(true);
    expect(out(r, 'Before')).toBe('DOCKER_HOST=unset\n');
    expect(out(r, 'Setup a remote Docker engine')).toMatch(/^Remote Docker engine at tcp:\/\/127\.0\.0\.1:\d+; set for later steps: DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH\n$/);
    const [vars, files, root] = out(r, 'Engine').trim().split('\n');
    expect(vars).toBe(`tcp://127.0.0.1:${engine().port} 1`);
    expect(files?.trim().split(' ')).toEqual(['ca.pem', 'cert.pem', 'key.pem']);
    // The engine the job talked to is the remote one (its own data root), not this machine's main engine.
    const remoteRoot = (await engine().docker(['info', '--format', '{{.DockerRootDir}}'])).trim();
    expect(root).toBe(`root=${remoteRoot}`);
    expect((await mainDocker(['info', '--format', '{{.DockerRootDir}}'])).trim()).not.toBe(remoteRoot);
    // Plain HTTP to the TLS port, and TLS without a client certificate, are refused by the engine (Go servers
    // older than 1.21 call the missing certificate bad, newer ones say it is required).
    expect(out(r, 'Without TLS')).toMatch(/^refused: .*Client sent an HTTP request to an HTTPS server/s);
    expect(out(r, 'Without a client certificate')).toMatch(/^refused: .*tls: (bad certificate|certificate required)/s);
    expect(statSync(join(engine().certPath, 'key.pem')).mode & 0o777).toBe(0o600);
  });

  it('ecr-login with the credential helper: the helper runs on the job\'s side, the remote engine pushes as the role', async () => {
    const before = registries.get(ACCOUNT)!.requests.length;
    const r = await run([SETUP, assume, { orb: 'ecr-login' }, buildAndPush('remote-helper')]);
    expect(r.success, all(r)).toBe(true);
    const reg = registries.get(ACCOUNT)!;
    const sha = r.env.CIRCLE_SHA1 ?? '';
    const deploySession = new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`);
    expect(manifestPuts('remote-helper', sha).map((q) => [q.status, q.identityArn])).toEqual([[201, expect.stringMatching(deploySession)]]);
    // The engine presented the helper's login on every request after docker's credential-less first one, and none was refused.
    const seen = reg.requests.slice(before);
    expect(seen.filter((q) => q.credential.kind !== 'none').length).toBeGreaterThan(0);
    expect(loginProblems(seen, ACCOUNT, deploySession)).toEqual([]);
    const cfg = JSON.parse(readFileSync(`${r.home}/.docker/config.json`, 'utf8')) as { auths?: object; credHelpers?: Record<string, string> };
    expect(cfg.credHelpers).toEqual({ [reg.host]: 'aws-oidc' });
    expect(Object.keys(cfg.auths ?? {})).toEqual([]);
    const pushed = /image-id (sha256:[0-9a-f]{64})/.exec(out(r, 'Push'))?.[1];
    expect(await whereIs(`${reg.host}/remote-helper:${sha}`)).toEqual({ remote: pushed, main: false });
  });

  it('ecr-login with credential-helper false: docker login through the remote engine, the login kept on the job\'s side', async () => {
    const r = await run([SETUP, assume, { orb: 'ecr-login', params: { 'credential-helper': false } }, buildAndPush('remote-plain')]);
    expect(r.success, all(r)).toBe(true);
    const reg = registries.get(ACCOUNT)!;
    const sha = r.env.CIRCLE_SHA1 ?? '';
    expect(out(r, 'Log in to Amazon ECR')).toContain(`${reg.host}: logged in; valid until`);
    expect(manifestPuts('remote-plain', sha).map((q) => [q.status, q.identityArn])).toEqual([[201, expect.stringMatching(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`))]]);
    const cfg = JSON.parse(readFileSync(`${r.home}/.docker/config.json`, 'utf8')) as { auths: Record<string, unknown>; credHelpers?: object };
    expect(Object.keys(cfg.auths)).toEqual([reg.host]);
    expect(Object.keys(cfg.credHelpers ?? {})).toEqual([]);
    const pushed = /image-id (sha256:[0-9a-f]{64})/.exec(out(r, 'Push'))?.[1];
    expect(await whereIs(`${reg.host}/remote-plain:${sha}`)).toEqual({ remote: pushed, main: false });
  });

  it('credential-helper false with the client certificates only in ~/.docker (DOCKER_CERT_PATH unset, docker\'s default place)', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'remote-default-certs' });
    const certsHome = { name: 'Certificates in ~/.docker', run: 'mkdir -p ~/.docker && cp "$DOCKER_CERT_PATH"/*.pem ~/.docker/ && echo "unset DOCKER_CERT_PATH" >> "$BASH_ENV"' };
    const r = await run([SETUP, certsHome, assume, { orb: 'ecr-login', params: { 'credential-helper': false } }, buildAndPush('remote-default-certs')]);
    expect(r.success, all(r)).toBe(true);
    const sha = r.env.CIRCLE_SHA1 ?? '';
    expect(out(r, 'Log in to Amazon ECR')).toContain(`${registries.get(ACCOUNT)!.host}: logged in; valid until`);
    expect(manifestPuts('remote-default-certs', sha).map((q) => q.status)).toEqual([201]);
  });

  it('the orb\'s build-and-push job on a docker executor: built and pushed by the remote engine, the digest read back from ECR', async () => {
    const orb = parse(rig.orbText) as { examples: Record<string, { usage: object }> };
    const config = stringify(orb.examples['build-and-push-job-on-a-docker-executor']?.usage);
    const project = mkdtempSync(join(tmpdir(), 'remote-docker-project-'));
    writeFileSync(join(project, 'Dockerfile'), 'FROM scratch\nCOPY version.txt /version.txt\n');
    const r = await rig.runWorkflowJob(config, 'image', 'image', { env: { ECR_PUSH_ROLE_ARN: DEPLOY }, checkoutSource: project, remoteDocker: engine().env })
      .finally(() => rmSync(project, { recursive: true, force: true }));
    expect(r.success, all(r)).toBe(true);
    expect(r.steps.map((s) => s.name)).toEqual(['Checkout code', 'Setup a remote Docker engine', 'Assume AWS role with CircleCI OIDC', 'Log in to Amazon ECR',
      'Write the build version', 'Build and push to Amazon ECR']);
    // What a later step of the job sees: the exports of $BASH_ENV.
    const exported = execFileSync(...bashC('. "$1"; echo "$AWS_ECR_IMAGE_DIGEST"', 'bash', r.bashEnvPath), { env: shellEnv() }).toString().trim();
    const reg = registries.get(ACCOUNT)!;
    const sha = r.env.CIRCLE_SHA1 ?? '';
    expect(exported).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await reg.manifestDigest('webapp', sha)).toBe(exported);
    expect(manifestPuts('webapp', sha).at(-1)?.identityArn).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`));
    const where = await whereIs(`${reg.host}/webapp:${sha}`);
    expect(where).toEqual({ remote: expect.stringMatching(/^sha256:/), main: false });
    // The engine holds the image it pushed: its RepoDigests name the digest the job exported.
    expect(await engine().docker(['image', 'inspect', '--format', '{{join .RepoDigests " "}}', `${reg.host}/webapp:${sha}`])).toContain(`${reg.host}/webapp@${exported}`);
  });
});
