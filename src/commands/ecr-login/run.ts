// ecr-login: get ECR logins for one identity in one GetAuthorizationToken call, then either register the
// orb's credential helper for the registries (default; nothing secret on disk) or `docker login` to each.
import { OrbError } from '../../lib/errors.ts';
import type { Log } from '../../lib/log.ts';
import type { Env } from '../../lib/params.ts';
import { awsErrorInfo, failureKind, networkCode } from '../../lib/aws/errors.ts';
import { retrySummary } from '../../lib/retry.ts';
import type { ResolvedKeys } from '../../lib/aws/credentials.ts';
import type { RegistryLogin } from '../../lib/aws/ecr.ts';
import { endpointOf, type AwsKeys } from '../../lib/aws/clients.ts';
import { roleOf, type LoginRecord, type RegistryEntry } from './docker-config.ts';
import type { EcrLoginParams } from './params.ts';

/** A plain login is redone when it has less than this left (ECR tokens last 12 hours). */
export const RELOGIN_MARGIN_MS = 3600_000;

/** What ecr-login does to the world; the entry point wires the real ones, tests fakes. */
export interface EcrLoginDeps {
  env: Env;
  log: Log;
  now(): number;
  resolveKeys(profile: string): Promise<ResolvedKeys>;
  callerIdentity(keys: AwsKeys, region: string): Promise<{ arn: string; account: string }>;
  getTokens(keys: AwsKeys, region: string, registryIds: readonly string[]): Promise<RegistryLogin[]>;
  getPublicToken(keys: AwsKeys): Promise<RegistryLogin>;
  /** Installs the helper program and points the hosts at it. */
  useHelper(entries: readonly RegistryEntry[]): { changed: string[]; helperDir: string };
  /** `docker login` to each registry (in parallel), the password on stdin; stores the logins. */
  dockerLogin(logins: readonly RegistryLogin[]): Promise<void>;
  /** Hosts that config.json holds a plain login for. */
  plainLoginHosts(): Set<string>;
  loginRecords(): Record<string, LoginRecord>;
  saveLoginRecords(records: Record<string, LoginRecord>): void;
  writeExports(entries: Record<string, string | null>): void;
  writeResult(name: string, result: object): void;
}

/** The one message for each AWS refusal, naming the identity, the registries and the fix. */
export function explainEcrError(err: unknown, ctx: { source: string; who: string; registries: string; region: string; endpoint: string; expiration?: Date | undefined }): OrbError {
  const e = awsErrorInfo(err);
  const tried = retrySummary(err);
  const kind = failureKind(err);
  if (kind === 'expired') {
    const when = ctx.expiration ? ` at ${ctx.expiration.toISOString()}` : '';
    return new OrbError(`the AWS credentials from ${ctx.source} expired${when} (AWS said ${e.code})`,
      'run assume-role-with-oidc again before this step, or give it self-refresh: true with a profile-name and use that profile here');
  }
  if (kind === 'accessDenied') {
    return new OrbError(`${ctx.who} may not get a login for ECR registry ${ctx.registries} in ${ctx.region}: ${e.message}`,
      'allow ecr:GetAuthorizationToken on "*" in the role\'s policy and, for another account\'s registry, pull/push in that repository\'s policy; or log in to that registry with the identity that owns it (profile-name)');
  }
  if (kind === 'badKeys') {
    return new OrbError(`ECR does not accept the keys from ${ctx.source} (${e.code}: ${e.message})`,
      'a session key needs its AWS_SESSION_TOKEN; run assume-role-with-oidc in this job rather than pasting keys');
  }
  if (kind === 'badRequest') {
    return new OrbError(`ECR refused registry ${ctx.registries} in ${ctx.region}: ${e.message}`, 'check account-id and region');
  }
  const net = networkCode(err);
  if (net) {
    return new OrbError(`could not reach ECR at ${endpointOf(err) ?? ctx.endpoint} (${net})${tried ? `; ${tried}` : ''}`, 'check the region, the network and HTTPS_PROXY/NO_PROXY');
  }
  return new OrbError(`ECR GetAuthorizationToken failed: ${e.code}: ${e.message}${tried ? `; ${tried}` : ''}`, 'run the step again with ORB_DEBUG=1 for details');
}

