// An AWS call that got no answer (the connection refused, the name not found, no reply in time, the proxy
// refusing its tunnel) is said as such: where it went and through which proxy settings, never as an AWS
// error there was not. Wraps the STS calls of assume-role-with-oidc and the CLI.
import { OrbError } from '../errors.ts';
import type { Env } from '../params.ts';
import { retrySummary } from '../retry.ts';
import { awsErrorInfo, endpointOf, networkCode } from './errors.ts';
import { proxyFor, withoutCredentials } from './http-handler.ts';
import type { StsPort } from './sts.ts';

/** How the caller's user names the settings that choose the endpoint, e.g. "sts-endpoint, AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL". */
export interface EndpointWords { env: Env; endpointSettings: string }

/** Whether `err` is a failure that got no answer from AWS: a Node network code (ECONNREFUSED, ENOTFOUND...), a timeout, or a proxy's refusal of CONNECT. */
export function unanswered(err: unknown): boolean {
  if (err instanceof OrbError) return false;
  const name = (err as { name?: unknown } | undefined)?.name;
  return networkCode(err) !== undefined || name === 'TimeoutError' || name === 'ProxyError';
}

const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY'];

/**
 * The proxy settings in `env` as a message shows them: each proxy variable that is set, its user and password
 * shown as ***, and whether a call to `endpoint` goes through a proxy (proxyFor's rules) or direct.
 */
export function proxySettings(endpoint: string | undefined, env: Env): string {
  const set = PROXY_VARIABLES.filter((name) => env[name]).map((name) => `${name}=${withoutCredentials(env[name] as string)}`);
  let route = '';
  try {
    const proxy = endpoint ? proxyFor(new URL(endpoint), env) : undefined;
    if (endpoint) route = proxy ? `, so it went through the proxy ${proxy.host}` : ', so it went direct';
  } catch (err) {
    route = ` (${(err as Error).message})`;
  }
  return `${set.length > 0 ? set.join(' ') : 'none of HTTPS_PROXY, HTTP_PROXY, NO_PROXY is set'}${route}`;
}

/** The deadline withDeadline sets from what was left of retry-max-seconds: the retries ran out of time, which says nothing of the way to AWS. */
const RETRY_TIME_SPENT = 'what was left of retry-max-seconds';

/**
 * `err` as it is reported when `call` (e.g. "STS AssumeRole to <role ARN>") got no answer: an OrbError naming
 * the endpoint, Node's code and message and the proxy settings on its first line, what the retries tried on the
 * next, and the fix (the endpoint settings in `words`, the proxy variables). Any other error is returned as it
 * is, and so is a deadline cut short by retry-max-seconds (the retries' own words say what happened then).
 */
export function explainUnanswered(call: string, err: unknown, words: EndpointWords): unknown {
  if (!unanswered(err) || String((err as Error).message).includes(RETRY_TIME_SPENT)) return err;
  const endpoint = endpointOf(err);
  const e = awsErrorInfo(err);
  const tried = retrySummary(err);
  return new OrbError(
    `${call} got no answer${endpoint ? ` from ${endpoint}` : ''}: ${networkCode(err) ?? e.code}: ${e.message} (proxy: ${proxySettings(endpoint, words.env)})${tried ? `\n  ${tried}` : ''}`,
    `no answer came, so look on the way there: check that ${endpoint ?? 'the endpoint'} is the endpoint meant (${words.endpointSettings} choose it), ` +
    'that it is reachable from here, and the proxy settings (HTTPS_PROXY, NO_PROXY)', { cause: err });
}

/**
 * `sts` (usually retryingSts) whose calls that in the end got no answer at all fail with explainUnanswered's
 * OrbError (the endpoint, the proxy settings, `words` naming the endpoint settings), not as an AWS error to explain.
 */
export function sayingUnanswered(sts: StsPort, words: EndpointWords): StsPort {
  const explained = <T>(what: string, call: () => Promise<T>): Promise<T> => call().catch((err: unknown) => { throw explainUnanswered(`STS ${what}`, err, words); });
  return {
    assumeRoleWithWebIdentity: (input) => explained(`AssumeRoleWithWebIdentity for ${input.roleArn}`, () => sts.assumeRoleWithWebIdentity(input)),
    assumeRole: (creds, input) => explained(`AssumeRole to ${input.roleArn}`, () => sts.assumeRole(creds, input)),
    getCallerIdentity: (creds) => explained('GetCallerIdentity with the new credentials', () => sts.getCallerIdentity(creds)),
  };
}
