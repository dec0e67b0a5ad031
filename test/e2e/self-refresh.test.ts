// A self-refreshing profile: cached credentials are reused; near expiry a fresh token is minted and the role assumed again.
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, EXTERNAL_ID, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
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
    expect(out('Config')).toMatch(/^node \S+\/\.aws-oidc\/runtime\/assume-role-with-oidc\.cjs --credential-process \S+\/long-job\.json$/);
    // One exchange by the step, none for the cached call, one for the refresh, with a token minted by `circleci run oidc get`.
    expect(ARWWI() - before).toBe(2);
    expect(rig.issuer.issuedTokens.length - mintsBefore).toBe(3); // v1 + v2 at job start, one minted for the refresh
    const cached = JSON.parse(readFileSync(`${r.home}/.aws-oidc/profiles/long-job.cache.json`, 'utf8')) as { expiration: string };
    expect(Date.parse(cached.expiration) - Date.now()).toBeGreaterThan(30 * 60_000);
    expect(statSync(`${r.home}/.aws-oidc/profiles/long-job.cache.json`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${r.home}/.aws/credentials`, 'utf8')).not.toMatch(/aws_secret_access_key/);
  });
});
