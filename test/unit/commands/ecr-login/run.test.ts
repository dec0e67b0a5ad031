import { describe, expect, it } from 'vitest';
import { rejection } from '../../../support/rejection.ts';
import { RELOGIN_MARGIN_MS, explainEcrError, registryVar, run, type EcrLoginDeps } from '../../../../src/commands/ecr-login/run.ts';
import type { EcrLoginParams } from '../../../../src/commands/ecr-login/params.ts';
import type { LoginRecord, RegistryEntry } from '../../../../src/commands/ecr-login/docker-config.ts';
import type { ResolvedKeys } from '../../../../src/lib/aws/credentials.ts';
import type { RegistryLogin } from '../../../../src/lib/aws/ecr.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { Log } from '../../../../src/lib/log.ts';
import { ECRServiceException } from '@aws-sdk/client-ecr';
import { parseParams } from '../../../../src/commands/ecr-login/params.ts';
import { orbParams } from '../../../support/params.ts';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';
const host = (id: string) => `${id}.dkr.ecr.eu-west-1.amazonaws.com`;
const ROLE = `arn:aws:sts::${ACCOUNT}:assumed-role/deploy`;
const HOME = '/home/ci';
const HELPER_DIR = '/home/ci/.aws-oidc/bin';
const ctx = { endpoint: 'https://api.ecr.eu-west-1.amazonaws.com' };

/** The step's parameters as its parser gives them (every default included), then `over`. */
function params(over: Partial<EcrLoginParams> = {}): EcrLoginParams {
  return { ...parseParams(orbParams({ region: 'eu-west-1', 'retry-max-attempts': '1', 'retry-max-seconds': '1' }), { HOME }), ...over };
}

function login(id: string, over: Partial<RegistryLogin> = {}): RegistryLogin {
  return { registryId: id, host: host(id), proxyEndpoint: `https://${host(id)}`, username: 'AWS', password: `pw-${id}-secret`, expiresAt: new Date(NOW + 12 * 3600_000), ...over };
}

interface Recorded {
  calls: string[];
  exports: Record<string, string | null>[];
  results: { name: string; result: Record<string, unknown> }[];
  helperEntries: RegistryEntry[][];
  dockerLogins: RegistryLogin[][];
  savedRecords: Record<string, LoginRecord>[];
  output: () => string;
}

function fakeDeps(over: Partial<EcrLoginDeps> & { keys?: ResolvedKeys; env?: Record<string, string>; records?: Record<string, LoginRecord>; plain?: string[] } = {}) {
  let out = '';
  const rec: Recorded = { calls: [], exports: [], results: [], helperEntries: [], dockerLogins: [], savedRecords: [], output: () => out };
  const { keys, env, records, plain, ...ports } = over;
  const deps: EcrLoginDeps = {
    env: env ?? { HOME, PATH: '/usr/bin:/bin' },
    log: new Log((t) => { out += t; }),
    now: () => NOW,
    resolveKeys: async (profile) => { rec.calls.push(`resolveKeys(${profile})`); return keys ?? { accessKeyId: 'ASIAKEYID', secretAccessKey: 'secretkey', sessionToken: 'sessiontoken', source: 'the environment' }; },
    callerIdentity: async (_k, region) => { rec.calls.push(`callerIdentity(${region})`); return { arn: `${ROLE}/s1`, account: ACCOUNT }; },
    getTokens: async (_k, region, ids) => { rec.calls.push(`getTokens(${region},[${ids.join(',')}])`); return (ids.length ? ids : [ACCOUNT]).map((id) => login(id)); },
    getPublicToken: async () => { rec.calls.push('getPublicToken'); return login('public', { host: 'public.ecr.aws', proxyEndpoint: 'https://public.ecr.aws' }); },
    useHelper: (entries) => { rec.helperEntries.push([...entries]); return { changed: [], helperDir: HELPER_DIR }; },
    dockerLogin: async (logins) => { rec.dockerLogins.push([...logins]); },
    plainLoginHosts: () => new Set(plain ?? []),
    loginRecords: () => records ?? {},
    saveLoginRecords: (r) => { rec.savedRecords.push(r); },
    writeExports: (e) => { rec.exports.push(e); },
    writeResult: (name, result) => { rec.results.push({ name, result: result as Record<string, unknown> }); },
    ...ports,
  };
  return { deps, rec };
}

