import { describe, expect, it } from 'vitest';
import { realRetryDeps, retryReason, retrySummary, retryTimeLeft, withRetry, type RetryDeps } from '../../../src/lib/retry.ts';
import { explainAwsCall } from '../../../src/lib/aws/explain.ts';

const awsErr = (name: string, message = '', status?: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

function fakeDeps() {
  let clock = 0;
  const lines: string[] = [];
  const sleeps: number[] = [];
  const deps: RetryDeps = { now: () => clock, sleep: async (ms) => { sleeps.push(ms); clock += ms; }, random: () => 1, log: (l) => lines.push(l) };
  return { deps, lines, sleeps };
}

describe('retry classification', () => {
  it.each([
    [awsErr('Throttling', 'Rate exceeded', 400), 'Throttling'],
    [awsErr('IDPCommunicationErrorException', 'x', 400), 'IDPCommunicationError'],
    [awsErr('InvalidIdentityTokenException', "Couldn't retrieve verification key from your identity provider", 400), 'InvalidIdentityToken (verification key)'],
    [awsErr('ServiceUnavailable', '', 503), 'ServiceUnavailable (HTTP 503)'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ECONNRESET'],
    [awsErr('InternalFailure', '', 500), 'InternalFailure (HTTP 500)'],
    // An SDK timeout and S3's RequestTimeout carry their kind in the name, with no network code.
    [awsErr('TimeoutError', 'Connection timed out after 1000 ms'), 'TimeoutError'],
    [awsErr('RequestTimeout', 'Your socket connection to the server was not read from or written to', 400), 'RequestTimeout'],
  ])('retries %s', (err, reason) => {
    expect(retryReason(err)).toBe(reason);
  });

  it.each([
    awsErr('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403),
    awsErr('InvalidIdentityTokenException', 'Incorrect token audience', 400),
    awsErr('ValidationError', '1 validation error detected', 400),
    awsErr('ExpiredTokenException', 'Token expired', 400),
    awsErr('BadRequest', '', 499),
    // The verification-key wording retries only InvalidIdentityToken, not another code that quotes it.
    awsErr('AccessDenied', "Couldn't retrieve verification key from your identity provider", 403),
    // A local failure with a Node code that is not a passing network one.
    Object.assign(new Error('operation not permitted'), { code: 'EPERM' }),
  ])('does not retry %s', (err) => {
    expect(retryReason(err)).toBeUndefined();
  });
});

describe('withRetry', () => {
  it('retries passing failures with growing jittered delays and a log line each', async () => {
    const { deps, lines, sleeps } = fakeDeps();
    let calls = 0;
    const out = await withRetry('AssumeRoleWithWebIdentity', { maxAttempts: 5, totalSeconds: 60 }, deps, async () => {
      if (++calls < 3) throw awsErr('Throttling', 'Rate exceeded', 400);
      return 'ok';
    });
    expect(out).toBe('ok');
    expect(sleeps).toEqual([500, 1000]);
    expect(lines).toEqual([
      'retrying AssumeRoleWithWebIdentity (2/5) after Throttling, in 500 ms',
      'retrying AssumeRoleWithWebIdentity (3/5) after Throttling, in 1000 ms',
    ]);
  });

  it('fails a refusal at once', async () => {
    const { deps, sleeps } = fakeDeps();
    let calls = 0;
    await expect(withRetry('X', { maxAttempts: 5, totalSeconds: 60 }, deps, async () => { calls++; throw awsErr('AccessDenied', 'no', 403); })).rejects.toThrow('no');
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('stops at the attempt bound and at the time bound, saying what was tried', async () => {
    const a = fakeDeps();
    let calls = 0;
    const err1 = await withRetry('X', { maxAttempts: 3, totalSeconds: 600 }, a.deps, async () => { calls++; throw awsErr('Throttling', 'Rate exceeded', 400); }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(retrySummary(err1)).toBe('X failed 3 time(s) over 1.5s; last: Throttling');
    const b = fakeDeps();
    const err2 = await withRetry('X', { maxAttempts: 20, totalSeconds: 5 }, b.deps, async () => { throw awsErr('ServiceUnavailable', '', 503); }).catch((e: unknown) => e);
    expect(b.sleeps.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(5000);
    expect(retrySummary(err2)).toMatch(/^X failed \d+ time\(s\) over [\d.]+s; last: ServiceUnavailable \(HTTP 503\)$/);
  });
});

describe('withRetry at its edges', () => {
  it('sleeps when the next try would begin exactly at retry-max-seconds, and not past it', async () => {
    const { deps, sleeps } = fakeDeps();
    let calls = 0;
    const err = await withRetry('X', { maxAttempts: 5, totalSeconds: 0.5 }, deps, async () => { calls++; throw awsErr('Throttling', 'Rate exceeded', 400); }).catch((e: unknown) => e);
    expect([calls, sleeps]).toEqual([2, [500]]);
    expect(retrySummary(err)).toBe('X failed 2 time(s) over 0.5s; last: Throttling');
  });

  it('adds no "what was tried" line to a refusal, and reads none from what is not an object', async () => {
    const { deps } = fakeDeps();
    const err = await withRetry('X', { maxAttempts: 5, totalSeconds: 60 }, deps, async () => { throw awsErr('AccessDenied', 'no', 403); }).catch((e: unknown) => e);
    expect(retrySummary(err)).toBeUndefined();
    expect(Object.keys(err as object)).not.toContain('retrySummary');
    expect(retrySummary(undefined)).toBeUndefined();
    expect(retrySummary(null)).toBeUndefined();
  });
});

describe('a DNS lookup that fails is a passing network failure', () => {
  /** A failed lookup as Node's resolver reports it (getaddrinfo), which the SDK passes on with its code. */
  const dns = (code: string) => Object.assign(new Error(`getaddrinfo ${code} sts.us-east-1.amazonaws.com`), { code, errno: -3008, syscall: 'getaddrinfo', hostname: 'sts.us-east-1.amazonaws.com' });

  it.each(['ENOTFOUND', 'EAI_AGAIN'])('%s is retried', (code) => {
    expect(retryReason(dns(code))).toBe(code);
  });

  it('one that persists ends as the usual "failed N time(s) over S s; last: ENOTFOUND" line, and its report names the call', async () => {
    const { deps, lines } = fakeDeps();
    let calls = 0;
    const err = await withRetry('GetCallerIdentity', { maxAttempts: 20, totalSeconds: 5 }, deps, async () => { calls++; throw dns('ENOTFOUND'); }).catch((e: unknown) => e);
    expect(calls).toBeGreaterThan(1);
    expect(lines[0]).toMatch(/^retrying GetCallerIdentity \(2\/20\) after ENOTFOUND, in \d+ ms$/);
    expect(retrySummary(err)).toMatch(new RegExp(`^GetCallerIdentity failed ${calls} time\\(s\\) over [\\d.]+s; last: ENOTFOUND$`));
    expect((explainAwsCall('GetCallerIdentity', 'in us-east-1', err) as Error).message)
      .toMatch(/^GetCallerIdentity in us-east-1 failed: ENOTFOUND: getaddrinfo ENOTFOUND sts\.us-east-1\.amazonaws\.com; GetCallerIdentity failed \d+ time\(s\) over [\d.]+s; last: ENOTFOUND$/);
  });
});

describe('retryTimeLeft', () => {
  it('is what is left of retry-max-seconds inside withRetry (the smallest of nested ones), and undefined outside', async () => {
    const { deps } = fakeDeps();
    expect(retryTimeLeft()).toBeUndefined();
    const left = await withRetry('outer', { maxAttempts: 1, totalSeconds: 60 }, deps, async () =>
      [retryTimeLeft(), await withRetry('inner', { maxAttempts: 1, totalSeconds: 2 }, deps, async () => retryTimeLeft())]);
    // Bounds by construction, not by timing: the outer's 60 s are more than the inner's 2 s ever are.
    expect(left[0]).toBeGreaterThan(2000);
    expect(left[0]).toBeLessThanOrEqual(60_000);
    expect(left[1]).toBeGreaterThan(0);
    expect(left[1]).toBeLessThanOrEqual(2000);
  });
});

describe('realRetryDeps', () => {
  it('uses the real clock, a real sleep, randomness in [0, 1) and the given log', async () => {
    const lines: string[] = [];
    const deps = realRetryDeps((l) => lines.push(l));
    const before = Date.now();
    const t0 = deps.now();
    await deps.sleep(30);
    // A lower bound only: a sleep never ends early, however loaded the machine.
    expect(deps.now() - t0).toBeGreaterThanOrEqual(29);
    expect(t0).toBeGreaterThanOrEqual(before);
    const draws = Array.from({ length: 20 }, () => deps.random());
    expect(draws.every((r) => r >= 0 && r < 1)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(1);
    deps.log('retrying x');
    expect(lines).toEqual(['retrying x']);
  });
});
