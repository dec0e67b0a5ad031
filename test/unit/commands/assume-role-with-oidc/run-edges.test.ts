import { describe, expect, it } from 'vitest';
import { run, type Deps } from '../../../../src/commands/assume-role-with-oidc/run.ts';
import { parseParams } from '../../../../src/commands/assume-role-with-oidc/params.ts';
import type { StsPort, SessionCredentials } from '../../../../src/lib/aws/sts.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { Log } from '../../../../src/lib/log.ts';
import { orbParams } from '../../../support/params.ts';
import { rejection } from '../../../support/rejection.ts';

// What run() sends to STS, exports, writes and says at its edges, with an STS stand-in that records every call.
const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const HOP1 = `arn:aws:iam::${ACCOUNT}:role/hop-one`;
const HOP2 = `arn:aws:iam::${ACCOUNT}:role/hop-two`;
const NOW = Date.UTC(2026, 0, 1);
const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
const MANAGED = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

/** An unsigned JWT whose only claim that matters here is exp (epoch seconds). */
const jwt = (exp: number) => ['{"alg":"RS256"}', JSON.stringify({ exp, sub: 'org/o/project/p/user/u' }), 'sig'].map((p, i) => i < 2 ? Buffer.from(p).toString('base64url') : p).join('.');

const params = (more: Record<string, string> = {}) => parseParams(orbParams({ 'role-arn': ROLE, 'role-session-name': 'circleci-x-1', 'session-duration': '900', region: 'eu-west-1', 'circleci-session-tags': 'false', ...more }), {});

/** An AWS error as the SDK raises it (name = AWS's code). */
const awsError = (name: string, message: string, more: object = {}) => Object.assign(new Error(message), { name, ...more });