/** The export name for one registry's host: AWS_ECR_REGISTRY_<account>, or AWS_ECR_PUBLIC_REGISTRY. */
export const registryVar = (l: RegistryLogin) => (l.registryId === 'public' ? 'AWS_ECR_PUBLIC_REGISTRY' : `AWS_ECR_REGISTRY_${l.registryId}`);

/** One registry the step leaves docker able to use, and how: a login kept from an earlier step, the helper, or a docker login. */
interface HostResult { registryId: string; host: string; how: 'kept' | 'credential-helper' | 'docker-login'; expiresAt: string | null }

/** Turns an AWS refusal into its one explanation, naming `who` asked (an OrbError passes as it is). */
type Fail = (who: string) => (err: unknown) => never;

/**
 * Logs in to the ECR registries of `p` (the identity's own, `account-id`'s, or ECR Public) with the
 * credential helper or plain `docker login`, and exports AWS_ECR_REGISTRY(_<account>) or
 * AWS_ECR_PUBLIC_REGISTRY (and PATH, DOCKER_CONFIG when they change). `ctx.endpoint` names ECR in
 * network errors. Rejects with an OrbError when the keys have expired or AWS refuses (explainEcrError).
 */
export async function run(p: EcrLoginParams, deps: EcrLoginDeps, ctx: { endpoint: string }): Promise<void> {
  const { log } = deps;
  const keys = await deps.resolveKeys(p.profileName);
  log.secret(keys.secretAccessKey, keys.sessionToken, keys.accessKeyId);
  const what = p.publicRegistry ? 'ECR Public (public.ecr.aws)' : p.accountIds.length ? p.accountIds.join(', ') : 'the identity\'s own registry';
  const fail: Fail = (who) => (err) => {
    throw err instanceof OrbError ? err : explainEcrError(err, { source: keys.source, who, registries: what, region: p.region, endpoint: ctx.endpoint, expiration: keys.expiration });
  };
  if (keys.expiration && keys.expiration.getTime() <= deps.now()) {
    throw new OrbError(`the AWS credentials from ${keys.source} expired at ${keys.expiration.toISOString()}`,
      'run assume-role-with-oidc again before this step, or give it self-refresh: true with a profile-name and use that profile here');
  }
  const who = await deps.callerIdentity(keys, p.region).catch(fail(`the identity from ${keys.source}`));
  log.info(`Identity: ${who.arn} (from ${keys.source})`);

  const wanted = p.publicRegistry ? ['public'] : p.accountIds.length ? p.accountIds : [who.account];
  const reusable = reusableLogins(p, deps, wanted, who.arn);
  const reusedIds = new Set(reusable.map(([, r]) => r.registryId));
  const toGet = wanted.filter((id) => !reusedIds.has(id));
  const logins = toGet.length > 0 ? await fetchLogins(p, deps, keys, who, toGet, fail) : [];
  for (const l of logins) log.secret(l.password, Buffer.from(`${l.username}:${l.password}`).toString('base64'));

  const hosts: HostResult[] = [];
  const exports: Record<string, string | null> = {};
  for (const [host, r] of reusable) {
    log.info(`${host}: the login from an earlier step is valid until ${r.expiresAt}; kept`);
    hosts.push({ registryId: r.registryId, host, how: 'kept', expiresAt: r.expiresAt });
  }
  if (p.credentialHelper && logins.length > 0) {
    const helperDir = registerHelper(p, deps, logins, who.arn, hosts);
    if (!(deps.env.PATH ?? '').split(':').includes(helperDir)) exports.PATH = `${helperDir}:${deps.env.PATH ?? ''}`;
  } else if (logins.length > 0) {
    await plainLogins(deps, logins, who.arn, hosts);
  }
  Object.assign(exports, hostExports(p, deps.env, hosts));
  deps.writeExports(exports);
  log.info(`Exported ${Object.keys(exports).join(', ')} to $BASH_ENV`);
  deps.writeResult(p.publicRegistry ? 'ecr-login-public' : p.profileName ? `ecr-login-${p.profileName}` : 'ecr-login', {
    identity: who.arn, region: p.region, profile: p.profileName || null, mode: p.credentialHelper ? 'credential-helper' : 'docker-login', registries: hosts,
  });
}

