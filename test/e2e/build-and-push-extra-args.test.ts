// build-and-push's extra-build-args in the rig: a --build-arg from a context variable reaches the build (a
// label of the image) through docker's environment, never its argv, as build-args do; other flags get
// their variables expanded too; an unset variable fails the step naming it, before any build.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { docker } from '../harness/docker.ts';

const rig = useRig();
const registries = useRegistries(rig, [ACCOUNT]);

/** A project whose Dockerfile puts the build arg GREETING into a label. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bp-extra-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nARG GREETING\nLABEL greeting=$GREETING\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), `${Date.now()}-${Math.random()}\n`);
  return dir;
}

const steps = (extra: string): ConsumerStep[] => [
  { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION } },
  { orb: 'ecr-login' },
  { orb: 'build-and-push', params: { repo: 'extra-args', tag: 'v1', 'extra-build-args': extra } },
];
const STEP = 'Build and push to Amazon ECR';
const all = (r: { steps: { name: string; output: string }[] }) => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');

describe('build-and-push extra-build-args', () => {
  it('a --build-arg from a context variable reaches the build through docker\'s environment; a $VAR in another flag is expanded', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'extra-args' });
    const value = `pcloud-${Date.now()}-key`;
    const r = await rig.run(consumerConfig(rig.orbText, steps('--build-arg "GREETING=${PCLOUDKEY}" --label "team=$TEAM_NAME"')), 'deploy',
      { checkoutSource: project(), env: { PCLOUDKEY: value, TEAM_NAME: 'web' } });
    expect(r.success, all(r)).toBe(true);
    const image = `${registries.get(ACCOUNT)?.host ?? '?'}/extra-args:v1`;
    const labels = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', image])) as Record<string, string>;
    expect(labels).toMatchObject({ greeting: value, team: 'web' });
    // docker got the name on its argv and the value only in its environment.
    const build = rig.dockerCalls(r).find((c) => c.argv[0] === 'build');
    expect(build?.argv).toEqual(expect.arrayContaining(['--build-arg', 'GREETING', '--label', 'team=web']));
    expect(JSON.stringify(rig.toolCalls())).not.toContain(value);
  });

  it('an unset variable fails the step naming it and the parameter, and nothing is built', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, steps('--build-arg "GREETING=${PCLOUDKEY}"')), 'deploy', { checkoutSource: project() });
    expect(r.success).toBe(false);
    expect(r.steps.find((s) => s.name === STEP)?.output).toContain(
      'aws-oidc/build-and-push: parameter extra-build-args: refers to $PCLOUDKEY, which is not set in this job (got "GREETING=${PCLOUDKEY}")');
    expect(rig.dockerCalls(r).filter((c) => c.argv[0] === 'build')).toEqual([]);
  });
});
