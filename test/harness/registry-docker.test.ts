// The registry front's account check with a real docker push: a valid ECR password of another account is refused
// before anything reaches the registry; the same password pushes where it belongs, and this account's password
// pushes here (so the refusal is the account's). registry.test.ts checks the same refusal over HTTP, in process.
// The other account's identity has no access to this account's registry, so ECR too refuses it: a token
// carries its principal's permissions, whichever registry it was asked for (GetAuthorizationToken).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDocker } from './docker.ts';
import { loginProblems, type LocalRegistry, type RegistryRequest } from './registry.ts';
import { basic, OTHER, REPO, startFronts, type Fronts } from './registry-fronts.ts';
import { ACCOUNT } from './aws/fixture.ts';

/**
 * How long the docker engine keeps retrying a layer upload the registry refuses before the push fails: five tries,
 * 5, 10, 15 and 20 s apart (moby's upload manager); the refused push's test gets that plus half a minute for the rest.
 */
const REFUSED_PUSH_MS = (5 + 10 + 15 + 20) * 1000 + 30_000;

let f: Fronts;
const dirs: string[] = [];
const images: string[] = [];

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
  f = await startFronts();
  await buildImage([`${f.home.host}/${REPO}:v1`, `${f.other.host}/${REPO}:v1`]);
}, 120_000);

afterAll(async () => {
  if (images.length > 0) await execa('docker', ['rmi', '-f', ...images], { reject: false });
  await f?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the registry front admits only an ECR password of its own account, to a real docker push', () => {
  it('refuses a docker push with another account\'s valid ECR password, before anything reaches the registry', async () => {
    const docker = dockerWithLogin(f.home.host, f.password.other);
    let pushed: Awaited<ReturnType<typeof docker>> | undefined;
    const seen = await requestsDuring(f.home, async () => { pushed = await docker(['push', `${f.home.host}/${REPO}:v1`]); });
    expect(pushed!.exitCode, pushed!.all).not.toBe(0);
    expect(pushed!.all).toMatch(/unauthorized|authentication required/i);
    // docker presented the other account's password, and every request was refused with 401.
    const withPassword = seen.filter((q) => q.credential.kind === 'ecr-password');
    expect(withPassword.length).toBeGreaterThan(0);
    expect(withPassword.map((q) => q.credential)).toEqual(withPassword.map(() => ({ kind: 'ecr-password', account: OTHER, identityArn: `arn:aws:iam::${OTHER}:user/bob` })));
    expect(seen.map((q) => [q.status, q.identityArn])).toEqual(seen.map(() => [401, undefined]));
    // What the e2e tests ask of a login (loginProblems) flags each of them: refused, and not this account's password.
    expect(loginProblems(seen, ACCOUNT, /./)).toEqual(withPassword);
    expect(await f.home.tags(REPO)).toEqual([]);
  }, REFUSED_PUSH_MS);

  it('lets the same password push to its own account\'s registry, and this account\'s password push here', async () => {
    for (const [reg, secret, who] of [[f.other, f.password.other, `arn:aws:iam::${OTHER}:user/bob`], [f.home, f.password.home, `arn:aws:iam::${ACCOUNT}:user/alice`]] as const) {
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
});