/** The OrbError `p` rejects with. */
const orbRejection = (p: Promise<unknown>) => rejection(p, OrbError);

describe('ecr-login run with the credential helper', () => {
  it('registers the helper for the identity\'s own registry and exports its host, PATH and no DOCKER_CONFIG', async () => {
    const f = fakeDeps();
    await run(params(), f.deps, ctx);
    expect(f.rec.calls).toEqual(['resolveKeys()', 'callerIdentity(eu-west-1)', 'getTokens(eu-west-1,[])']);
    expect(f.rec.helperEntries).toEqual([[{ host: host(ACCOUNT), registryId: ACCOUNT, region: 'eu-west-1', profile: '', identityArn: `${ROLE}/s1`, public: false }]]);
    expect(f.rec.exports).toEqual([{ PATH: `${HELPER_DIR}:/usr/bin:/bin`, AWS_ECR_REGISTRY: host(ACCOUNT), [`AWS_ECR_REGISTRY_${ACCOUNT}`]: host(ACCOUNT) }]);
    expect(f.rec.dockerLogins).toEqual([]);
    expect(f.rec.results).toEqual([{ name: 'ecr-login', result: {
      identity: `${ROLE}/s1`, region: 'eu-west-1', profile: null, mode: 'credential-helper',
      registries: [{ registryId: ACCOUNT, host: host(ACCOUNT), how: 'credential-helper', expiresAt: null }],
    } }]);
  });

  it('fills in the registry id of the own registry when ECR leaves it empty', async () => {
    const f = fakeDeps({ getTokens: async () => [login('', { host: host(ACCOUNT) })] });
    await run(params(), f.deps, ctx);
    expect(f.rec.helperEntries[0]?.[0]?.registryId).toBe(ACCOUNT);
    expect(f.rec.exports[0]?.[`AWS_ECR_REGISTRY_${ACCOUNT}`]).toBe(host(ACCOUNT));
  });

  it('exports AWS_ECR_REGISTRY as the first host and one AWS_ECR_REGISTRY_<id> per account', async () => {
    const f = fakeDeps();
    await run(params({ accountIds: [OTHER_ACCOUNT, ACCOUNT] }), f.deps, ctx);
    expect(f.rec.calls).toContain(`getTokens(eu-west-1,[${OTHER_ACCOUNT},${ACCOUNT}])`);
    const e = f.rec.exports[0] ?? {};
    expect(e.AWS_ECR_REGISTRY).toBe(host(OTHER_ACCOUNT));
    expect(e[`AWS_ECR_REGISTRY_${OTHER_ACCOUNT}`]).toBe(host(OTHER_ACCOUNT));
    expect(e[`AWS_ECR_REGISTRY_${ACCOUNT}`]).toBe(host(ACCOUNT));
  });

  it('does not add PATH when the helper directory is already on it', async () => {
    const f = fakeDeps({ env: { HOME, PATH: `/usr/bin:${HELPER_DIR}:/bin` } });
    await run(params(), f.deps, ctx);
    expect(f.rec.exports[0]).not.toHaveProperty('PATH');
  });

  it('adds PATH when only a longer directory starting with the helper directory is on it', async () => {
    const f = fakeDeps({ env: { HOME, PATH: `${HELPER_DIR}2:/bin` } });
    await run(params(), f.deps, ctx);
    expect(f.rec.exports[0]?.PATH).toBe(`${HELPER_DIR}:${HELPER_DIR}2:/bin`);
  });

  it('exports DOCKER_CONFIG only when it differs from what docker would use anyway', async () => {
    const a = fakeDeps({ env: { HOME, PATH: HELPER_DIR, DOCKER_CONFIG: '/cfg' } });
    await run(params({ dockerConfig: '/cfg' }), a.deps, ctx);
    expect(a.rec.exports[0]).not.toHaveProperty('DOCKER_CONFIG');

    const b = fakeDeps({ env: { HOME, PATH: HELPER_DIR } });
    await run(params({ dockerConfig: '/work/.docker' }), b.deps, ctx);
    expect(b.rec.exports[0]?.DOCKER_CONFIG).toBe('/work/.docker');

    const c = fakeDeps({ env: { HOME, PATH: HELPER_DIR, DOCKER_CONFIG: '/cfg' } });
    await run(params({ dockerConfig: `${HOME}/.docker` }), c.deps, ctx);
    expect(c.rec.exports[0]?.DOCKER_CONFIG).toBe(`${HOME}/.docker`);
  });

  it('uses the public token for ECR Public, exports AWS_ECR_PUBLIC_REGISTRY and writes ecr-login-public', async () => {
    const f = fakeDeps({ env: { HOME, PATH: HELPER_DIR } });
    await run(params({ publicRegistry: true, region: 'eu-west-1', profileName: 'dev' }), f.deps, ctx);
    expect(f.rec.calls).toEqual(['resolveKeys(dev)', 'callerIdentity(eu-west-1)', 'getPublicToken']);
    expect(f.rec.helperEntries[0]).toEqual([{ host: 'public.ecr.aws', registryId: 'public', region: 'us-east-1', profile: 'dev', identityArn: `${ROLE}/s1`, public: true }]);
    expect(f.rec.exports[0]).toEqual({ AWS_ECR_PUBLIC_REGISTRY: 'public.ecr.aws' });
    expect(f.rec.results[0]?.name).toBe('ecr-login-public');
  });

  it('names the result file after the profile', async () => {
    const f = fakeDeps();
    await run(params({ profileName: 'prod' }), f.deps, ctx);
    expect(f.rec.results[0]?.name).toBe('ecr-login-prod');
    expect(f.rec.results[0]?.result.profile).toBe('prod');
    expect(f.rec.calls[0]).toBe('resolveKeys(prod)');
  });

  it('notes the hosts whose identity changed', async () => {
    const f = fakeDeps({ useHelper: () => ({ changed: [host(ACCOUNT)], helperDir: HELPER_DIR }) });
    await run(params({ profileName: 'prod' }), f.deps, ctx);
    expect(f.rec.output()).toContain(`note: ${host(ACCOUNT)} now uses profile prod (${ROLE}/s1)`);
  });

  it('never prints the keys or the ECR password', async () => {
    const f = fakeDeps({ getTokens: async () => [login(ACCOUNT)], callerIdentity: async () => ({ arn: 'arn:aws:sts::123456789012:assumed-role/deploy/secretkey', account: ACCOUNT }) });
    await run(params(), f.deps, ctx);
    expect(f.rec.output()).not.toContain('secretkey');
    expect(f.rec.output()).toContain('****');
  });
});

