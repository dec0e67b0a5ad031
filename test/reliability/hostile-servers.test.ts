// Hostile servers: an STS and an ECR on 127.0.0.1 that send a 700 MB reply, trickle one byte every 2 s, answer 200 with a body the SDK cannot read, an error without a code, XML nested 100,000 deep, a GetCallerIdentity without an identity, credentials missing or mangling a field, and a login for a foreign registry host, met by assume-role-with-oidc and ecr-login in the rig
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();
afterEach(() => rig.aws.clearFaults());

const ASSUME = 'Assume AWS role with CircleCI OIDC';
const LOGIN = 'Log in to Amazon ECR';
/** What the hostile replies put where a secret goes: it must never be printed or written. */
const PLANTED = 'hostile-planted-secret-Zq8vN2pW';
/** Per test: the rig's job (a few seconds) plus the longest deadline in play here (3 s), with room; the trickles and floods below would run for an hour. */
const TEST_MS = 60_000;

const assume = (params: Record<string, string | number> = {}): ConsumerStep =>
  ({ orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION, 'profile-name': 'hostile', 'export-to': 'both', ...params } });
const login = (params: Record<string, string> = {}): ConsumerStep => ({ orb: 'ecr-login', params: { region: REGION, ...params } });

/** A whole reply: status, content type, body. */
const reply = (status: number, type: string, body: string) => (res: ServerResponse) => { res.writeHead(status, { 'content-type': type }).end(body); };
const stsXml = (body: string, status = 200) => reply(status, 'text/xml', body);
const ecrJson = (body: object | string, status = 200) => reply(status, 'application/x-amz-json-1.1', typeof body === 'string' ? body : JSON.stringify(body));
const credentialsXml = (fields: Record<string, string>) => `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials>${
  Object.entries(fields).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`;
const loginJson = (proxyEndpoint: string) => ({ authorizationData: [{ authorizationToken: Buffer.from(`AWS:${PLANTED}`).toString('base64'), expiresAt: 1_900_000_000, proxyEndpoint }] });

/** A 200 of `total` bytes, sent in 64 KiB pieces as fast as the client reads; `sent` counts what went out before the client hung up. */
function flood(total: number, sent: { bytes: number }) {
  return (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/xml' }).write('<AssumeRoleWithWebIdentityResponse>');
    const piece = Buffer.alloc(64 << 10, ' ');
    const pump = (): void => {
      while (!res.destroyed && sent.bytes < total) {
        sent.bytes += piece.length;
        if (!res.write(piece)) { res.once('drain', pump); return; }
      }
      if (!res.destroyed) res.end('</AssumeRoleWithWebIdentityResponse>');
    };
    pump();
  };
}

/** A 200 whose (valid) body comes one byte every `everyMs`: a 1000-byte answer that takes over half an hour at 2 s. */
function trickle(everyMs: number) {
  return (res: ServerResponse) => {
    let rest = credentialsXml({ AccessKeyId: 'ASIATRICKLE000000001', SecretAccessKey: PLANTED, SessionToken: PLANTED, Expiration: '2030-01-01T00:00:00Z' }).padEnd(1000, ' ');
    res.writeHead(200, { 'content-type': 'text/xml' }).flushHeaders();
    const timer = setInterval(() => { res.write(rest.slice(0, 1)); rest = rest.slice(1); }, everyMs);
    res.once('close', () => clearInterval(timer));
  };
}

/** Runs `steps` with `raw` as the next answer to `action`; env adds to the job's environment. */
async function runWith(steps: ConsumerStep[], action: string, raw: (res: ServerResponse) => void, env: Record<string, string> = {}, times = 1000): Promise<JobResult> {
  rig.aws.injectFault(action, { kind: 'raw', times, raw });
  return rig.run(consumerConfig(rig.orbText, steps), 'deploy', { env });
}

/**
 * The failure line `aws-oidc/<command>: ...` of step `name`, after checking the step failed with one message line,
 * followed only by its `fix:` line and the retries' summary: no stack, no SDK hint, no "Unknown", nothing planted.
 */
function failureOf(r: JobResult, name: string, command: string): string {
  const step = r.steps.find((s) => s.name === name);
  const transcript = r.steps.map((s) => `--- ${s.name} (${s.exitCode})\n${s.output.slice(0, 3000)}`).join('\n');
  expect(r.success, transcript).toBe(false);
  expect(step?.exitCode, transcript).not.toBe(0);
  const lines = step!.output.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`aws-oidc/${command}: `));
  expect(at, transcript).toBeGreaterThanOrEqual(0);
  for (const more of lines.slice(at + 1).filter(Boolean)) expect(more, transcript).toMatch(/^ {2}(fix: |\w+ failed \d+ time\(s\) over )/);
  expect(step!.output, transcript).not.toMatch(/^\s+at |Unknown|Deserialization error|\$response|node:internal|ERR_STRING_TOO_LONG/m);
  expect(step!.output).not.toContain(PLANTED);
  return lines[at]!;
}