function setup(opts: { env?: Record<string, string>; assumeRole?: StsPort['assumeRole']; getCallerIdentity?: StsPort['getCallerIdentity']; token?: string } = {}) {
  const calls: { op: string; input: Record<string, unknown> }[] = [];
  const exports: Record<string, string | null>[] = [];
  const profiles: string[] = [];
  let out = '';
  let n = 0;
  const creds = (): SessionCredentials => ({ accessKeyId: `ASIAFAKEKEY0000000${++n}`, secretAccessKey: `secret-${n}`, sessionToken: `token-${n}`, expiration: new Date(NOW + 900_000) });
  const sts: StsPort = {
    assumeRoleWithWebIdentity: async (input) => { calls.push({ op: 'AssumeRoleWithWebIdentity', input: { ...input } }); return creds(); },
    assumeRole: async (c, input) => { calls.push({ op: 'AssumeRole', input: { ...input } }); return opts.assumeRole ? opts.assumeRole(c, input) : creds(); },
    getCallerIdentity: async (c) => opts.getCallerIdentity ? opts.getCallerIdentity(c) : { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/x/circleci-x-1`, account: ACCOUNT, userId: 'AROA:x' },
  };
  const deps: Deps = {
    env: { CIRCLE_OIDC_TOKEN_V2: opts.token ?? jwt(NOW / 1000 + 3600), ...opts.env }, sts, log: new Log((t) => { out += t; }), now: () => NOW,
    runProgram: async () => { throw new Error('circleci: command not found'); },
    writeExports: (e) => { exports.push(e); },
    writeProfile: (p) => { profiles.push(p.profileName); return { credentials: '/home/ci/.aws/credentials', config: '/home/ci/.aws/config' }; },
    writeResult: () => undefined,
  };
  return { deps, calls, exports, profiles, output: () => out };
}

describe('assume-role-with-oidc run at its edges', () => {
  it('sends the session policies with the web-identity call when there is no role chain, and notes no one-hour cap', async () => {
    const t = setup();
    await run(params({ 'session-policy': POLICY, 'managed-session-policies': MANAGED, 'session-duration': '7200' }), t.deps);
    expect(t.calls).toEqual([{ op: 'AssumeRoleWithWebIdentity', input: expect.objectContaining({ roleArn: ROLE, durationSeconds: 7200, policy: POLICY, policyArns: [MANAGED] }) }]);
    expect(t.output()).not.toContain('note: AWS caps');
  });

  it('sends the session policies only with the last hop of a chain, and the source identity with every hop', async () => {
    const t = setup();
    const result = await run(params({ 'session-policy': POLICY, 'managed-session-policies': MANAGED, 'source-identity': 'alice', 'role-chain': `${HOP1}\n${HOP2}` }), t.deps);
    expect(t.calls.map((c) => [c.op, c.input.roleArn, c.input.policy, c.input.policyArns, c.input.sourceIdentity])).toEqual([
      ['AssumeRoleWithWebIdentity', ROLE, undefined, undefined, undefined],
      ['AssumeRole', HOP1, undefined, undefined, 'alice'],
      ['AssumeRole', HOP2, POLICY, [MANAGED], 'alice'],
    ]);
    expect(result.roleArn).toBe(HOP2);
  });

  it('reports the role of a one-hop chain as the role whose credentials it exported', async () => {
    const t = setup();
    expect((await run(params({ 'role-chain': HOP1 }), t.deps)).roleArn).toBe(HOP1);
  });

  it('passes an error of its own from a chained hop through unchanged', async () => {
    const own = new OrbError('HTTPS_PROXY is "x": not a URL', 'set HTTPS_PROXY to http://host:port');
    const t = setup({ assumeRole: async () => { throw own; } });
    expect(await rejection(run(params({ 'role-chain': HOP1 }), t.deps))).toBe(own);
  });

  it('a refused hop asks for exactly the actions and conditions that were sent, with what the retries tried', async () => {
    const denied = awsError('AccessDenied', 'not authorized', { retrySummary: 'tried 3 times over 2s' });
    const tagged = setup({ assumeRole: async () => { throw denied; } });
    const err = await rejection(run(params({ 'session-tags': 'team=web', 'source-identity': 'alice', 'role-chain': HOP1 }), tagged.deps), OrbError);
    expect(err.message).toBe(`AssumeRole from ${ROLE} to ${HOP1} (role-chain) failed: AccessDenied: not authorized\n  tried 3 times over 2s`);
    expect(err.hint).toBe(`the trust policy of ${HOP1} must allow Principal {"AWS": "${ROLE}"} the actions sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity (or set circleci-session-tags: false and no session-tags), and ${ROLE} needs permission for sts:AssumeRole on ${HOP1}`);
    const plain = setup({ assumeRole: async () => { throw awsError('AccessDenied', 'not authorized'); } });
    const bare = await rejection(run(params({ 'role-chain': `${HOP1} external-id=ext-1` }), plain.deps), OrbError);
    expect(bare.message).toBe(`AssumeRole from ${ROLE} to ${HOP1} (role-chain) failed: AccessDenied: not authorized`);
    expect(bare.hint).toBe(`the trust policy of ${HOP1} must allow Principal {"AWS": "${ROLE}"} the actions sts:AssumeRole with a Condition {"StringEquals": {"sts:ExternalId": ...}} equal to the external-id given, and ${ROLE} needs permission for sts:AssumeRole on ${HOP1}`);
    expect(plain.exports).toEqual([]);
  });

  it('says GetCallerIdentity failed and where to look, passes its own errors through, and exports nothing', async () => {
    const expired = awsError('ExpiredTokenException', 'The security token included in the request is expired');
    const t = setup({ getCallerIdentity: async () => { throw expired; } });
    const err = await rejection(run(params(), t.deps), OrbError);
    // The AWS error stays attached as the cause, for callers that pass it on (assume-from-file does).
    expect(err.cause).toBe(expired);
    expect(err.message).toBe('the new credentials failed GetCallerIdentity: ExpiredTokenException: The security token included in the request is expired');
    expect(err.hint).toBe('check that the STS endpoint and region are reachable from this job');
    expect(t.exports).toEqual([]);
    const own = new OrbError('HTTPS_PROXY is "x": not a URL', 'set HTTPS_PROXY to http://host:port');
    expect(await rejection(run(params(), setup({ getCallerIdentity: async () => { throw own; } }).deps))).toBe(own);
  });

  it('refuses an account outside allowed-account-ids, naming the account, the list and the fix', async () => {
    const t = setup();
    const err = await rejection(run(params({ 'allowed-account-ids': '999999999999,111111111111' }), t.deps), OrbError);
    expect(err.message).toBe(`the credentials are for account ${ACCOUNT} (arn:aws:sts::${ACCOUNT}:assumed-role/x/circleci-x-1), which is not in allowed-account-ids (999999999999, 111111111111); nothing was exported`);
    expect(err.hint).toBe('check role-arn and role-chain, or add the account to allowed-account-ids');
  });

  it('unsets only the profile variables the job has, and says so', async () => {
    const t = setup({ env: { AWS_DEFAULT_PROFILE: 'static' } });
    await run(params(), t.deps);
    expect(t.exports).toHaveLength(1);
    expect(t.exports[0]).toMatchObject({ AWS_DEFAULT_PROFILE: null, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'ASIAFAKEKEY00000001' });
    expect(t.exports[0]).not.toHaveProperty('AWS_PROFILE');
    expect(t.output()).toContain('note: unsetting AWS_DEFAULT_PROFILE for later steps so that they act as the assumed role\n');
    expect(t.output()).not.toContain('unsetting AWS_PROFILE');
    expect(t.output()).toContain('Exported AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION, AWS_CREDENTIAL_EXPIRATION to $BASH_ENV\n');
    expect(t.profiles).toEqual([]);
  });

  it('writes only the profile for export-to: profile, and says whether it refreshes itself', async () => {
    const keys = setup();
    await run(params({ 'profile-name': 'deploy' }), keys.deps);
    expect(keys.profiles).toEqual(['deploy']);
    expect(keys.exports).toEqual([]);
    expect(keys.output()).toContain('Wrote profile deploy with the session credentials to /home/ci/.aws/credentials and /home/ci/.aws/config (0600)');
    const refreshing = setup();
    await run(params({ 'profile-name': 'deploy', 'self-refresh': 'true' }), refreshing.deps);
    expect(refreshing.output()).toContain('Wrote profile deploy with a credential_process that refreshes it before it expires to /home/ci/.aws/credentials');
    const both = setup();
    await run(params({ 'profile-name': 'deploy', 'export-to': 'both' }), both.deps);
    expect([both.profiles, both.exports.length]).toEqual([['deploy'], 1]);
  });

  it('says when the job token is about to expire and no fresh one could be minted', async () => {
    const t = setup({ token: jwt(NOW / 1000 + 60) });
    await run(params(), t.deps);
    expect(t.output()).toContain('note: the job\'s OIDC token expires within 1 minute and minting a fresh one failed');
  });
});