describe('ecr-login run with plain docker login', () => {
  const record = (msLeft: number, arn = `${ROLE}/old-session`, id = ACCOUNT): LoginRecord => ({ expiresAt: new Date(NOW + msLeft).toISOString(), identityArn: arn, registryId: id });

  it('logs in, saves the login records and writes the docker-login result', async () => {
    const f = fakeDeps();
    await run(params({ credentialHelper: false, accountIds: [ACCOUNT] }), f.deps, ctx);
    expect(f.rec.dockerLogins).toEqual([[login(ACCOUNT)]]);
    expect(f.rec.helperEntries).toEqual([]);
    expect(f.rec.savedRecords).toEqual([{ [host(ACCOUNT)]: { expiresAt: new Date(NOW + 12 * 3600_000).toISOString(), identityArn: `${ROLE}/s1`, registryId: ACCOUNT } }]);
    expect(f.rec.exports[0]).toEqual({ AWS_ECR_REGISTRY: host(ACCOUNT), [`AWS_ECR_REGISTRY_${ACCOUNT}`]: host(ACCOUNT) });
    expect(f.rec.results[0]?.result.mode).toBe('docker-login');
  });

  it('keeps a login with more than an hour left for the same role, with no getTokens call', async () => {
    const f = fakeDeps({ records: { [host(ACCOUNT)]: record(RELOGIN_MARGIN_MS + 60_000) }, plain: [host(ACCOUNT)] });
    await run(params({ credentialHelper: false, accountIds: [ACCOUNT] }), f.deps, ctx);
    expect(f.rec.calls).toEqual(['resolveKeys()', 'callerIdentity(eu-west-1)']);
    expect(f.rec.dockerLogins).toEqual([]);
    expect(f.rec.savedRecords).toEqual([]);
    expect(f.rec.exports[0]).toEqual({ AWS_ECR_REGISTRY: host(ACCOUNT), [`AWS_ECR_REGISTRY_${ACCOUNT}`]: host(ACCOUNT) });
    expect((f.rec.results[0]?.result.registries as { how: string }[])[0]?.how).toBe('kept');
    expect(f.rec.output()).toContain('kept');
  });

  it('keeps the own registry\'s login when no account ids are given', async () => {
    const f = fakeDeps({ records: { [host(ACCOUNT)]: record(2 * RELOGIN_MARGIN_MS) }, plain: [host(ACCOUNT)] });
    await run(params({ credentialHelper: false }), f.deps, ctx);
    expect(f.rec.calls.some((c) => c.startsWith('getTokens'))).toBe(false);
  });

  it('redoes a login with less than an hour left', async () => {
    const f = fakeDeps({ records: { [host(ACCOUNT)]: record(RELOGIN_MARGIN_MS - 60_000) }, plain: [host(ACCOUNT)] });
    await run(params({ credentialHelper: false, accountIds: [ACCOUNT] }), f.deps, ctx);
    expect(f.rec.calls).toContain(`getTokens(eu-west-1,[${ACCOUNT}])`);
    expect(f.rec.dockerLogins).toHaveLength(1);
  });

  it('redoes a login made for another role', async () => {
    const f = fakeDeps({ records: { [host(ACCOUNT)]: record(6 * RELOGIN_MARGIN_MS, `arn:aws:sts::${ACCOUNT}:assumed-role/other/s`) }, plain: [host(ACCOUNT)] });
    await run(params({ credentialHelper: false, accountIds: [ACCOUNT] }), f.deps, ctx);
    expect(f.rec.calls).toContain(`getTokens(eu-west-1,[${ACCOUNT}])`);
    expect(f.rec.dockerLogins).toHaveLength(1);
  });

  it('redoes a recorded login that config.json no longer holds', async () => {
    const f = fakeDeps({ records: { [host(ACCOUNT)]: record(6 * RELOGIN_MARGIN_MS) }, plain: [] });
    await run(params({ credentialHelper: false, accountIds: [ACCOUNT] }), f.deps, ctx);
    expect(f.rec.dockerLogins).toHaveLength(1);
  });

  it('asks ECR only for the registries whose login is not kept', async () => {
    const f = fakeDeps({ records: { [host(ACCOUNT)]: record(6 * RELOGIN_MARGIN_MS) }, plain: [host(ACCOUNT)] });
    await run(params({ credentialHelper: false, accountIds: [ACCOUNT, OTHER_ACCOUNT] }), f.deps, ctx);
    expect(f.rec.calls).toContain(`getTokens(eu-west-1,[${OTHER_ACCOUNT}])`);
    expect(f.rec.dockerLogins).toEqual([[login(OTHER_ACCOUNT)]]);
    const e = f.rec.exports[0] ?? {};
    expect(e[`AWS_ECR_REGISTRY_${ACCOUNT}`]).toBe(host(ACCOUNT));
    expect(e[`AWS_ECR_REGISTRY_${OTHER_ACCOUNT}`]).toBe(host(OTHER_ACCOUNT));
  });

  it('does not read login records in credential-helper mode', async () => {
    const f = fakeDeps({ loginRecords: () => { throw new Error('must not read records'); }, plainLoginHosts: () => { throw new Error('must not read config'); } });
    await run(params(), f.deps, ctx);
    expect(f.rec.helperEntries).toHaveLength(1);
  });
});

