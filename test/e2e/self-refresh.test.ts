// A self-refreshing profile: cached credentials are reused; near expiry a fresh token is minted and the role assumed again.
// The fake-clock tests let real time pass in one long step: the session and the job's token truly expire.
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, EXTERNAL_ID, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();

const WHO = 'aws sts get-caller-identity --profile long-job --query Arn --output text';
const ARWWI = () => rig.aws.requests.filter((r) => r.action === 'AssumeRoleWithWebIdentity' && r.status === 200).length;

describe('self-refresh profiles', () => {
  it('reuses the cache, then refreshes near expiry with a freshly minted token, chain and all', async () => {
    const cache = '$HOME/.aws-oidc/profiles/long-job.cache.json';
    const before = ARWWI();
    const mintsBefore = rig.issuer.issuedTokens.length;
    const r = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION, 'profile-name': 'long-job', 'self-refresh': true,
        'role-chain': `arn:aws:iam::${PROD_ACCOUNT}:role/cfn-deploy external-id=${EXTERNAL_ID}` } },
      { name: 'From the cache', run: WHO },
      // As if the session were about to expire, in a later step whose job token is gone too.
      { name: 'Age the cache', run: `node -e 'const f=process.argv[1];const c=JSON.parse(require("fs").readFileSync(f));c.expiration=new Date(Date.now()+60000).toISOString();require("fs").writeFileSync(f,JSON.stringify(c))' "${cache}"` },
      { name: 'Refreshed', run: `unset CIRCLE_OIDC_TOKEN_V2 CIRCLE_OIDC_TOKEN; ${WHO}` },
      { name: 'Config', run: 'aws configure get credential_process --profile long-job' },
    ]));
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    const out = (name: string) => r.steps.find((s) => s.name === name)?.output.trim() ?? '';
    expect(out('From the cache')).toMatch(new RegExp(`^arn:aws:sts::${PROD_ACCOUNT}:assumed-role/cfn-deploy/`));
    expect(out('Refreshed')).toMatch(new RegExp(`^arn:aws:sts::${PROD_ACCOUNT}:assumed-role/cfn-deploy/`));
    // The runtime through the step's loader, which checks its SHA-256 first (src/lib/launch.ts).
    expect(out('Config')).toMatch(/^env NODE_DEBUG= NODE_DEBUG_NATIVE= AWS_OIDC_RUNTIME=\S+\/\.aws-oidc\/runtime\/assume-role-with-oidc\.cjs \/\S*\/node -e '[^']+' -- --credential-process \S+\/long-job\.json$/);
    // One exchange by the step, none for the cached call, one for the refresh, with a token minted by `circleci run oidc get`.
    expect(ARWWI() - before).toBe(2);
    expect(rig.issuer.issuedTokens.length - mintsBefore).toBe(3); // v1 + v2 at job start, one minted for the refresh
    const cached = JSON.parse(readFileSync(`${r.home}/.aws-oidc/profiles/long-job.cache.json`, 'utf8')) as { expiration: string };
    expect(Date.parse(cached.expiration) - Date.now()).toBeGreaterThan(30 * 60_000);
    expect(statSync(`${r.home}/.aws-oidc/profiles/long-job.cache.json`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${r.home}/.aws/credentials`, 'utf8')).not.toMatch(/aws_secret_access_key/);
  });

  // Beyond the 900 s session and the job token's hour: both are expired for the second call.
  const ADVANCE = 3700;
  const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
  const ASSUMED = new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`, 'm');
  const all = (r: JobResult) => r.steps.map((s) => `[${s.name}]\n${s.output}`).join('\n');
  const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { iat: number; exp: number };

  it('keeps working in one long step past the real expiry of the session and the job token (fake clock)', async () => {
    const before = rig.aws.requests.length;
    const mintsBefore = rig.issuer.issuedTokens.length;
    const WHO900 = 'aws sts get-caller-identity --profile long-step --query Arn --output text';
    const r = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': ROLE, region: REGION, 'profile-name': 'long-step', 'self-refresh': true, 'session-duration': 900 } },
      { name: 'Long step', run: [
        WHO900,
        't0=$(date +%s)',
        `rig-advance-clock ${ADVANCE}`,
        `node -e 'console.log(Date.now() / 1000 - Number(process.argv[1]) >= ${ADVANCE} ? "node sees the moved clock" : "node sees the old clock")' "$t0"`,
        WHO900,
      ].join('\n') },
    ]), 'deploy', { fakeClock: true });
    const log = all(r);
    expect(r.success, log).toBe(true);
    const lines = r.steps.find((s) => s.name === 'Long step')!.output.trim().split('\n');
    expect(lines[0], log).toMatch(ASSUMED);
    expect(lines.at(-1), log).toMatch(ASSUMED);
    expect(lines, log).toContain('node sees the moved clock');
    const seen = rig.aws.requests.slice(before);
    const exchanges = seen.filter((q) => q.action === 'AssumeRoleWithWebIdentity');
    expect(exchanges.map((q) => q.status), log).toEqual([200, 200]);
    // The two calls were signed with different session keys: the second is the new session's.
    const calls = seen.filter((q) => q.action === 'GetCallerIdentity').slice(-2);
    expect(calls.map((q) => q.status), log).toEqual([200, 200]);
    expect(calls[0]!.accessKeyId).not.toBe(calls[1]!.accessKeyId);
    // v1 + v2 at job start, then one minted by `circleci run oidc get` on the moved clock, after the job's expired.
    const minted = rig.issuer.issuedTokens.slice(mintsBefore);
    expect(minted).toHaveLength(3);
    const jobToken = claims(minted[1]!);
    const fresh = claims(minted[2]!);
    expect(fresh.iat).toBeGreaterThanOrEqual(jobToken.exp);
    expect(fresh.iat - jobToken.iat).toBeGreaterThanOrEqual(ADVANCE);
    // The clock is the machine's again once the job is over.
    expect(rig.clock.offsetSeconds()).toBe(0);
  });

  it('control: static session keys (export-to env) fail after the same wait with ExpiredToken (fake clock)', async () => {
    const before = rig.aws.requests.length;
    const r = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': ROLE, region: REGION, 'export-to': 'env', 'session-duration': 900 } },
      { name: 'Long step', run: [
        'aws sts get-caller-identity --query Arn --output text',
        `rig-advance-clock ${ADVANCE}`,
        // The CLI itself refuses to sign with keys whose AWS_CREDENTIAL_EXPIRATION has passed ...
        'aws sts get-caller-identity --query Arn --output text || echo "the CLI refused: exit $?"',
        // ... and tools that ignore that variable reach STS, which refuses the expired session
        // (without BASH_ENV too, or the rig's bash `aws` wrapper would source the variable again).
        'env -u AWS_CREDENTIAL_EXPIRATION -u BASH_ENV aws sts get-caller-identity --query Arn --output text',
      ].join('\n') },
    ]), 'deploy', { fakeClock: true });
    const log = all(r);
    expect(r.success, log).toBe(false);
    const out = r.steps.find((s) => s.name === 'Long step')!.output;
    expect(out, log).toMatch(ASSUMED);
    expect(out, log).toMatch(/Credentials were refreshed, but the refreshed credentials are still expired\.\nthe CLI refused: exit 255/);
    expect(out, log).toMatch(/An error occurred \(ExpiredToken\) when calling the GetCallerIdentity operation/);
    const calls = rig.aws.requests.slice(before).filter((q) => q.action === 'GetCallerIdentity').slice(-2);
    expect(calls.map((q) => [q.status, q.errorCode]), log).toEqual([[200, undefined], [403, 'ExpiredToken']]);
    expect(rig.aws.requests.slice(before).filter((q) => q.action === 'AssumeRoleWithWebIdentity')).toHaveLength(1);
  });
});
