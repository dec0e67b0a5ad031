// The orb's ECR examples, run whole by the runner against the rig's STS, ECR, registries and docker engine.
// The examples build from the project's Dockerfile, which the rig's checkout does not have, so the test
// adds one step that writes a FROM scratch Dockerfile; nothing else of the examples is changed.
// The examples push to repositories that exist beforehand (as in a real account, ECR makes none on push):
// the test creates 'webapp' in both accounts' registries before running them.
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ACCOUNT, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT, PROD_ACCOUNT]);
beforeAll(() => {
  for (const account of [ACCOUNT, PROD_ACCOUNT]) rig.aws.ensureRepository({ account, region: REGION, name: 'webapp' });
});

type Usage = { jobs: Record<string, { steps: unknown[] }> };
const DOCKERFILE_STEP = { run: { name: 'Project Dockerfile', command: 'date +%s%N > stamp; printf "FROM scratch\\nCOPY stamp /stamp\\n" > Dockerfile' } };

/** The example's usage, with `extra` steps inserted into `job` before the step at `index`. */
function example(name: string, job: string, index: number, extra: unknown[]): string {
  const orb = parse(rig.orbText) as { examples: Record<string, { usage: Usage }> };
  const usage = orb.examples[name]?.usage;
  if (!usage) throw new Error(`the packed orb has no example ${name}`);
  usage.jobs[job]?.steps.splice(index, 0, ...extra);
  return stringify(usage);
}

const lastManifestPut = (account: string, repo: string) =>
  registries.get(account)!.requests.filter((q) => q.method === 'PUT' && q.path.startsWith(`/v2/${repo}/manifests/`)).at(-1);

describe('ECR examples', () => {
  it('push-to-ecr-with-session-keys pushes as the assumed role', async () => {
    const config = example('push-to-ecr-with-session-keys', 'push', 1, [DOCKERFILE_STEP]);
    const r = await rig.runWorkflowJob(config, 'push', 'push', { env: { ECR_PUSH_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/deploy` } });
    expect(r.success, r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n')).toBe(true);
    expect(lastManifestPut(ACCOUNT, 'webapp')).toMatchObject({ status: 201, identityArn: expect.stringMatching(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`)) });
  });

  it('push-to-two-accounts-with-two-identities pulls with staging\'s identity and pushes with production\'s', async () => {
    // The staging image the example promotes is pushed first, in the same job, once staging's login exists.
    const seed = { run: { name: 'Staging image', command: 'docker build -q -t "$AWS_ECR_REGISTRY_111111111111/webapp:$CIRCLE_SHA1" . && docker push -q "$AWS_ECR_REGISTRY_111111111111/webapp:$CIRCLE_SHA1"' } };
    const config = example('push-to-two-accounts-with-two-identities', 'promote', 4, [DOCKERFILE_STEP, seed]);
    const r = await rig.runWorkflowJob(config, 'promote', 'promote', { branch: 'main' });
    expect(r.success, r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n')).toBe(true);
    expect(lastManifestPut(ACCOUNT, 'webapp')?.identityArn).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/staging-deploy/`));
    expect(lastManifestPut(PROD_ACCOUNT, 'webapp')).toMatchObject({ status: 201, identityArn: expect.stringMatching(new RegExp(`^arn:aws:sts::${PROD_ACCOUNT}:assumed-role/production-deploy/`)) });
  });
});
