// Faults survived: throttling, 500/503, connection resets, slow answers, IdP and JWKS failures and registry 5xx, met by assume-role-with-oidc, ecr-login and build-and-push in the rig
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Fault, RequestRecord } from '../harness/aws/index.ts';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, EXTERNAL_ID, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT]);
beforeAll(() => {
  for (const name of ['faults-describe', 'faults-push', 'faults-push-down']) rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name });
});
// A test that leaves faults queued (a persistent fault outlives its step) leaves none for the next one.
afterEach(() => {
  rig.aws.clearFaults();
  registries.get(ACCOUNT)?.clearFaults();
});

const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const BUDGET_S = 2;
/**
 * What retry-max-seconds promises (src/lib/retry.ts): no sleep between attempts runs past it (so the sleeps the step
 * logs add up to at most BUDGET_S), and the request in flight is cut when it runs out (retryTimeLeft), so the
 * "failed N time(s) over S s" it prints is BUDGET_S plus only the moments the process takes to see its own timer
 * fire. The upper bound below gives those moments a whole second budget: a step that went on for twice its budget
 * is past it (a doubled budget, or a call deadline that ignores it; the test that cuts a silent server shows both).
 */
const WITHIN = 2 * BUDGET_S;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
/** The sleeps the step logged before retrying `action` ("retrying X (n/m) after why, in D ms"), in ms. */
const slept = (output: string, action: string): number[] => [...output.matchAll(new RegExp(`retrying ${action} \\(\\d+/\\d+\\) after .*, in (\\d+) ms$`, 'gm'))].map((m) => Number(m[1]));
const ASSUME = 'Assume AWS role with CircleCI OIDC';
const LOGIN = 'Log in to Amazon ECR';
const BUILD = 'Build and push to Amazon ECR';

const assume = (params: Record<string, string | number> = {}): ConsumerStep => ({ orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, ...params } });
const out = (r: JobResult, name: string): string => r.steps.filter((s) => s.name === name).map((s) => s.output).join('\n');
const all = (r: JobResult): string => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
const duration = (r: JobResult, name: string): number => r.steps.find((s) => s.name === name)?.durationMs ?? -1;

/** Runs `steps` after queueing `faults`; returns the job and the local AWS requests it made. */
async function runWith(steps: ConsumerStep[], faults: [string, Fault][], opts: { env?: Record<string, string>; checkoutSource?: string } = {}) {
  const before = rig.aws.requests.length;
  for (const [action, fault] of faults) rig.aws.injectFault(action, fault);
  const r = await rig.run(consumerConfig(rig.orbText, steps), 'deploy', opts);
  const log = rig.aws.requests.slice(before);
  return { r, log, statuses: (action: string) => log.filter((q: RequestRecord) => q.action === action).map((q) => q.status) };
}

/** "X failed N time(s) over S s; last: why" from a step's output, as numbers. */
function tried(output: string, action: string): { attempts: number; seconds: number; last: string } | undefined {
  const m = new RegExp(`${action} failed (\\d+) time\\(s\\) over ([\\d.]+)s; last: ([^\\n]+)`).exec(output);
  return m ? { attempts: Number(m[1]), seconds: Number(m[2]), last: m[3]! } : undefined;
}

