// Retries that classify errors: passing failures on AWS's side are retried with jittered backoff,
// refusals fail at once. This is the one retry policy of every AWS call the steps make.
import { AsyncLocalStorage } from 'node:async_hooks';
import { awsErrorInfo, failureKind, networkCode, TRANSIENT_NETWORK } from './aws/errors.ts';

/** The bounds of one retried call. */
export interface RetryPolicy { maxAttempts: number; totalSeconds: number }

/** What the retry loop needs from outside: a clock, a sleep, randomness and a log line. */
export interface RetryDeps { now(): number; sleep(ms: number): Promise<void>; random(): number; log(line: string): void }

/** Why an error is worth another try, or undefined when it is a refusal that will not change. */
export function retryReason(err: unknown): string | undefined {
  const e = awsErrorInfo(err);
  const sysCode = networkCode(err);
  if (failureKind(err) === 'throttled') return e.code;
  if (e.code === 'IDPCommunicationError') return e.code;
  // AWS has not fetched (or could not fetch) the issuer's keys yet: passing, unlike a bad audience.
  if (e.code === 'InvalidIdentityToken' && /retrieve verification key/i.test(e.message)) return 'InvalidIdentityToken (verification key)';
  if (e.status !== undefined && e.status >= 500) return `${e.code} (HTTP ${e.status})`;
  if (sysCode && TRANSIENT_NETWORK.has(sysCode)) return sysCode;
  if (TRANSIENT_NETWORK.has(e.code)) return e.code;
  return undefined;
}

/** When (epoch ms, real time) the retried call that is running must end: retry-max-seconds after it began. */
const budget = new AsyncLocalStorage<number>();

/** The milliseconds left of retry-max-seconds for the request in flight (withDeadline bounds each AWS call by it), or undefined outside withRetry. */
export function retryTimeLeft(): number | undefined {
  const end = budget.getStore();
  return end === undefined ? undefined : Math.max(0, end - Date.now());
}

/**
 * Runs `call`, retrying classified failures with full-jitter backoff within the policy's bounds: no sleep
 * past retry-max-seconds, and (through retryTimeLeft) no request in flight past it either.
 */
export async function withRetry<T>(what: string, policy: RetryPolicy, deps: RetryDeps, call: () => Promise<T>): Promise<T> {
  const start = deps.now();
  const end = Math.min(budget.getStore() ?? Infinity, Date.now() + policy.totalSeconds * 1000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await budget.run(end, call);
    } catch (err) {
      const reason = retryReason(err);
      const delay = Math.round(deps.random() * Math.min(8000, 250 * 2 ** attempt));
      const elapsed = deps.now() - start;
      if (!reason || attempt >= policy.maxAttempts || elapsed + delay > policy.totalSeconds * 1000) {
        if (reason) {
          Object.assign(err as object, { retrySummary: `${what} failed ${attempt} time(s) over ${(elapsed / 1000).toFixed(1)}s; last: ${reason}` });
        }
        throw err;
      }
      deps.log(`retrying ${what} (${attempt + 1}/${policy.maxAttempts}) after ${reason}, in ${delay} ms`);
      await deps.sleep(delay);
    }
  }
}

/** The real clock, sleep and randomness. */
export const realRetryDeps = (log: (line: string) => void): RetryDeps => ({
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  log,
});

/** The "what was tried" line a retried failure carries, if any. */
export function retrySummary(err: unknown): string | undefined {
  return (err as { retrySummary?: string } | undefined)?.retrySummary;
}
