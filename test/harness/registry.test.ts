// The registry front's account check: a real docker push, and docker's own auth flow by hand, with a valid
// ECR password of another account are refused before anything reaches the registry; the same password
// pushes where it belongs, and this account's password pushes here (so the refusal is the account's).
// The other account's identity has no access to this account's registry, so ECR too refuses it: a token
// carries its principal's permissions, whichever registry it was asked for (GetAuthorizationToken).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDocker } from './docker.ts';
import { LocalRegistry, loginProblems, type RegistryRequest } from './registry.ts';
import { ACCOUNT, startStack, type Creds, type Stack } from './aws/fixture.ts';

const REGION = 'eu-west-1';
const OTHER = '210987654321';
const REPO = 'front-check';
/**
 * How long the docker engine keeps retrying a layer upload the registry refuses before the push fails: five tries,
 * 5, 10, 15 and 20 s apart (moby's upload manager); the refused push's test gets that plus half a minute for the rest.
 */
const REFUSED_PUSH_MS = (5 + 10 + 15 + 20) * 1000 + 30_000;

let s: Stack;
let home: LocalRegistry;
let other: LocalRegistry;
/** ECR passwords: alice's for this account's registry, bob's (an IAM user of OTHER) for OTHER's. */
const password = { home: '', other: '' };
const dirs: string[] = [];
const images: string[] = [];
const clients: ECRClient[] = [];

const basic = (user: string, secret: string) => Buffer.from(`${user}:${secret}`).toString('base64');

/** What GetAuthorizationToken gives `creds` for their own account's registry: the password after `AWS:`. */
async function ecrPassword(creds: Creds): Promise<string> {
  const client = new ECRClient({ endpoint: s.aws.url, region: REGION, maxAttempts: 1, credentials: creds });
  clients.push(client);
  const token = (await client.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!;
  const text = Buffer.from(token, 'base64').toString('utf8');
  expect(text.startsWith('AWS:')).toBe(true);
  return text.slice('AWS:'.length);
}

/** docker with a config dir of its own that holds one stored login, as `docker login` would write it. */
function dockerWithLogin(host: string, secret: string) {
  const dir = mkdtempSync(join(tmpdir(), 'registry-front-docker-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth: basic('AWS', secret) } } }), { mode: 0o600 });
  return (args: string[]) => execa('docker', ['--config', dir, ...args], { reject: false, all: true, env: { DOCKER_BUILDKIT: '0' } });
}

/** Builds one unique FROM scratch image under `refs`. */
async function buildImage(refs: string[]): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), 'registry-front-ctx-'));
  dirs.push(ctx);
  writeFileSync(join(ctx, 'stamp'), `${process.hrtime.bigint()}\n`);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
  const built = await execa('docker', ['build', '-q', ...refs.flatMap((r) => ['-t', r]), ctx], { reject: false, env: { DOCKER_BUILDKIT: '0' } });
  expect(built.exitCode, built.stderr).toBe(0);
  images.push(...refs);
}

/** The requests `reg` records while `fn` runs. */
async function requestsDuring(reg: LocalRegistry, fn: () => Promise<void>): Promise<RegistryRequest[]> {
  const before = reg.requests.length;
  await fn();
  return reg.requests.slice(before);
}

beforeAll(async () => {
  await ensureDocker();
  s = await startStack();
  const bob = s.aws.addUser({ account: OTHER, name: 'bob' });
  home = await LocalRegistry.start(ACCOUNT, s.aws, { region: REGION });
  other = await LocalRegistry.start(OTHER, s.aws, { region: REGION });
  for (const account of [ACCOUNT, OTHER]) s.aws.ensureRepository({ account, region: REGION, name: REPO });
  password.home = await ecrPassword(s.alice);
  password.other = await ecrPassword(bob);
  // Both are valid ECR passwords, each of its own account.
  expect(s.aws.validEcrPassword(password.home)).toEqual({ account: ACCOUNT, identityArn: `arn:aws:iam::${ACCOUNT}:user/alice` });
  expect(s.aws.validEcrPassword(password.other)).toEqual({ account: OTHER, identityArn: `arn:aws:iam::${OTHER}:user/bob` });
  await buildImage([`${home.host}/${REPO}:v1`, `${other.host}/${REPO}:v1`]);
}, 120_000);