/** A project whose Dockerfile makes a small unique FROM scratch image. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'faults-project-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), `${Date.now()}-${Math.random()}\n`);
  return dir;
}

describe('assume-role-with-oidc survives passing faults of STS', () => {
  it.each([
    ['throttling twice', { kind: 'throttle', times: 2 }, [400, 400, 200], /after Throttling/],
    ['a 500', { kind: '500', times: 1 }, [500, 200], /after InternalFailure \(HTTP 500\)/],
    ['a 503', { kind: '503', times: 1 }, [503, 200], /after ServiceUnavailable \(HTTP 503\)/],
    ['a connection reset', { kind: 'reset', times: 1 }, [0, 200], /after (ECONNRESET|EPIPE)/],
    ['IDPCommunicationError twice', { kind: 'idp', times: 2 }, [400, 400, 200], /after IDPCommunicationError/],
    ['InvalidIdentityToken "Couldn\'t retrieve verification key"', { kind: 'no-key', times: 1 }, [400, 200], /after InvalidIdentityToken \(verification key\)/],
  ] as const)('%s on AssumeRoleWithWebIdentity: the step succeeds and the log shows each retry', async (_title, fault, statuses, why) => {
    const { r, statuses: seen } = await runWith([assume()], [['AssumeRoleWithWebIdentity', { ...fault }]]);
    expect(r.success, all(r)).toBe(true);
    expect(seen('AssumeRoleWithWebIdentity')).toEqual(statuses);
    expect(out(r, ASSUME).match(/retrying AssumeRoleWithWebIdentity/g)).toHaveLength(statuses.length - 1);
    expect(out(r, ASSUME)).toMatch(why);
  });

  it('an answer slower than the client timeout (AWS_OIDC_HTTP_TIMEOUT_MS) is abandoned and retried', async () => {
    const { r, statuses } = await runWith([assume()], [['AssumeRoleWithWebIdentity', { kind: 'delay', times: 1, delayMs: 2500 }]],
      { env: { AWS_OIDC_HTTP_TIMEOUT_MS: '500' } });
    expect(r.success, all(r)).toBe(true);
    expect(statuses('AssumeRoleWithWebIdentity')).toHaveLength(2);
    expect(out(r, ASSUME)).toMatch(/retrying AssumeRoleWithWebIdentity \(2\/5\) after ETIMEDOUT/);
    console.log(`slow answer: step took ${duration(r, ASSUME)} ms with a 500 ms client timeout and a 2500 ms delay`);
  });

  it('the issuer\'s JWKS failing the first 2 fetches: STS cannot verify, the step retries until it can', async () => {
    rig.issuer.failJwks(2);
    const { r, log } = await runWith([assume()], []);
    expect(r.success, all(r)).toBe(true);
    const exchanges = log.filter((q) => q.action === 'AssumeRoleWithWebIdentity');
    expect(exchanges.map((q) => q.errorCode ?? q.status)).toEqual(['IDPCommunicationError', 'IDPCommunicationError', 200]);
    expect(out(r, ASSUME).match(/retrying AssumeRoleWithWebIdentity \(\d\/5\) after IDPCommunicationError/g)).toHaveLength(2);
  });

  it('a 503 on GetCallerIdentity (the identity check after the exchange) is survived too', async () => {
    const { r, statuses } = await runWith([assume()], [['GetCallerIdentity', { kind: '503', times: 1 }]]);
    expect(r.success, all(r)).toBe(true);
    expect(statuses('GetCallerIdentity')).toEqual([503, 200]);
  });
});

describe('assume-role-with-oidc with a role chain (the signed AssumeRole hop)', () => {
  const chain = { 'role-chain': `arn:aws:iam::${PROD_ACCOUNT}:role/cfn-deploy external-id=${EXTERNAL_ID}` };

  it.each([
    ['throttling', { kind: 'throttle', times: 1 }, [400, 200]],
    ['a reset', { kind: 'reset', times: 1 }, [0, 200]],
  ] as const)('survives %s on AssumeRole and ends as the chained role', async (_title, fault, statuses) => {
    const who: ConsumerStep = { name: 'Who am I', run: 'aws sts get-caller-identity --query Arn --output text' };
    const { r, statuses: seen } = await runWith([assume({ ...chain, 'role-session-name': 'chain-faults' }), who], [['AssumeRole', { ...fault }]]);
    expect(r.success, all(r)).toBe(true);
    expect(seen('AssumeRole')).toEqual(statuses);
    expect(out(r, ASSUME)).toMatch(/retrying AssumeRole \(2\/5\)/);
    expect(out(r, 'Who am I').trim()).toBe(`arn:aws:sts::${PROD_ACCOUNT}:assumed-role/cfn-deploy/chain-faults`);
  });

  it('a persistent 500 on AssumeRole fails within retry-max-seconds, naming the hop and what was tried', async () => {
    const { r, statuses } = await runWith([assume({ ...chain, 'retry-max-seconds': BUDGET_S, 'retry-max-attempts': 20 })], [['AssumeRole', { kind: '500', times: 1000 }]]);
    expect(r.success).toBe(false);
    const t = tried(out(r, ASSUME), 'AssumeRole');
    expect(t, out(r, ASSUME)).toBeDefined();
    expect(t!.attempts).toBe(statuses('AssumeRole').length);
    expect(slept(out(r, ASSUME), 'AssumeRole'), 'one logged sleep before each retry').toHaveLength(t!.attempts - 1);
    expect(sum(slept(out(r, ASSUME), 'AssumeRole'))).toBeLessThanOrEqual(BUDGET_S * 1000);
    expect(t!.seconds).toBeLessThan(WITHIN);
    expect(out(r, ASSUME)).toMatch(/AssumeRole from .*role\/deploy to .*role\/cfn-deploy/);
  });
});

describe('assume-role-with-oidc fails persistent faults within retry-max-seconds, saying what was tried', () => {
  it.each([
    ['500', { kind: '500', times: 1000 }, /InternalFailure \(HTTP 500\)/],
    ['a reset', { kind: 'reset', times: 1000 }, /ECONNRESET|EPIPE/],
    ['an answer slower than the timeout', { kind: 'delay', times: 1000, delayMs: 5000 }, /ETIMEDOUT/],
  ] as const)('persistent %s: fails after at most 2 s of retries (retry-max-seconds 2)', async (_title, fault, last) => {
    const { r, statuses } = await runWith([assume({ 'retry-max-seconds': BUDGET_S, 'retry-max-attempts': 20 })], [['AssumeRoleWithWebIdentity', { ...fault }]],
      { env: { AWS_OIDC_HTTP_TIMEOUT_MS: '400' } });
    expect(r.success).toBe(false);
    const t = tried(out(r, ASSUME), 'AssumeRoleWithWebIdentity');
    expect(t, out(r, ASSUME)).toBeDefined();
    expect(t!.last).toMatch(last);
    expect(t!.attempts).toBe(statuses('AssumeRoleWithWebIdentity').length);
    expect(t!.attempts).toBeGreaterThan(1);
    expect(t!.attempts).toBeLessThan(20);
    // The loop never sleeps past the budget, and the last attempt is cut by what is left of it.
    expect(slept(out(r, ASSUME), 'AssumeRoleWithWebIdentity'), 'one logged sleep before each retry').toHaveLength(t!.attempts - 1);
    expect(sum(slept(out(r, ASSUME), 'AssumeRoleWithWebIdentity'))).toBeLessThanOrEqual(BUDGET_S * 1000);
    expect(t!.seconds).toBeLessThan(WITHIN);
    console.log(`persistent ${_title}: ${t!.attempts} attempts over ${t!.seconds} s (step ${duration(r, ASSUME)} ms)`);
  });

  it('a request in flight when retry-max-seconds runs out is cut then, however long the HTTP deadline: one attempt, over the budget and under twice it', async () => {
    // A server that never answers, and an HTTP deadline of ten budgets: only what is left of the budget can end the call.
    const { r, statuses } = await runWith([assume({ 'retry-max-seconds': BUDGET_S, 'retry-max-attempts': 20 })],
      [['AssumeRoleWithWebIdentity', { kind: 'raw', times: 1000, raw: () => undefined }]], { env: { AWS_OIDC_HTTP_TIMEOUT_MS: String(10 * BUDGET_S * 1000) } });
    expect(r.success).toBe(false);
    const t = tried(out(r, ASSUME), 'AssumeRoleWithWebIdentity');
    expect(t, out(r, ASSUME)).toBeDefined();
    expect(t!.last).toMatch(/ETIMEDOUT/);
    // Cut when nothing was left of the budget, so no second attempt; not before the budget, and not a budget later.
    expect(statuses('AssumeRoleWithWebIdentity')).toHaveLength(1);
    expect(t!.attempts).toBe(1);
    expect(t!.seconds).toBeGreaterThanOrEqual(BUDGET_S);
    expect(t!.seconds).toBeLessThan(WITHIN);
  });

  it('AccessDenied is never retried: exactly one request', async () => {
    // The production role trusts main only; a job on another branch is refused.
    const before = rig.aws.requests.length;
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'role-arn': `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy` })]), 'deploy', { branch: 'feature/x' });
    const log = rig.aws.requests.slice(before);
    expect(r.success).toBe(false);
    expect(log.filter((q) => q.action === 'AssumeRoleWithWebIdentity').map((q) => q.errorCode)).toEqual(['AccessDenied']);
    expect(out(r, ASSUME)).not.toMatch(/retrying/);
    expect(out(r, ASSUME)).toMatch(/AccessDenied|not authorized/);
  });
});

describe('ecr-login', () => {
  it.each([
    ['throttling', { kind: 'throttle', times: 2 }, 3],
    ['a 500', { kind: '500', times: 1 }, 2],
    ['a 503', { kind: '503', times: 1 }, 2],
    ['a connection reset', { kind: 'reset', times: 1 }, 2],
    ['an answer slower than the client timeout', { kind: 'delay', times: 1, delayMs: 2500 }, 2],
  ] as const)('survives %s on GetAuthorizationToken', async (_title, fault, calls) => {
    const { r, statuses } = await runWith([assume(), { orb: 'ecr-login' }], [['GetAuthorizationToken', { ...fault }]], { env: { AWS_OIDC_HTTP_TIMEOUT_MS: '500' } });
    expect(r.success, all(r)).toBe(true);
    expect(statuses('GetAuthorizationToken')).toHaveLength(calls);
    expect(statuses('GetAuthorizationToken').at(-1)).toBe(200);
    expect(out(r, LOGIN).match(/retrying GetAuthorizationToken/g)).toHaveLength(calls - 1);
  });

  it('fails a persistent 503 within retry-max-seconds, saying what was tried', async () => {
    const { r, statuses } = await runWith([assume(), { orb: 'ecr-login', params: { 'retry-max-seconds': BUDGET_S, 'retry-max-attempts': 20 } }],
      [['GetAuthorizationToken', { kind: '503', times: 1000 }]]);
    expect(r.success).toBe(false);
    const t = tried(out(r, LOGIN), 'GetAuthorizationToken');
    expect(t, out(r, LOGIN)).toBeDefined();
    expect(t!.last).toMatch(/HTTP 503/);
    expect(t!.attempts).toBe(statuses('GetAuthorizationToken').length);
    expect(t!.attempts).toBeGreaterThan(1);
    expect(slept(out(r, LOGIN), 'GetAuthorizationToken'), 'one logged sleep before each retry').toHaveLength(t!.attempts - 1);
    expect(sum(slept(out(r, LOGIN), 'GetAuthorizationToken'))).toBeLessThanOrEqual(BUDGET_S * 1000);
    expect(t!.seconds).toBeLessThan(WITHIN);
    console.log(`ecr-login persistent 503: ${t!.attempts} attempts over ${t!.seconds} s`);
  });

  it('AccessDenied (another account\'s registry) is never retried: exactly one request', async () => {
    const { r, log } = await runWith([assume(), { orb: 'ecr-login', params: { 'account-id': PROD_ACCOUNT } }], []);
    expect(r.success).toBe(false);
    expect(log.filter((q) => q.action === 'GetAuthorizationToken').map((q) => q.errorCode)).toEqual(['AccessDeniedException']);
    expect(out(r, LOGIN)).not.toMatch(/retrying/);
    expect(out(r, LOGIN)).toContain(PROD_ACCOUNT);
  });
});

describe('build-and-push', () => {
  const login: ConsumerStep[] = [assume(), { orb: 'ecr-login' }];

  it('survives throttling on DescribeRepositories and a 500 on BatchGetImage (the digest read back)', async () => {
    const { r, statuses } = await runWith([...login, { orb: 'build-and-push', params: { repo: 'faults-describe', tag: 'v1' } }],
      [['DescribeRepositories', { kind: 'throttle', times: 1 }], ['BatchGetImage', { kind: '500', times: 1 }]], { checkoutSource: project() });
    expect(r.success, all(r)).toBe(true);
    expect(statuses('DescribeRepositories').slice(0, 2)).toEqual([400, 200]);
    expect(statuses('BatchGetImage').slice(0, 2)).toEqual([500, 200]);
    expect(out(r, BUILD)).toMatch(/retrying DescribeRepositories/);
    expect(out(r, BUILD)).toMatch(/retrying BatchGetImage/);
  });

  it('a persistent 503 on DescribeRepositories fails within retry-max-seconds, saying what was tried, before any build', async () => {
    const { r, statuses } = await runWith([...login, { orb: 'build-and-push', params: { repo: 'faults-describe', tag: 'v2', 'retry-max-seconds': BUDGET_S, 'retry-max-attempts': 20 } }],
      [['DescribeRepositories', { kind: '503', times: 1000 }]], { checkoutSource: project() });
    expect(r.success).toBe(false);
    const t = tried(out(r, BUILD), 'DescribeRepositories');
    expect(t, out(r, BUILD)).toBeDefined();
    expect(out(r, BUILD)).toMatch(new RegExp(`DescribeRepositories for faults-describe in ECR registry ${ACCOUNT} \\(${REGION}\\) failed: ServiceUnavailable \\(HTTP 503\\)`));
    expect(out(r, BUILD)).toMatch(/fix: AWS kept failing within retry-max-attempts and retry-max-seconds/);
    expect(t!.last).toMatch(/HTTP 503/);
    expect(t!.attempts).toBe(statuses('DescribeRepositories').length);
    expect(t!.attempts).toBeGreaterThan(1);
    expect(slept(out(r, BUILD), 'DescribeRepositories'), 'one logged sleep before each retry').toHaveLength(t!.attempts - 1);
    expect(sum(slept(out(r, BUILD), 'DescribeRepositories'))).toBeLessThanOrEqual(BUDGET_S * 1000);
    expect(t!.seconds).toBeLessThan(WITHIN);
    expect(rig.dockerCalls(r).filter((c) => c.argv[0] === 'build' || c.argv[0] === 'push')).toEqual([]);
  });

  it('AccessDenied (a repository in another account) is never retried: exactly one request', async () => {
    const { r, log } = await runWith([...login, { orb: 'build-and-push', params: { repo: 'faults-describe', tag: 'v3', 'account-id': PROD_ACCOUNT } }], [], { checkoutSource: project() });
    expect(r.success).toBe(false);
    expect(log.filter((q) => q.action === 'DescribeRepositories').map((q) => q.errorCode)).toEqual(['AccessDeniedException']);
    expect(out(r, BUILD)).not.toMatch(/retrying/);
    expect(out(r, BUILD)).toMatch(new RegExp(`DescribeRepositories for faults-describe in ECR registry ${PROD_ACCOUNT} \\(${REGION}\\) was refused: .*not authorized`));
    expect(out(r, BUILD)).toMatch(/fix: allow ecr:DescribeRepositories to the role/);
  });

  it('a registry 500 on one blob upload during the push: docker retries it and the push succeeds', async () => {
    const reg = registries.get(ACCOUNT)!;
    const before = reg.requests.length;
    reg.injectFault({ status: 500, times: 1, method: 'PATCH', pathIncludes: '/faults-push/blobs/uploads/' });
    const { r } = await runWith([...login, { orb: 'build-and-push', params: { repo: 'faults-push', tag: 'v1' } }], [], { checkoutSource: project() });
    const seen = reg.requests.slice(before);
    expect(r.success, all(r)).toBe(true);
    expect(seen.filter((q) => q.status === 500)).toHaveLength(1);
    expect(seen.some((q) => q.method === 'PUT' && q.path.includes('/faults-push/manifests/v1') && q.status === 201)).toBe(true);
    expect(await reg.manifestDigest('faults-push', 'v1')).toMatch(/^sha256:/);
  });

  it('a registry that keeps answering 503 to the manifest PUT: the step fails, naming the push, docker\'s answer and both fixes', async () => {
    const reg = registries.get(ACCOUNT)!;
    const before = reg.requests.length;
    reg.injectFault({ status: 503, times: 1000, method: 'PUT', pathIncludes: '/faults-push-down/manifests/' });
    const { r } = await runWith([...login, { orb: 'build-and-push', params: { repo: 'faults-push-down', tag: 'v1' } }], [], { checkoutSource: project() });
    expect(r.success).toBe(false);
    const text = out(r, BUILD);
    expect(text).toMatch(/docker push \S+\/faults-push-down:v1 failed/);
    expect(text).toMatch(/received unexpected HTTP status: 503 Service Unavailable/);
    expect(text).toMatch(/docker push \S+ failed: docker push exited with 1 \(docker's reason is in the push output above\)/);
    expect(text).toMatch(/when it says 5xx .*re-run the job/);
    const failed = reg.requests.slice(before).filter((q) => q.status === 503);
    expect(failed.length).toBeGreaterThan(0);
    console.log(`registry down: docker made ${failed.length} request(s) that got 503; step ${duration(r, BUILD)} ms`);
    expect(await reg.manifestDigest('faults-push-down', 'v1')).toBeUndefined();
  });
});
