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

export async function run(p: EcrLoginParams, deps: EcrLoginDeps, ctx: { endpoint: string }): Promise<void> {
  const { log } = deps;
  const keys = await deps.resolveKeys(p.profileName);
  log.secret(keys.secretAccessKey, keys.sessionToken, keys.accessKeyId);
  const what = p.publicRegistry ? 'ECR Public (public.ecr.aws)' : p.accountIds.length ? p.accountIds.join(', ') : 'the identity\'s own registry';
  const fail = (who: string) => (err: unknown) => {
    throw err instanceof OrbError ? err : explainEcrError(err, { source: keys.source, who, registries: what, region: p.region, endpoint: ctx.endpoint, expiration: keys.expiration });
  };
  if (keys.expiration && keys.expiration.getTime() <= deps.now()) {
    throw new OrbError(`the AWS credentials from ${keys.source} expired at ${keys.expiration.toISOString()}`,
      'run assume-role-with-oidc again before this step, or give it self-refresh: true with a profile-name and use that profile here');
  }
  const who = await deps.callerIdentity(keys, p.region).catch(fail(`the identity from ${keys.source}`));
  log.info(`Identity: ${who.arn} (from ${keys.source})`);

  // Plain logins still valid for more than an hour, for the same role, are kept.
  const records = p.credentialHelper ? {} : deps.loginRecords();
  const plain = p.credentialHelper ? new Set<string>() : deps.plainLoginHosts();
  const wanted = p.publicRegistry ? ['public'] : p.accountIds.length ? p.accountIds : [who.account];
  const still = Object.entries(records).filter(([host, r]) => wanted.includes(r.registryId) && plain.has(host)
    && Date.parse(r.expiresAt) - deps.now() > RELOGIN_MARGIN_MS && roleOf(r.identityArn) === roleOf(who.arn));
  const keep = new Set(still.map(([, r]) => r.registryId));
  const toGet = wanted.filter((id) => !keep.has(id));

  let logins: RegistryLogin[] = [];
  if (toGet.length > 0) {
    logins = p.publicRegistry
      ? [await deps.getPublicToken(keys).catch(fail(who.arn))]
      : await deps.getTokens(keys, p.region, p.accountIds.length ? toGet : []).catch(fail(who.arn));
    if (!p.publicRegistry && p.accountIds.length === 0 && logins.length === 1 && logins[0]) logins[0].registryId ||= who.account;
  }
  for (const l of logins) log.secret(l.password, Buffer.from(`${l.username}:${l.password}`).toString('base64'));

  const hosts: { registryId: string; host: string; how: string; expiresAt: string | null }[] = [];
  const exports: Record<string, string | null> = {};
  for (const [host, r] of still) {
    log.info(`${host}: the login from an earlier step is valid until ${r.expiresAt}; kept`);
    hosts.push({ registryId: r.registryId, host, how: 'kept', expiresAt: r.expiresAt });
  }
  if (p.credentialHelper && logins.length > 0) {
    const entries: RegistryEntry[] = logins.map((l) => ({ host: l.host, registryId: l.registryId, region: p.publicRegistry ? 'us-east-1' : p.region,
      profile: p.profileName, identityArn: who.arn, public: p.publicRegistry }));
    const { changed, helperDir } = deps.useHelper(entries);
    for (const h of changed) log.info(`note: ${h} now uses ${p.profileName ? `profile ${p.profileName}` : 'the environment\'s keys'} (${who.arn}); an earlier ecr-login had set another identity`);
    for (const l of logins) {
      log.info(`${l.host}: docker gets a fresh login from the aws-oidc credential helper on each use (nothing stored in config.json)`);
      hosts.push({ registryId: l.registryId, host: l.host, how: 'credential-helper', expiresAt: null });
    }
    if (!(deps.env.PATH ?? '').split(':').includes(helperDir)) exports.PATH = `${helperDir}:${deps.env.PATH ?? ''}`;
  } else if (logins.length > 0) {
    await deps.dockerLogin(logins);
    const saved: Record<string, LoginRecord> = {};
    for (const l of logins) {
      log.info(`${l.host}: logged in; valid until ${l.expiresAt.toISOString()}`);
      hosts.push({ registryId: l.registryId, host: l.host, how: 'docker-login', expiresAt: l.expiresAt.toISOString() });
      saved[l.host] = { expiresAt: l.expiresAt.toISOString(), identityArn: who.arn, registryId: l.registryId };
    }
    deps.saveLoginRecords(saved);
  }

  const first = hosts[0];
  if (first) exports[p.publicRegistry ? 'AWS_ECR_PUBLIC_REGISTRY' : 'AWS_ECR_REGISTRY'] = first.host;
  for (const h of hosts) exports[registryVar({ registryId: h.registryId } as RegistryLogin)] = h.host;
  if (p.dockerConfig !== (deps.env.DOCKER_CONFIG || `${deps.env.HOME || '.'}/.docker`)) exports.DOCKER_CONFIG = p.dockerConfig;
  deps.writeExports(exports);
  log.info(`Exported ${Object.keys(exports).join(', ')} to $BASH_ENV`);
  deps.writeResult(p.publicRegistry ? 'ecr-login-public' : p.profileName ? `ecr-login-${p.profileName}` : 'ecr-login', {
    identity: who.arn, region: p.region, profile: p.profileName || null, mode: p.credentialHelper ? 'credential-helper' : 'docker-login', registries: hosts,
  });
}