/** Nothing was exported or written: no AWS_ variable in $BASH_ENV, no AWS files, no docker login, and no file of the job holds what was planted. */
function nothingWritten(r: JobResult): void {
  const bashEnv = existsSync(r.bashEnvPath) ? readFileSync(r.bashEnvPath, 'utf8') : '';
  expect(bashEnv).not.toMatch(/AWS_|PATH=/);
  expect(existsSync(join(r.home, '.aws'))).toBe(false);
  expect(existsSync(join(r.home, '.docker', 'config.json'))).toBe(false);
  const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
  for (const f of [...files(r.home), r.bashEnvPath].filter(existsSync)) expect(readFileSync(f, 'latin1').includes(PLANTED), f).toBe(false);
}

describe('assume-role-with-oidc against a hostile STS', () => {
  it('a 700 MB reply: read up to the 1 MiB cap, then one line naming the call, the endpoint and the limit', async () => {
    const sent = { bytes: 0 };
    const r = await runWith([assume({ 'retry-max-attempts': 1 })], 'AssumeRoleWithWebIdentity', flood(700 << 20, sent));
    expect(failureOf(r, ASSUME, 'assume-role-with-oidc')).toMatch(/reply to AssumeRoleWithWebIdentity from \S+ could not be read: it is larger than 1 MiB/);
    // The step hung up long before the server was done (what it sent is at most the cap plus the sockets' buffers).
    expect(sent.bytes).toBeLessThan(64 << 20);
    nothingWritten(r);
  }, TEST_MS);

  it('a trickle of one byte every 2 s ends at the whole-call deadline (AWS_OIDC_HTTP_TIMEOUT_MS=3000)', async () => {
    const r = await runWith([assume({ 'retry-max-attempts': 1 })], 'AssumeRoleWithWebIdentity', trickle(2000), { AWS_OIDC_HTTP_TIMEOUT_MS: '3000' });
    expect(failureOf(r, ASSUME, 'assume-role-with-oidc')).toMatch(/ETIMEDOUT|not complete within 3s|no answer within 3s/);
    nothingWritten(r);
  }, TEST_MS);

  it('a trickle ends within retry-max-seconds (2) even when the call deadline is 10 minutes: the request in flight is bounded too', async () => {
    const r = await runWith([assume({ 'retry-max-attempts': 20, 'retry-max-seconds': 2 })], 'AssumeRoleWithWebIdentity', trickle(2000), { AWS_OIDC_HTTP_TIMEOUT_MS: '600000' });
    failureOf(r, ASSUME, 'assume-role-with-oidc');
    const t = /AssumeRoleWithWebIdentity failed (\d+) time\(s\) over ([\d.]+)s; last: ETIMEDOUT/.exec(r.steps.find((s) => s.name === ASSUME)!.output);
    expect(t, r.steps.find((s) => s.name === ASSUME)!.output).not.toBeNull();
    // Only the budget can end this call (the trickle would take half an hour, the call deadline 10 minutes), and it
    // leaves nothing for a second attempt: one attempt, over 2 s and under twice that (a doubled budget, or a call
    // deadline that ignored the budget, would be cut there or later; faults.test.ts has the reasoning).
    expect(Number(t![1])).toBe(1);
    expect(Number(t![2])).toBeGreaterThanOrEqual(2);
    expect(Number(t![2])).toBeLessThan(2 * 2);
    nothingWritten(r);
  }, TEST_MS);

  it('an error reply without a code (403, empty body): one line saying so, never "Unknown: Unknown"', async () => {
    const r = await runWith([assume()], 'AssumeRoleWithWebIdentity', stsXml('', 403));
    expect(failureOf(r, ASSUME, 'assume-role-with-oidc')).toMatch(/NoErrorCode: the HTTP 403 reply to AssumeRoleWithWebIdentity from \S+ names no AWS error code/);
    nothingWritten(r);
  }, TEST_MS);

  it.each([
    ['SessionToken missing', { AccessKeyId: 'ASIAHOSTILE000000001', SecretAccessKey: PLANTED, Expiration: '2030-01-01T00:00:00Z' }, /answered credentials without a usable SessionToken$/],
    ['a SessionToken with a line break and a command in it', { AccessKeyId: 'ASIAHOSTILE000000001', SecretAccessKey: PLANTED, SessionToken: `${PLANTED}\nexport PWNED=1`, Expiration: '2030-01-01T00:00:00Z' }, /answered credentials without a usable SessionToken$/],
    ['Expiration not a time', { AccessKeyId: 'ASIAHOSTILE000000001', SecretAccessKey: PLANTED, SessionToken: PLANTED, Expiration: 'soon' }, /could not be read: Invalid RFC3339 timestamp|without a usable Expiration$/],
  ])('credentials with %s: refused, naming the field and never its value', async (_title, fields, why) => {
    const r = await runWith([assume()], 'AssumeRoleWithWebIdentity', stsXml(credentialsXml(fields)));
    expect(failureOf(r, ASSUME, 'assume-role-with-oidc')).toMatch(why);
    nothingWritten(r);
  }, TEST_MS);

  it('GetCallerIdentity answering XML nested 100,000 deep: one line, no RangeError stack', async () => {
    const r = await runWith([assume()], 'GetCallerIdentity', stsXml(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`));
    expect(failureOf(r, ASSUME, 'assume-role-with-oidc')).toMatch(/reply to GetCallerIdentity from \S+ could not be read: it is nested too deep/);
    nothingWritten(r);
  }, TEST_MS);
});

describe('ecr-login against a hostile STS and ECR (the keys of an IAM user in the environment)', () => {
  let keys: Record<string, string> = {};
  beforeAll(() => {
    const user = rig.aws.addUser({ account: ACCOUNT, name: 'hostile-servers' });
    keys = { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey };
  });

  it.each([
    ['an empty GetCallerIdentityResult', '<GetCallerIdentityResponse><GetCallerIdentityResult></GetCallerIdentityResult></GetCallerIdentityResponse>', /Arn "", Account ""/],
    ['an ARN that is no ARN and an account of letters', '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>admin</Arn><Account>abc</Account></GetCallerIdentityResult></GetCallerIdentityResponse>', /Arn "admin", Account "abc"/],
    ['an ARN of another account than Account', `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::999999999999:user/x</Arn><Account>${ACCOUNT}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`, /Arn "arn:aws:iam::999999999999:user\/x"/],
  ])('GetCallerIdentity with %s is no identity: refused before any login', async (_title, body, quoted) => {
    const r = await runWith([login()], 'GetCallerIdentity', stsXml(body), keys);
    const line = failureOf(r, LOGIN, 'ecr-login');
    expect(line).toMatch(/^aws-oidc\/ecr-login: STS GetCallerIdentity at \S+ answered no usable identity \(/);
    expect(line).toMatch(quoted);
    expect(r.steps.find((s) => s.name === LOGIN)!.output).not.toMatch(/^Identity:/m);
    nothingWritten(r);
  }, TEST_MS);

  it('GetAuthorizationToken answering 200 with a body that is not JSON: one line naming the call and the endpoint', async () => {
    const r = await runWith([login()], 'GetAuthorizationToken', ecrJson('<html>\n<body>Welcome to the captive portal</body>\n</html>'), keys);
    expect(failureOf(r, LOGIN, 'ecr-login')).toMatch(/the HTTP 200 reply to GetAuthorizationToken from \S+ could not be read: /);
    nothingWritten(r);
  }, TEST_MS);

  it.each([
    ['a host that is not ECR', 'https://registry.example.com', {}],
    ['an ECR look-alike under another domain', `https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com.example.net`, {}],
    ['plain http to an ECR host', `http://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`, {}],
    ['another region', `https://${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, {}],
    ['another account than account-id', `https://999999999999.dkr.ecr.${REGION}.amazonaws.com`, { 'account-id': ACCOUNT }],
  ])('a login whose proxyEndpoint is %s: refused, nothing written, the password never shown', async (_title, endpoint, params) => {
    const r = await runWith([login(params)], 'GetAuthorizationToken', ecrJson(loginJson(endpoint)), keys);
    expect(failureOf(r, LOGIN, 'ecr-login')).toMatch(/^aws-oidc\/ecr-login: ECR GetAuthorizationToken at \S+ answered proxyEndpoint ".*", which is no ECR registry of (the caller|account \d{12}) in /);
    expect(rig.dockerCalls(r).filter((c) => c.argv[0] === 'login')).toEqual([]);
    nothingWritten(r);
  }, TEST_MS);
});
