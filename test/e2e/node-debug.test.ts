// A job that sets NODE_DEBUG (say, to debug a proxy) must not get the secrets the steps hold in its log:
// Node prints request headers (session tokens) and child environments (keys, the OIDC token) for the
// http, net and child_process sections. The rig's leak scan (useRig) checks every step's output, the argv
// of every tool call and the files of the job for the secrets issued in this file.
import { beforeAll, describe, expect, it } from 'vitest';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';

const rig = useRig();
useRegistries(rig, [ACCOUNT]);
beforeAll(() => rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'node-debug' }));

describe('NODE_DEBUG set in the job', () => {
  it('shows none of the secrets: the steps, the credential helper and the self-refresh credential_process run without Node\'s debug log', async () => {
    const debug = { NODE_DEBUG: 'http,net,tls,child_process,fs', NODE_DEBUG_NATIVE: 'fs' };
    const r = await rig.run(consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION } },
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION, 'profile-name': 'long', 'self-refresh': true } },
      { orb: 'ecr-login', params: { 'credential-helper': false } },
      { orb: 'ecr-login' },
      { name: 'Use the profile and the helper', run: 'aws sts get-caller-identity --profile long >/dev/null && echo profile-ok\nprintf "%s" "$AWS_ECR_REGISTRY" | docker-credential-aws-oidc get >/dev/null && echo helper-ok' },
    ]), 'deploy', { env: debug });
    const all = r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
    expect(r.success, all).toBe(true);
    expect(all).toContain('profile-ok');
    expect(all).toContain('helper-ok');
    // Node's debug lines start with the section name in capitals and a pid; none may appear.
    expect(all).not.toMatch(/^(HTTP|NET|TLS|CHILD_PROCESS) \d+:/m);
  });
});
