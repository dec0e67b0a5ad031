// Scenario S4: the OIDC hop, then sts:AssumeRole into another account with an ExternalId, in one step.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, EXTERNAL_ID, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';

const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const CFN = `arn:aws:iam::${PROD_ACCOUNT}:role/cfn-deploy`;
const STEP = 'Assume AWS role with CircleCI OIDC';

const rig = useRig();

function job(chain: string, extra: Record<string, string | number | boolean> = {}) {
  return consumerConfig(rig.orbText, [
    { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, 'role-chain': chain, ...extra } },
    { name: 'Who am I', run: 'aws sts get-caller-identity --query Arn --output text' },
  ]);
}

describe('role chaining (S4)', () => {
  it('exports only the final role, capping the chained session at one hour with a note', async () => {
    const r = await rig.run(job(`${CFN} external-id=\${XID}`, { 'session-duration': 7200 }), 'deploy', { env: { XID: EXTERNAL_ID } });
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    const step = r.steps.find((s) => s.name === STEP)?.output ?? '';
    expect(step).toContain('note: AWS caps role-chained sessions at one hour, so the chained sessions last 3600s, not 7200s');
    expect(step).toContain(`Chained from ${DEPLOY} to ${CFN}`);
    expect(r.steps.find((s) => s.name === 'Who am I')?.output.trim()).toMatch(new RegExp(`^arn:aws:sts::${PROD_ACCOUNT}:assumed-role/cfn-deploy/`));
    const exp = /AWS_CREDENTIAL_EXPIRATION='([^']+)'/.exec(readFileSync(r.bashEnvPath, 'utf8'))?.[1] ?? '';
    expect(Date.parse(exp) - Date.now()).toBeLessThanOrEqual(3600_000 + 5_000);
  });

  it('a wrong ExternalId is refused with the principal and condition to check, and nothing is exported', async () => {
    const r = await rig.run(job(`${CFN} external-id=not-the-right-one`));
    expect(r.success).toBe(false);
    const step = r.steps.find((s) => s.name === STEP)?.output ?? '';
    expect(step).toMatch(/AssumeRole from .*role\/deploy to .*role\/cfn-deploy \(role-chain\) failed: AccessDenied/);
    expect(step).toMatch(/fix: the trust policy of .*cfn-deploy must allow Principal \{"AWS": "arn:aws:iam::111111111111:role\/deploy"\}.*sts:ExternalId/);
    expect(readFileSync(r.bashEnvPath, 'utf8')).toBe('');
  });

  it('a chain line with a typo fails before any AWS call, naming the line', async () => {
    const before = rig.aws.requests.length;
    const r = await rig.run(job(`\n${CFN} externalid=x`));
    expect(r.steps.find((s) => s.name === STEP)?.output).toMatch(/parameter role-chain \(line 2\): has an unknown option externalid/);
    expect(rig.aws.requests.length).toBe(before);
  });
});

describe('allowed-account-ids', () => {
  it('refuses final credentials from another account before exporting anything', async () => {
    const r = await rig.run(job(`${CFN} external-id=${EXTERNAL_ID}`, { 'allowed-account-ids': ACCOUNT }));
    expect(r.success).toBe(false);
    expect(r.steps.find((s) => s.name === STEP)?.output).toMatch(/the credentials are for account 222222222222 .* not in allowed-account-ids \(111111111111\); nothing was exported/);
    expect(readFileSync(r.bashEnvPath, 'utf8')).toBe('');
  });

  it('passes when the final account is listed, with a session policy on the last hop', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'cloudformation:*', Resource: '*' }] });
    const r = await rig.run(job(`${CFN} external-id=${EXTERNAL_ID}`, { 'allowed-account-ids': `${ACCOUNT},${PROD_ACCOUNT}`, 'session-policy': policy }));
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
  });
});

describe('session tags on chained hops', () => {
  const UNTAGGED = `arn:aws:iam::${PROD_ACCOUNT}:role/untagged-deploy`;
  it('sends the CircleCI tags by default; a trust policy without sts:TagSession refuses them, with a hint', async () => {
    const r = await rig.run(job(UNTAGGED));
    expect(r.success).toBe(false);
    expect(r.steps.find((s) => s.name === STEP)?.output).toMatch(/AccessDenied[\s\S]*fix: .*sts:AssumeRole, sts:TagSession.*circleci-session-tags: false/);
  });
  it('circleci-session-tags: false assumes such a role', async () => {
    const r = await rig.run(job(UNTAGGED, { 'circleci-session-tags': false }));
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
  });
});
