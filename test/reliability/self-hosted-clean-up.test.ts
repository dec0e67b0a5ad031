// Self-hosted clean-up: clean-up after the orb's real steps in the rig when the job failed, when what the manifest names was swapped for symbolic links to files outside, when the manifest names paths outside the orb's places or is itself a link, and when it runs twice or alone
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { useRig } from '../harness/use-rig.ts';
import { bashC, shellEnv } from '../support/bash.ts';

const rig = useRig();
useRegistries(rig, [ACCOUNT]);
beforeAll(() => rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'webapp' }));

const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const CLEAN = 'Remove what the orb wrote in this job';
const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name} (exit ${s.exitCode})\n${s.output}`).join('\n');
const step = (r: JobResult, name: string) => r.steps.filter((s) => s.name === name);
const read = (r: JobResult, ...p: string[]) => readFileSync(join(r.home, ...p), 'utf8');

/** assume-role-with-oidc with a self-refresh profile, ecr-login with the helper for that profile: the orb's usual writes. */
const ORB_STEPS: ConsumerStep[] = [
  { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, 'profile-name': 'ci', 'self-refresh': true } },
  { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION } },
  { orb: 'ecr-login', params: { 'profile-name': 'ci' } },
];
/** A step run after the orb's steps and before clean-up, as something hostile on the runner would. */
const plant = (lines: string[]): ConsumerStep => ({ name: 'Planted', run: ['set -eu', 'M="$HOME/.aws-oidc/jobs/$CIRCLE_WORKFLOW_JOB_ID"', ...lines].join('\n') });
const CLEAN_UP: ConsumerStep = { orb: 'clean-up' };

describe('clean-up on a runner whose home outlives the job', () => {
  it('runs after a failed build in the build-and-push job (clean-up: true) and leaves nothing of the orb\'s', async () => {
    const usage = { version: 2.1, orbs: { 'aws-oidc': 'aws-oidc/aws-oidc@0.1.0' }, workflows: { image: { jobs: [{ 'aws-oidc/build-and-push': {
      name: 'image', 'role-arn': DEPLOY, region: REGION, repo: 'webapp', 'clean-up': true } }] } } };
    // The checkout has no Dockerfile, so the build step fails.
    const r = await rig.runWorkflowJob(stringify(usage), 'image', 'image', { checkoutSource: mkdtempSync(join(tmpdir(), 'no-dockerfile-')) });
    expect(r.success).toBe(false);
    expect(step(r, 'Build and push to Amazon ECR')[0]?.exitCode, all(r)).not.toBe(0);
    expect(step(r, CLEAN)[0]?.exitCode, all(r)).toBe(0);
    expect(step(r, CLEAN)[0]?.output).toMatch(/^clean-up: removed the credential helper for 1 registry; 1 ECR registry record; \d+ files; the runtime of 3 commands; unset \d+ AWS_\* variables for later steps$/m);
    expect(existsSync(join(r.home, '.aws-oidc'))).toBe(false);
    expect(existsSync(join(r.home, '.docker', 'config.json'))).toBe(false);
    const env = execFileSync(...bashC('source "$0"; echo "${AWS_SECRET_ACCESS_KEY-unset} ${AWS_ECR_REGISTRY-unset}"', r.bashEnvPath), { env: shellEnv(), encoding: 'utf8' });
    expect(env.trim()).toBe('unset unset');
  });

  it('a result, the profiles directory and the credentials file swapped for links to files outside: nothing outside is touched, each is named, the rest goes', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [...ORB_STEPS, plant([
      'echo precious > ~/precious; ln -sf ~/precious ~/.aws-oidc/results/assume-role-with-oidc.json',
      'mkdir ~/elsewhere; cp ~/.aws-oidc/profiles/* ~/elsewhere/; rm -r ~/.aws-oidc/profiles; ln -s ~/elsewhere ~/.aws-oidc/profiles',
      'mv ~/.aws/credentials ~/real-credentials; ln -s ~/real-credentials ~/.aws/credentials',
    ]), CLEAN_UP]));
    const out = step(r, CLEAN)[0]?.output ?? '';
    expect(step(r, CLEAN)[0]?.exitCode, all(r)).toBe(1);
    expect(read(r, 'precious')).toBe('precious\n');
    expect(read(r, 'elsewhere', 'ci.json')).toContain('"params"');
    expect(read(r, 'real-credentials')).toContain('[ci]');
    expect(out).toMatch(/not removed: .*results\/assume-role-with-oidc\.json is a symbolic link/);
    expect(out).toMatch(/not removed: .*\.aws-oidc\/profiles is a symbolic link; clean-up follows none/);
    expect(out).toMatch(/not removed: .*\.aws\/credentials is a symbolic link; clean-up edits no file through a link/);
    expect(out).toMatch(/clean-up left 4 of the things the orb wrote in this job/);
    // The rest went: the config file (the orb's section was all of it), the helper entry, the runtime.
    expect(existsSync(join(r.home, '.aws', 'config'))).toBe(false);
    expect(existsSync(join(r.home, '.docker', 'config.json'))).toBe(false);
    expect(existsSync(join(r.home, '.aws-oidc', 'runtime', 'ecr-login.cjs'))).toBe(false);
  });

  it('manifest lines naming paths outside the orb\'s places, or not records at all: refused one by one, the files stay', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [...ORB_STEPS, plant([
      'echo keep > ~/keep.txt; printf "[profile a]\\nregion = x\\n" > ~/other.ini; mkdir ~/d; echo "{\\"auths\\":{\\"x\\":{}}}" > ~/d/config.json; echo "{\\"k\\":1}" > ~/map.json',
      'printf \'["file","%s/keep.txt"]\\n["ini","%s/other.ini","profile a"]\\n["docker","%s/d/config.json","auths","x"]\\n["map","%s/map.json","k"]\\n["node","../../.."]\\nrm -rf ~\\n\' "$HOME" "$HOME" "$HOME" "$HOME" >> "$M"',
    ]), CLEAN_UP]));
    const out = step(r, CLEAN)[0]?.output ?? '';
    expect(step(r, CLEAN)[0]?.exitCode, all(r)).toBe(1);
    expect(read(r, 'keep.txt')).toBe('keep\n');
    expect(read(r, 'other.ini')).toBe('[profile a]\nregion = x\n');
    expect(JSON.parse(read(r, 'd', 'config.json'))).toEqual({ auths: { x: {} } });
    expect(JSON.parse(read(r, 'map.json'))).toEqual({ k: 1 });
    expect(out).toMatch(/keep\.txt is outside the places the orb writes whole files/);
    expect(out).toMatch(/other\.ini is not the AWS config or credentials file of this step/);
    expect(out).toMatch(/d\/config\.json is not the docker config of this step/);
    expect(out).toMatch(/map\.json is not inside .*\.aws-oidc/);
    expect(out.match(/line \d+ of the job's manifest is not a record clean-up knows/g)).toHaveLength(2);
    expect(out).toMatch(/clean-up left 6 of the things/);
    expect(existsSync(join(r.home, '.aws', 'config'))).toBe(false);
  });

  it('a manifest that is a link to a list of someone else\'s: read by no one, nothing it names is removed', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [...ORB_STEPS, plant([
      'echo keep > ~/keep.txt; printf \'["file","%s/keep.txt"]\\n\' "$HOME" > ~/list; rm "$M"; ln -s ~/list "$M"',
    ]), CLEAN_UP]));
    expect(step(r, CLEAN)[0]?.exitCode, all(r)).toBe(1);
    // The step stops at its first touch of the manifest: recording its own runtime there.
    expect(step(r, CLEAN)[0]?.output).toMatch(/refusing to record what this step writes in .*\/jobs\/[0-9a-f-]+: it must be a regular file \(not a link\)/);
    expect(read(r, 'list')).toMatch(/^\["file",".*\/keep\.txt"\]\n$/);
    expect(read(r, 'keep.txt')).toBe('keep\n');
  });

  it('after clean-up no issued key, secret, session token, OIDC token or docker password is left in any file of the home, and its report names none', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [...ORB_STEPS.slice(0, 2),
      { orb: 'ecr-login', params: { 'profile-name': 'ci', 'credential-helper': false } },
      { name: 'Refresh the profile', run: 'aws sts get-caller-identity --profile ci --query Arn --output text' }, CLEAN_UP]));
    expect(r.success, all(r)).toBe(true);
    const forms = [...rig.aws.issuedSecrets, ...rig.issuer.issuedTokens,
      ...rig.aws.ecrPasswords.flatMap((p) => [p.password, Buffer.from(`AWS:${p.password}`).toString('base64')])].filter((x) => x.length >= 8);
    expect(forms.length).toBeGreaterThan(0);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (lstatSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(r.home);
    const left = files.filter((f) => forms.some((x) => readFileSync(f, 'utf8').includes(x)));
    expect(left, 'files of the home still holding a secret').toEqual([]);
    expect(step(r, CLEAN)[0]?.output).toMatch(/^clean-up: removed profile ci; 1 docker login; 1 ECR registry record; /);
    expect(forms.filter((x) => (step(r, CLEAN)[0]?.output ?? '').includes(x))).toEqual([]);
  });

  it('$(...) in docker-config runs nothing and edits no docker config: the real one is named as not this step\'s', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [...ORB_STEPS, { orb: 'clean-up', params: { 'docker-config': '$(touch ~/pwned)' } }]));
    expect(step(r, CLEAN)[0]?.exitCode, all(r)).toBe(1);
    expect(existsSync(join(r.home, 'pwned'))).toBe(false);
    expect(step(r, CLEAN)[0]?.output).toMatch(/docker\/config\.json is not the docker config of this step \(.*\$\(touch ~\/pwned\)\/config\.json\)/);
    expect(Object.values((JSON.parse(read(r, '.docker', 'config.json')) as { credHelpers: object }).credHelpers)).toEqual(['aws-oidc']);
  });

  it('twice in a job, and alone in a job: the second run and the lone one remove nothing and succeed', async () => {
    const twice = await rig.run(consumerConfig(rig.orbText, [...ORB_STEPS, CLEAN_UP, CLEAN_UP]));
    expect(twice.success, all(twice)).toBe(true);
    const nothing = 'clean-up: nothing to remove: no orb step recorded anything in this job since the last clean-up';
    expect(step(twice, CLEAN).map((s) => s.output.trim().startsWith('clean-up: removed profile ci;'))).toEqual([true, false]);
    expect(step(twice, CLEAN)[1]?.output.trim()).toBe(nothing);
    expect(existsSync(join(twice.home, '.aws-oidc'))).toBe(false);
    const alone = await rig.run(consumerConfig(rig.orbText, [CLEAN_UP]));
    expect(alone.success, all(alone)).toBe(true);
    expect(step(alone, CLEAN)[0]?.output.trim()).toBe(nothing);
    expect(existsSync(join(alone.home, '.aws-oidc'))).toBe(false);
  });
});
