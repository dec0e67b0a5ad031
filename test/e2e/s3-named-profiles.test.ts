// Scenario S3: several named profiles in one job, each from its own role, with no cross-talk.
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();

describe('named profiles (S3)', () => {
  it('two uses write two profiles; the last does not win; the environment is left alone', async () => {
    const config = consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION, 'profile-name': 'staging-deploy' } },
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy`, region: 'us-west-2', 'profile-name': 'prod-readonly' } },
      { name: 'Staging', run: 'aws sts get-caller-identity --profile staging-deploy --query Arn --output text' },
      { name: 'Production', run: 'aws sts get-caller-identity --profile prod-readonly --query Arn --output text' },
      { name: 'Env', run: 'echo "key:${AWS_ACCESS_KEY_ID:-none} region:$(aws configure get region --profile prod-readonly)"' },
    ]);
    const r = await rig.run(config);
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    expect(r.steps.find((s) => s.name === 'Staging')?.output.trim()).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`));
    expect(r.steps.find((s) => s.name === 'Production')?.output.trim()).toMatch(new RegExp(`^arn:aws:sts::${PROD_ACCOUNT}:assumed-role/production-deploy/`));
    expect(r.steps.find((s) => s.name === 'Env')?.output.trim()).toBe('key:none region:us-west-2');
    expect(readFileSync(r.bashEnvPath, 'utf8')).toBe('');
    for (const f of ['credentials', 'config']) expect(statSync(`${r.home}/.aws/${f}`).mode & 0o777).toBe(0o600);
  });
});
