// TEMPORARY: replaced by the proxy-aware handler (branch sdk-http). The SDK's Node handler with a timeout.
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Env } from '../params.ts';

/** The client timeout of one call: 15 s, or AWS_OIDC_HTTP_TIMEOUT_MS (whole milliseconds) when set. */
export function httpTimeoutMs(env: Env): number {
  const raw = env.AWS_OIDC_HTTP_TIMEOUT_MS;
  if (raw === undefined || raw === '') return 15_000;
  if (!/^[1-9]\d{0,6}$/.test(raw)) {
    throw new Error(`AWS_OIDC_HTTP_TIMEOUT_MS is '${raw}': set it to a whole number of milliseconds from 1 to 9999999, or unset it for the 15 s default`);
  }
  return Number(raw);
}

/** The handler given to SDK clients. */
export function requestHandler(env: Env): NodeHttpHandler {
  const ms = httpTimeoutMs(env);
  return new NodeHttpHandler({ connectionTimeout: ms, requestTimeout: ms });
}

/** Runs an SDK call that aborts at the deadline. */
export async function withDeadline<T>(ms: number, what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  try {
    return await call(ctl.signal);
  } catch (err) {
    if (ctl.signal.aborted) throw Object.assign(new Error(`${what}: no answer within ${ms / 1000}s`), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
