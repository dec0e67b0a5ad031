// Scenario S1: staging and production in different accounts, chosen by branch, from the orb's own example.
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PROD_ACCOUNT, ACCOUNT } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();
let config: string;
beforeAll(() => {
  const orb = parse(rig.orbText) as { examples: Record<string, { usage: object }> };
  config = stringify(orb.examples['staging-and-production-by-branch']?.usage);
});

const deployed = (r: { steps: { name: string; output: string }[] }) => r.steps.find((s) => s.name === 'Deploy')?.output ?? '';

describe('S1: accounts by branch, no long-lived key', () => {
  it('main deploys to production as the production role', async () => {
    const r = await rig.runWorkflowJob(config, 'deploy', 'deploy-production', { branch: 'main' });
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    expect(deployed(r)).toContain(`"Arn": "arn:aws:sts::${PROD_ACCOUNT}:assumed-role/production-deploy/`);
  });

  it('a feature branch deploys to staging', async () => {
    const r = await rig.runWorkflowJob(config, 'deploy', 'deploy-staging', { branch: 'feature/login' });
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);
    expect(deployed(r)).toContain(`"Arn": "arn:aws:sts::${ACCOUNT}:assumed-role/staging-deploy/`);
  });

  it('a feature branch whose config was edited to run the production job is refused by the trust policy', async () => {
    const r = await rig.runWorkflowJob(config, 'deploy', 'deploy-production', { branch: 'feature/login' });
    expect(r.success).toBe(false);
    expect(r.steps.find((s) => s.name === 'Assume AWS role with CircleCI OIDC')?.output).toMatch(/AccessDenied[\s\S]*vcs-ref\/refs\/heads\/feature\/login/);
    expect(r.steps.find((s) => s.name === 'Deploy')?.skipped).toBe(true);
  });
});