describe('ecr-login run refusals', () => {
  it('refuses keys whose expiration has passed before any AWS call', async () => {
    const f = fakeDeps({ keys: { accessKeyId: 'ASIA', secretAccessKey: 'secret', source: 'profile dev (credential_process)', expiration: new Date(NOW - 1000) } });
    const err = await orbRejection(run(params({ profileName: 'dev' }), f.deps, ctx));
    expect(err.message).toBe(`the AWS credentials from profile dev (credential_process) expired at ${new Date(NOW - 1000).toISOString()}`);
    expect(err.hint).toContain('self-refresh');
    expect(f.rec.calls).toEqual(['resolveKeys(dev)']);
    expect(f.rec.exports).toEqual([]);
    expect(f.rec.results).toEqual([]);
  });

  it('accepts keys that expire in the future', async () => {
    const f = fakeDeps({ keys: { accessKeyId: 'ASIA', secretAccessKey: 'secret', source: 'the environment', expiration: new Date(NOW + 1000) } });
    await run(params(), f.deps, ctx);
    expect(f.rec.results).toHaveLength(1);
  });

  it('explains an AccessDenied from GetAuthorizationToken with the identity, registries and region', async () => {
    const f = fakeDeps({ getTokens: async () => { throw Object.assign(new Error('not authorized to perform ecr:GetAuthorizationToken'), { name: 'AccessDeniedException' }); } });
    const err = await orbRejection(run(params({ accountIds: [OTHER_ACCOUNT] }), f.deps, ctx));
    expect(err.message).toBe(`${ROLE}/s1 may not get a login for ECR registry ${OTHER_ACCOUNT} in eu-west-1: not authorized to perform ecr:GetAuthorizationToken`);
    expect(err.hint).toContain('ecr:GetAuthorizationToken');
    expect(f.rec.exports).toEqual([]);
  });

  it('explains an ExpiredToken from the identity check with the source and the expiry', async () => {
    const expiration = new Date(NOW + 60_000);
    const f = fakeDeps({
      keys: { accessKeyId: 'ASIA', secretAccessKey: 'secret', source: 'the environment', expiration },
      callerIdentity: async () => { throw Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' }); },
    });
    const err = await orbRejection(run(params(), f.deps, ctx));
    expect(err.message).toBe(`the AWS credentials from the environment expired at ${expiration.toISOString()} (AWS said ExpiredTokenException)`);
    expect(f.rec.calls).not.toContain('getTokens(eu-west-1,[])');
  });

  it('explains UnrecognizedClient as keys ECR does not accept', async () => {
    const f = fakeDeps({ getTokens: async () => { throw Object.assign(new Error('The security token included in the request is invalid'), { name: 'UnrecognizedClientException' }); } });
    const err = await orbRejection(run(params(), f.deps, ctx));
    expect(err.message).toBe('ECR does not accept the keys from the environment (UnrecognizedClient: The security token included in the request is invalid)');
    expect(err.hint).toContain('AWS_SESSION_TOKEN');
  });

  it('explains a network error with the endpoint and the retries', async () => {
    const f = fakeDeps({ getPublicToken: async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', retrySummary: 'GetAuthorizationToken failed 3 time(s) over 2.0s; last: ECONNREFUSED' }); } });
    const err = await orbRejection(run(params({ publicRegistry: true }), f.deps, { endpoint: 'https://api.ecr-public.us-east-1.amazonaws.com' }));
    expect(err.message).toBe('could not reach ECR at https://api.ecr-public.us-east-1.amazonaws.com (ECONNREFUSED); GetAuthorizationToken failed 3 time(s) over 2.0s; last: ECONNREFUSED');
    expect(err.hint).toContain('HTTPS_PROXY');
  });

  it('passes an OrbError from a port on unchanged', async () => {
    const own = new OrbError('docker is not installed', 'install docker');
    const f = fakeDeps({ dockerLogin: async () => { throw own; } });
    expect(await orbRejection(run(params({ credentialHelper: false }), f.deps, ctx))).toBe(own);
  });
});

describe('explainEcrError', () => {
  const c = { source: 'profile dev', who: 'arn:aws:sts::1:assumed-role/r/s', registries: ACCOUNT, region: 'eu-west-1', endpoint: 'https://ecr.example' };
  const err = (name: string, message: string) => Object.assign(new Error(message), { name });

  it.each([
    ['AccessDeniedException', 'no', /may not get a login for ECR registry 123456789012 in eu-west-1: no/],
    ['AccessDenied', 'token expired? no, denied', /may not get a login/],
    ['ExpiredTokenException', 'x', /the AWS credentials from profile dev expired \(AWS said ExpiredTokenException\)/],
    ['ExpiredToken', 'x', /expired \(AWS said ExpiredToken\)/],
    ['RequestExpired', 'Request has expired', /expired \(AWS said RequestExpired\)/],
    // Only AWS's code decides, never the message's words.
    ['SomethingElse', 'Signature expired: 20300101T000000Z is now earlier than', /^ECR GetAuthorizationToken failed: SomethingElse: Signature expired/],
    ['UnrecognizedClientException', 'bad', /^ECR does not accept the keys from profile dev \(UnrecognizedClient: bad\)$/],
    ['InvalidSignatureException', 'sig', /does not accept the keys .*InvalidSignature/],
    ['InvalidParameterException', 'bad id', /^ECR refused registry 123456789012 in eu-west-1: bad id$/],
    ['ThrottlingException', 'slow down', /^ECR GetAuthorizationToken failed: Throttling: slow down$/],
  ])('%s -> %s', (name, message, expected) => {
    const e = explainEcrError(err(name, message), c);
    expect(e).toBeInstanceOf(OrbError);
    expect(e.message).toMatch(expected);
    expect(e.hint).toBeTruthy();
  });

  it('maps the error types ECR\'s JSON replies carry (the SDK\'s errors keep the Exception suffix)', () => {
    expect(explainEcrError(new ECRServiceException({ name: 'InvalidParameterException', message: 'Invalid parameter at registryIds', $fault: 'client', $metadata: { httpStatusCode: 400 } }), c).message).toBe('ECR refused registry 123456789012 in eu-west-1: Invalid parameter at registryIds');
    expect(explainEcrError(new ECRServiceException({ name: 'AccessDeniedException', message: 'denied', $fault: 'client', $metadata: { httpStatusCode: 400 } }), c).message).toMatch(/may not get a login/);
    expect(explainEcrError(new ECRServiceException({ name: 'UnrecognizedClientException', message: 'bad', $fault: 'client', $metadata: { httpStatusCode: 400 } }), c).message).toMatch(/does not accept the keys/);
  });

  it('maps a Node network code, and not a code that is no errno name', () => {
    expect(explainEcrError(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), c).message).toBe('could not reach ECR at https://ecr.example (ENOTFOUND)');
    expect(explainEcrError(Object.assign(new Error('odd'), { code: 'Weird' }), c).message).toBe('ECR GetAuthorizationToken failed: Error: odd');
  });
});

describe('registryVar', () => {
  it('names private and public registries', () => {
    expect(registryVar(login(ACCOUNT))).toBe(`AWS_ECR_REGISTRY_${ACCOUNT}`);
    expect(registryVar(login('public'))).toBe('AWS_ECR_PUBLIC_REGISTRY');
  });
});