/** Plain logins from earlier steps, as [host, record], that stay: same registry wanted, still in config.json, more than an hour left, same role. */
function reusableLogins(p: EcrLoginParams, deps: EcrLoginDeps, wanted: readonly string[], identityArn: string): [string, LoginRecord][] {
  if (p.credentialHelper) return [];
  const records = deps.loginRecords();
  const plain = deps.plainLoginHosts();
  return Object.entries(records).filter(([host, r]) => wanted.includes(r.registryId) && plain.has(host)
    && Date.parse(r.expiresAt) - deps.now() > RELOGIN_MARGIN_MS && roleOf(r.identityArn) === roleOf(identityArn));
}

/** One GetAuthorizationToken call for the registries `toGet` (ECR Public: its own call); the identity's own registry is named by its account. */
async function fetchLogins(p: EcrLoginParams, deps: EcrLoginDeps, keys: ResolvedKeys, who: { arn: string; account: string }, toGet: readonly string[], fail: Fail): Promise<RegistryLogin[]> {
  if (p.publicRegistry) return [await deps.getPublicToken(keys).catch(fail(who.arn))];
  const logins = await deps.getTokens(keys, p.region, p.accountIds.length ? toGet : []).catch(fail(who.arn));
  if (p.accountIds.length === 0 && logins.length === 1 && logins[0]) logins[0].registryId ||= who.account;
  return logins;
}

/** Points the registries' hosts at the credential helper, appending them to `hosts`; returns the helper's directory (for PATH). */
function registerHelper(p: EcrLoginParams, deps: EcrLoginDeps, logins: readonly RegistryLogin[], identityArn: string, hosts: HostResult[]): string {
  const entries: RegistryEntry[] = logins.map((l) => ({ host: l.host, registryId: l.registryId, region: p.publicRegistry ? 'us-east-1' : p.region,
    profile: p.profileName, identityArn, public: p.publicRegistry }));
  const { changed, helperDir } = deps.useHelper(entries);
  for (const h of changed) deps.log.info(`note: ${h} now uses ${p.profileName ? `profile ${p.profileName}` : 'the environment\'s keys'} (${identityArn}); an earlier ecr-login had set another identity`);
  for (const l of logins) {
    deps.log.info(`${l.host}: docker gets a fresh login from the aws-oidc credential helper on each use (nothing stored in config.json)`);
    hosts.push({ registryId: l.registryId, host: l.host, how: 'credential-helper', expiresAt: null });
  }
  return helperDir;
}

/** `docker login` to each registry, appending them to `hosts`, and records each login's expiry and role for the next step. */
async function plainLogins(deps: EcrLoginDeps, logins: readonly RegistryLogin[], identityArn: string, hosts: HostResult[]): Promise<void> {
  await deps.dockerLogin(logins);
  const saved: Record<string, LoginRecord> = {};
  for (const l of logins) {
    deps.log.info(`${l.host}: logged in; valid until ${l.expiresAt.toISOString()}`);
    hosts.push({ registryId: l.registryId, host: l.host, how: 'docker-login', expiresAt: l.expiresAt.toISOString() });
    saved[l.host] = { expiresAt: l.expiresAt.toISOString(), identityArn, registryId: l.registryId };
  }
  deps.saveLoginRecords(saved);
}

/** The registry variables (the first host, then one per registry) and DOCKER_CONFIG when the step's differs from docker's default. */
function hostExports(p: EcrLoginParams, env: Env, hosts: readonly HostResult[]): Record<string, string> {
  const exports: Record<string, string> = {};
  const first = hosts[0];
  if (first) exports[p.publicRegistry ? 'AWS_ECR_PUBLIC_REGISTRY' : 'AWS_ECR_REGISTRY'] = first.host;
  for (const h of hosts) exports[registryVar({ registryId: h.registryId } as RegistryLogin)] = h.host;
  if (p.dockerConfig !== (env.DOCKER_CONFIG || `${env.HOME || '.'}/.docker`)) exports.DOCKER_CONFIG = p.dockerConfig;
  return exports;
}
