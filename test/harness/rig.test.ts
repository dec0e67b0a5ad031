// The rig's leak scan must be able to fail: a step that prints a secret, or leaves it in a file others may read, is caught. And the rig's docker
// wrapper logs every docker call of a job (argv, never stdin) and still runs the real docker.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerConfig } from './consumer-config.ts';
import { ACCOUNT, REGION, Rig } from './rig.ts';

let rig: Rig;
beforeAll(async () => { rig = await Rig.start(); });
afterAll(async () => { await rig.close(); });

describe('the rig leak scan', () => {
  it('finds a session token and an OIDC token that a careless step prints', async () => {
    const config = consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION } },
      { name: 'Careless', run: 'echo "$AWS_SESSION_TOKEN"; echo "$CIRCLE_OIDC_TOKEN_V2"' },
    ]);
    expect(rig.leaks()).toEqual([]);
    const r = await rig.run(config);
    expect(r.success).toBe(true);
    const leaks = rig.leaks();
    expect(leaks.some((s) => rig.aws.issuedSecrets.includes(s))).toBe(true);
    expect(leaks.some((s) => rig.issuer.issuedTokens.includes(s))).toBe(true);
  });

  it('finds a job file that holds a secret and is readable by others, and not the same file at 0600', async () => {
    const config = consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION } },
      { name: 'Careless file', run: 'printf %s "$AWS_SECRET_ACCESS_KEY" > ~/careless.txt; chmod 644 ~/careless.txt; (umask 077; printf %s "$AWS_SECRET_ACCESS_KEY" > ~/careful.txt)' },
    ]);
    const before = rig.wideSecretFiles.length;
    expect((await rig.run(config)).success).toBe(true);
    expect(rig.wideSecretFiles.slice(before)).toEqual(['/home/careless.txt 644']);
  });
});

describe("the rig's docker log", () => {
  it('logs each docker call of a job (argv and time, per job), passes stdin through unread, and runs the real docker', async () => {
    const before = Date.now();
    const marker = 'stdin-marker-4f1d';
    const r = await rig.run(consumerConfig(rig.orbText, [
      { name: 'Version', run: 'docker version --format "client {{.Client.Version}}"' },
      // A password on stdin reaches docker (which then fails to reach a closed port) and is not logged.
      { name: 'Login', run: `printf '%s' '${marker}' | docker login --username AWS --password-stdin 127.0.0.1:9 2>&1 || true` },
    ]));
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    expect(r.steps.find((s) => s.name === 'Version')?.output).toMatch(/^client \d+\.\d+/m);
    expect(r.steps.find((s) => s.name === 'Login')?.output).toContain('127.0.0.1:9/v2/');
    const other = await rig.run(consumerConfig(rig.orbText, [{ name: 'Images', run: "docker image ls -q 'no such/repo' >/dev/null" }]));
    expect(other.success).toBe(true);

    const calls = rig.dockerCalls(r);
    expect(calls.map((c) => c.argv)).toEqual([
      ['version', '--format', 'client {{.Client.Version}}'],
      ['login', '--username', 'AWS', '--password-stdin', '127.0.0.1:9'],
    ]);
    for (const c of calls) {
      expect(c.job).toBe(r.env.CIRCLE_WORKFLOW_JOB_ID);
      expect(c.time).toBeGreaterThanOrEqual(before - 1000);
      expect(c.time).toBeLessThanOrEqual(Date.now() + 1000);
    }
    expect(rig.dockerCalls(other).map((c) => c.argv)).toEqual([['image', 'ls', '-q', 'no such/repo']]);
    expect(rig.dockerCalls().length).toBeGreaterThanOrEqual(3);
    // What a test of the orb asserts with it: this job ran no `docker build`.
    expect(rig.dockerCalls(other).some((c) => c.argv[0] === 'build')).toBe(false);
    expect(JSON.stringify(rig.dockerCalls())).not.toContain(marker);
  });
});

describe('the rig\'s temporary files', () => {
  it('removes its tools, its clock and every job\'s directory on close; with privateTmp a step\'s mktemp lands in the job\'s own tmp', async () => {
    const own = await Rig.start({ scenarioRoles: false });
    const r = await own.run(consumerConfig(own.orbText, [{ name: 'Temp', run: 'mktemp -d' }]), 'deploy', { privateTmp: true });
    expect(r.success).toBe(true);
    const made = r.steps.find((s) => s.name === 'Temp')!.output.trim();
    const paths = [made, dirname(r.home), r.env.PATH!.split(':')[0]!, dirname(own.clock.file)];
    expect(made.startsWith(`${dirname(r.home)}/tmp/`), `${made} ${r.home}`).toBe(true);
    for (const p of paths) expect(existsSync(p), p).toBe(true);
    await own.close();
    for (const p of paths) expect(existsSync(p), p).toBe(false);
  });
});
