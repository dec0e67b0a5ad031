// Static keys in the job's environment beat AWS_PROFILE: with an IAM user's keys in the job and the role's
// credentials only in a profile, assume-role-with-oidc warns, naming the variables (never their values), and
// advises --profile or export-to: both; the AWS CLI then acts as the role with --profile and not with AWS_PROFILE.
// Without such keys there is no warning. The keys sit in the job's `environment:`, which CircleCI does not mask,
// so the output is checked for them as it stands.
import { describe, expect, it } from 'vitest';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();
const STATIC = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7USERKEY', AWS_SECRET_ACCESS_KEY: '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' };
const ASSUME = 'Assume AWS role with CircleCI OIDC';

/** A job that writes profile deploy, then calls STS as --profile deploy and as AWS_PROFILE=deploy. */
function config(environment: Record<string, string>): string {
  const env = Object.entries(environment).map(([k, v]) => `      ${k}: "${v}"\n`).join('');
  return `version: 2.1
orbs:
  aws-oidc: aws-oidc/aws-oidc@0.1.0
jobs:
  deploy:
    docker: [{ image: cimg/base:current }]
${env ? `    environment:\n${env}` : ''}    steps:
      - aws-oidc/assume-role-with-oidc:
          role-arn: arn:aws:iam::${ACCOUNT}:role/deploy
          region: ${REGION}
          profile-name: deploy
      - run:
          name: With --profile
          command: aws sts get-caller-identity --profile deploy --query Arn --output text
      - run:
          name: With AWS_PROFILE
          command: AWS_PROFILE=deploy aws sts get-caller-identity --query Arn --output text 2>&1 || echo "exit $?"
workflows:
  main:
    jobs: [deploy]
`;
}
const out = (r: { steps: { name: string; output: string }[] }, name: string) => r.steps.find((s) => s.name === name)?.output ?? '';
const all = (r: { steps: { name: string; output: string }[] }) => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');

describe('static keys in the job and a profile', () => {
  it('warns by name, never by value, and --profile acts as the role while AWS_PROFILE does not', async () => {
    const r = await rig.run(config(STATIC));
    expect(r.success, all(r)).toBe(true);
    const step = out(r, ASSUME);
    expect(step).toContain('use it with --profile deploy\n');
    expect(step).toContain('warning: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY are set in this job\'s environment (by a context, the project or an earlier step), '
      + 'and the AWS CLI and SDKs prefer keys in the environment over AWS_PROFILE: AWS_PROFILE=deploy would act as those keys, not as the role. '
      + 'Use --profile deploy (the AWS CLI\'s --profile wins over keys in the environment), or set export-to: both');
    for (const value of Object.values(STATIC)) expect(all(r)).not.toContain(value);
    // The advice holds for the real AWS CLI: --profile is the role; AWS_PROFILE leaves it on the user's keys, which the local STS does not know.
    expect(out(r, 'With --profile').trim()).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`));
    expect(out(r, 'With AWS_PROFILE')).toContain('An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation');
  });

  it('without keys in the job: no warning, and AWS_PROFILE is advised too', async () => {
    const r = await rig.run(config({}));
    expect(r.success, all(r)).toBe(true);
    expect(out(r, ASSUME)).toContain('use it with --profile deploy or AWS_PROFILE=deploy\n');
    expect(out(r, ASSUME)).not.toContain('warning:');
    expect(out(r, 'With AWS_PROFILE').trim()).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`));
  });
});
