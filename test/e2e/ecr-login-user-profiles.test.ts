// ecr-login with a profile the user wrote (not one the orb wrote): resolved as the AWS SDKs resolve it,
// here a role_arn with source_profile and external_id on top of the OIDC profile, in the real rig with
// the docker engine and registry. The push must reach the registry as the profile's role.
import { beforeAll, describe, expect, it } from 'vitest';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, EXTERNAL_ID, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';

const rig = useRig();
const registries = useRegistries(rig, [PROD_ACCOUNT]);
beforeAll(() => rig.aws.ensureRepository({ account: PROD_ACCOUNT, region: REGION, name: 'user-profile' }));

const CFN = `arn:aws:iam::${PROD_ACCOUNT}:role/cfn-deploy`;

describe('ecr-login with a profile the user wrote', () => {
  it('follows role_arn + source_profile + external_id to the deploy role, and the push is recorded as that role', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION, 'profile-name': 'oidc' } },
      {
        name: 'Write a chained profile',
        run: `printf '\\n[profile cfn]\\nrole_arn = ${CFN}\\nsource_profile = oidc\\nexternal_id = ${EXTERNAL_ID}\\nrole_session_name = user-profile\\nregion = ${REGION}\\n' >> ~/.aws/config`,
      },
      { orb: 'ecr-login', params: { 'profile-name': 'cfn' } },
      {
        name: 'Push',
        run: [
          'set -eu',
          'ctx=$(mktemp -d); date +%s%N > "$ctx/stamp"; printf \'FROM scratch\\nCOPY stamp /stamp\\n\' > "$ctx/Dockerfile"',
          `img="$AWS_ECR_REGISTRY_${PROD_ACCOUNT}/user-profile:$CIRCLE_SHA1"`,
          'DOCKER_BUILDKIT=0 docker build -q -t "$img" "$ctx" >/dev/null',
          'docker push "$img" >/dev/null && echo pushed',
        ].join('\n'),
      },
    ]));
    const all = r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
    expect(r.success, all).toBe(true);
    const login = r.steps.find((s) => s.name.includes('ecr-login'))?.output ?? all;
    expect(login).toContain(`Identity: arn:aws:sts::${PROD_ACCOUNT}:assumed-role/cfn-deploy/user-profile (from profile cfn)`);
    const pushes = registries.get(PROD_ACCOUNT)!.requests.filter((q) => q.method === 'PUT' && q.path.includes('/manifests/'));
    expect(pushes.at(-1)?.identityArn).toBe(`arn:aws:sts::${PROD_ACCOUNT}:assumed-role/cfn-deploy/user-profile`);
    // The chained hop carried the profile's external_id: without it the local STS refuses cfn-deploy.
    expect(rig.aws.requests.some((q) => q.action === 'AssumeRole' && q.status === 200)).toBe(true);
  });
});
