// Passing faults of the local STS are survived by the step's classified retries; refusals are not retried.
import { describe, expect, it } from 'vitest';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();

const STEP = 'Assume AWS role with CircleCI OIDC';
const job = (roleArn: string, extra: Record<string, number> = {}) =>
  consumerConfig(rig.orbText, [{ orb: 'assume-role-with-oidc', params: { 'role-arn': roleArn, region: REGION, ...extra } }]);
const calls = (action: string) => rig.aws.requests.filter((r) => r.action === action).length;

describe('retries in a job', () => {
  it('survives throttling and an IdP communication error, logging each retry', async () => {
    rig.aws.injectFault('AssumeRoleWithWebIdentity', { kind: 'throttle', times: 1 });
    rig.aws.injectFault('AssumeRoleWithWebIdentity', { kind: 'idp', times: 1 });
    const r = await rig.run(job(`arn:aws:iam::${ACCOUNT}:role/deploy`));
    const out = r.steps.find((s) => s.name === STEP)?.output ?? '';
    expect(r.success, out).toBe(true);
    expect(out).toMatch(/retrying AssumeRoleWithWebIdentity \(2\/5\) after (Throttling|IDPCommunicationError)/);
    expect(out).toMatch(/retrying AssumeRoleWithWebIdentity \(3\/5\) after (Throttling|IDPCommunicationError)/);
  });

  it('survives a 503 on GetCallerIdentity', async () => {
    rig.aws.injectFault('GetCallerIdentity', { kind: '503', times: 1 });
    const r = await rig.run(job(`arn:aws:iam::${ACCOUNT}:role/deploy`));
    expect(r.success).toBe(true);
    expect(r.steps.find((s) => s.name === STEP)?.output).toMatch(/retrying GetCallerIdentity \(2\/5\) after ServiceUnavailable \(HTTP 503\)/);
  });

  it('fails a persistent fault within the bounds, saying what was tried', async () => {
    // As many faults as the step has attempts: persistent as far as the step can tell, and none left over.
    rig.aws.injectFault('AssumeRoleWithWebIdentity', { kind: '500', times: 3 });
    const before = calls('AssumeRoleWithWebIdentity');
    const r = await rig.run(job(`arn:aws:iam::${ACCOUNT}:role/deploy`, { 'retry-max-attempts': 3 }));
    expect(r.success).toBe(false);
    expect(calls('AssumeRoleWithWebIdentity') - before).toBe(3);
    expect(r.steps.find((s) => s.name === STEP)?.output).toMatch(/AssumeRoleWithWebIdentity failed 3 time\(s\) over [\d.]+s; last: \w+ \(HTTP 500\)/);
  });

  it('never retries AccessDenied', async () => {
    const before = calls('AssumeRoleWithWebIdentity');
    const r = await rig.run(job(`arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy`), 'deploy', { branch: 'feature/y' });
    expect(r.success).toBe(false);
    expect(calls('AssumeRoleWithWebIdentity') - before).toBe(1);
    expect(r.steps.find((s) => s.name === STEP)?.output).not.toMatch(/retrying/);
  });
});