afterAll(async () => {
  if (images.length > 0) await execa('docker', ['rmi', '-f', ...images], { reject: false });
  clients.forEach((c) => c.destroy());
  await home?.close();
  await other?.close();
  await s?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the registry front admits only an ECR password of its own account', () => {
  it('refuses a docker push with another account\'s valid ECR password, before anything reaches the registry', async () => {
    const docker = dockerWithLogin(home.host, password.other);
    let pushed: Awaited<ReturnType<typeof docker>> | undefined;
    const seen = await requestsDuring(home, async () => { pushed = await docker(['push', `${home.host}/${REPO}:v1`]); });
    expect(pushed!.exitCode, pushed!.all).not.toBe(0);
    expect(pushed!.all).toMatch(/unauthorized|authentication required/i);
    // docker presented the other account's password, and every request was refused with 401.
    const withPassword = seen.filter((q) => q.credential.kind === 'ecr-password');
    expect(withPassword.length).toBeGreaterThan(0);
    expect(withPassword.map((q) => q.credential)).toEqual(withPassword.map(() => ({ kind: 'ecr-password', account: OTHER, identityArn: `arn:aws:iam::${OTHER}:user/bob` })));
    expect(seen.map((q) => [q.status, q.identityArn])).toEqual(seen.map(() => [401, undefined]));
    // What the e2e tests ask of a login (loginProblems) flags each of them: refused, and not this account's password.
    expect(loginProblems(seen, ACCOUNT, /./)).toEqual(withPassword);
    expect(await home.tags(REPO)).toEqual([]);
  }, REFUSED_PUSH_MS);

  it('lets the same password push to its own account\'s registry, and this account\'s password push here', async () => {
    for (const [reg, secret, who] of [[other, password.other, `arn:aws:iam::${OTHER}:user/bob`], [home, password.home, `arn:aws:iam::${ACCOUNT}:user/alice`]] as const) {
      const docker = dockerWithLogin(reg.host, secret);
      let pushed: Awaited<ReturnType<typeof docker>> | undefined;
      const seen = await requestsDuring(reg, async () => { pushed = await docker(['push', `${reg.host}/${REPO}:v1`]); });
      expect(pushed!.exitCode, pushed!.all).toBe(0);
      // docker's flow: one credential-less ping refused with the challenge, then its login on every other request.
      expect(seen.filter((q) => q.credential.kind === 'none').map((q) => [q.method, q.path, q.status])).toEqual([['GET', '/v2/', 401]]);
      expect(seen[0]?.credential).toEqual({ kind: 'none' });
      expect(loginProblems(seen, reg.account, new RegExp(`^${who}$`))).toEqual([]);
      expect(await reg.tags(REPO)).toEqual(['v1']);
      const put = reg.requests.filter((q) => q.method === 'PUT' && q.path === `/v2/${REPO}/manifests/v1`).at(-1);
      expect(put).toMatchObject({ status: 201, identityArn: who });
    }
  });

  it('answers docker\'s auth flow: a Basic challenge, then 401 for another account\'s password and entry for its own', async () => {
    const url = (path: string) => `http://${home.host}${path}`;
    // docker's first request carries nothing; the challenge tells it to send its stored login as Basic auth.
    const probe = await fetch(url('/v2/'));
    expect(probe.status).toBe(401);
    expect(probe.headers.get('www-authenticate')).toBe(`Basic realm="${home.host}"`);
    const cases: [string, string, number, number][] = [
      ['AWS', password.other, 401, 401],
      ['bob', password.other, 401, 401],
      ['AWS', 'not-an-ecr-password', 401, 401],
      ['alice', password.home, 401, 401],
      ['AWS', password.home, 200, 202],
    ];
    for (const [user, secret, ping, upload] of cases) {
      const headers = { authorization: `Basic ${basic(user, secret)}` };
      const label = `${user} with ${secret === password.home ? 'this account\'s' : secret === password.other ? 'the other account\'s' : 'a made-up'} password`;
      expect((await fetch(url('/v2/'), { headers })).status, label).toBe(ping);
      const started = await fetch(url(`/v2/${REPO}/blobs/uploads/`), { method: 'POST', headers });
      expect(started.status, label).toBe(upload);
      if (started.status === 202) expect((await fetch(new URL(started.headers.get('location')!, url('/')), { method: 'DELETE', headers })).status).toBe(204);
    }
  });

  it('refuses this account\'s own password once its 12 hours are over', async () => {
    const headers = { authorization: `Basic ${basic('AWS', password.home)}` };
    s.clock.offsetMs = 12 * 3600_000;
    try {
      expect((await fetch(`http://${home.host}/v2/`, { headers })).status).toBe(401);
    } finally {
      s.clock.offsetMs = 0;
    }
    expect((await fetch(`http://${home.host}/v2/`, { headers })).status).toBe(200);
  });
});
