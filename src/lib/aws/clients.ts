// The only place that constructs AWS SDK clients. Each client gets its credentials passed in (never the
// SDK's default chain), one attempt per call (the retries are the project's: src/lib/retry.ts), and the
// project's HTTP handler (proxy from the environment, connect and call deadlines). Region and endpoint
// are resolved by the SDK's own rules: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, AWS_USE_FIPS_ENDPOINT,
// AWS_USE_DUALSTACK_ENDPOINT and every partition the SDK knows.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
import { STSClient } from '@aws-sdk/client-sts';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECRPUBLICClient } from '@aws-sdk/client-ecr-public';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Env } from '../params.ts';
import { OrbError } from '../errors.ts';
import { requestHandler } from './http-handler.ts';

/** Keys that sign a request; a session key travels with its token. */
export interface AwsKeys { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined }

/** ECR Public's API lives in us-east-1 only. */
export const PUBLIC_REGISTRY_REGION = 'us-east-1';

/** One HTTP handler per step environment, shared by its clients so they reuse connections (and proxy tunnels). */
const handlers = new WeakMap<Env, NodeHttpHandler>();
function handlerFor(env: Env): NodeHttpHandler {
  let handler = handlers.get(env);
  if (!handler) {
    handler = requestHandler(env);
    handlers.set(env, handler);
  }
  return handler;
}

/** The settings every client shares: explicit keys, no SDK retries, the project's HTTP handler, the step's clock. */
function common(region: string, keys: AwsKeys | undefined, env: Env, now: () => number) {
  return {
    region,
    maxAttempts: 1,
    // Signatures carry the time; a clock other than the system's (tests, the rig) is an offset to it.
    systemClockOffset: now() - Date.now(),
    requestHandler: handlerFor(env),
    // An unsigned call (AssumeRoleWithWebIdentity) still needs a credential provider; it is never asked.
    credentials: keys
      ? { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, ...(keys.sessionToken ? { sessionToken: keys.sessionToken } : {}) }
      : async () => { throw new Error('this AWS call needs credentials and none were given'); },
  };
}

export { endpointOf } from './errors.ts';

type Stack = STSClient['middlewareStack'] | ECRClient['middlewareStack'] | ECRPUBLICClient['middlewareStack'];

/** Whether `hostname` is this machine: 127.0.0.0/8, ::1 or localhost. */
export const isLoopback = (hostname: string): boolean => /^127(\.\d{1,3}){3}$/.test(hostname) || ['::1', '[::1]', 'localhost'].includes(hostname.toLowerCase());

/**
 * Refuses an endpoint that is not https, unless it is plain http to this machine (local stand-ins): the
 * web identity token, session tokens and signed requests must not cross a network in clear text, whichever
 * setting named the endpoint (sts-endpoint, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, a config file).
 */
export function checkEndpoint(protocol: string, hostname: string, port?: number): void {
  if (protocol === 'https:' || (protocol === 'http:' && isLoopback(hostname))) return;
  const shown = `${protocol}//${hostname}${port ? `:${port}` : ''}`;
  throw new OrbError(`the AWS endpoint ${shown} is not https: credentials and tokens would travel in clear text`,
    'use an https endpoint in sts-endpoint, AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL (plain http only to 127.0.0.1 or localhost, for local stand-ins)');
}

/** Checks the endpoint the SDK resolved before anything is signed or sent, and records it on the output and every error of the call (with the call's name, `call`), so messages and checks can name where it went. */
function nameEndpointOnError<C extends { middlewareStack: Stack }>(client: C): C {
  const stack = client.middlewareStack as STSClient['middlewareStack'];
  // At the build step the endpoint is resolved and nothing is signed or sent yet.
  stack.add((next) => async (args) => {
    const req = args.request as { protocol?: string; hostname?: string; port?: number } | undefined;
    if (req?.hostname !== undefined) checkEndpoint(req.protocol ?? 'https:', req.hostname, req.port);
    return next(args);
  }, { step: 'build', name: 'awsOidcEndpointCheck' });
  stack.add((next, context) => async (args) => {
    const req = args.request as { protocol?: string; hostname?: string; port?: number } | undefined;
    const endpoint = req?.hostname ? `${req.protocol ?? 'https:'}//${req.hostname}${req.port ? `:${req.port}` : ''}` : undefined;
    try {
      const result = await next(args);
      if (endpoint && result.output && typeof result.output === 'object') Object.defineProperty(result.output, 'endpoint', { value: endpoint });
      return result;
    } catch (err) {
      if (endpoint && err && typeof err === 'object') Object.assign(err, { endpoint, call: context.commandName?.replace(/Command$/, '') });
      throw err;
    }
  }, { step: 'finalizeRequest', name: 'awsOidcEndpointOnError' });
  return client;
}

/** An STS client for `region`; `endpoint` (the sts-endpoint parameter) overrides the SDK's resolution when set. */
export function stsClient(region: string, endpoint: string, keys: AwsKeys | undefined, env: Env, now: () => number = Date.now): STSClient {
  return nameEndpointOnError(new STSClient({ ...common(region, keys, env, now), ...(endpoint ? { endpoint } : {}) }));
}

/** A private ECR client for `region`, signing with `keys`. */
export function ecrClient(region: string, keys: AwsKeys, env: Env, now: () => number = Date.now): ECRClient {
  return nameEndpointOnError(new ECRClient(common(region, keys, env, now)));
}

/** An ECR Public client (us-east-1), signing with `keys`. */
export function ecrPublicClient(keys: AwsKeys, env: Env, now: () => number = Date.now): ECRPUBLICClient {
  return nameEndpointOnError(new ECRPUBLICClient(common(PUBLIC_REGISTRY_REGION, keys, env, now)));
}
