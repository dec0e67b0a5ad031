// Unanswered STS: assume-role-with-oidc in the rig and the packed `aws-oidc assume-role` against a closed port, direct and through a proxy with a password, name the endpoint and the proxy settings, and never blame an AWS error there was not
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();
const CLI = resolve('dist/cli.cjs');
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const PROXY_PASSWORD = 'pr0xy-pa55word-unanswered';
const NOT_THERE = /see the AWS error above|failed: Error:/;

/** A port on 127.0.0.1 that was free a moment ago and is closed now: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('the orb\'s step', () => {
  it('an sts-endpoint nobody listens on: the endpoint, ECONNREFUSED, no proxy, and the fix', async () => {
    const port = await closedPort();
    const r = await rig.run(consumerConfig(rig.orbText, [{ orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, 'sts-endpoint': `http://127.0.0.1:${port}`, 'retry-max-attempts': 2 } }]), 'deploy');
    expect(r.success).toBe(false);
    const out = r.steps.at(-1)?.output ?? '';
    expect(out).toContain(`aws-oidc/assume-role-with-oidc: STS AssumeRoleWithWebIdentity for ${DEPLOY} got no answer from http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(out).toMatch(/: ECONNREFUSED: .* \(proxy: .*, so it went direct\)$/m);
    expect(out).toMatch(/^ {2}AssumeRoleWithWebIdentity failed 2 time\(s\) over [\d.]+s; last: ECONNREFUSED$/m);
    expect(out).toMatch(/^ {2}fix: no answer came, .*\(region, sts-endpoint, AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL choose it\)/m);
    expect(out).not.toMatch(NOT_THERE);
  });

  it('through an HTTPS_PROXY that refuses: the proxy named, its password never', async () => {
    const port = await closedPort();
    const r = await rig.run(consumerConfig(rig.orbText, [{ orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, 'sts-endpoint': 'https://sts.eu-west-1.amazonaws.com', 'retry-max-attempts': 1 } }]),
      'deploy', { env: { HTTPS_PROXY: `http://ci:${PROXY_PASSWORD}@127.0.0.1:${port}` } });
    expect(r.success).toBe(false);
    const out = r.steps.at(-1)?.output ?? '';
    expect(out).toContain('got no answer from https://sts.eu-west-1.amazonaws.com: ECONNREFUSED: the proxy 127.0.0.1');
    expect(out).toContain(`(proxy: HTTPS_PROXY=http://***@127.0.0.1:${port}, so it went through the proxy 127.0.0.1:${port})`);
    expect(out).not.toContain(PROXY_PASSWORD);
    expect(out).not.toMatch(NOT_THERE);
  });
});

describe('the packed CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unanswered-'));
  const tokenFile = async () => {
    const path = join(dir, 'token');
    writeFileSync(path, await rig.issuer.mint(rig.identity('main')), { mode: 0o600 });
    return path;
  };
  const assume = async (args: string[], env: Record<string, string>) => {
    const r = await execa(process.execPath, [CLI, 'assume-role', '--token-file', await tokenFile(), '--role-arn', DEPLOY, '--region', REGION, '--print-exports', ...args],
      { reject: false, env: { AWS_PROFILE: '', ...env } });
    rig.outputs.push(r.stderr, r.stdout);
    return r;
  };

  it('a refused --sts-endpoint: the endpoint and the settings as flags, no AWS error', async () => {
    const port = await closedPort();
    const r = await assume(['--sts-endpoint', `http://127.0.0.1:${port}`], {});
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`aws-oidc assume-role: STS AssumeRoleWithWebIdentity for ${DEPLOY} got no answer from http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(r.stderr).toContain('(--region, --sts-endpoint, AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL choose it)');
    expect(r.stderr).not.toMatch(NOT_THERE);
  }, 30_000);

  it('a refusing https_proxy (lower case, as curl reads it first): named, masked', async () => {
    const port = await closedPort();
    const r = await assume([], { https_proxy: `http://ci:${PROXY_PASSWORD}@127.0.0.1:${port}`, AWS_ENDPOINT_URL_STS: '' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`(proxy: https_proxy=http://***@127.0.0.1:${port}, so it went through the proxy 127.0.0.1:${port})`);
    expect(r.stderr).not.toContain(PROXY_PASSWORD);
    expect(r.stderr).not.toMatch(NOT_THERE);
  }, 30_000);
});
