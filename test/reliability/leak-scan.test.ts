// Leak scan over argv and file modes: the main flows (assume-role-with-oidc to the environment, to a profile, self-refreshing, with a minted token; ecr-login with the helper and plain; build-and-push) leave no issued key id, secret, session token, OIDC token or docker password in any step output, in the argv of any docker, aws or circleci call, or in any job file wider than 0600
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, ORG_ID, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();
useRegistries(rig, [ACCOUNT]);

const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const assume = (params: Record<string, string | number | boolean>): ConsumerStep => ({ orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, ...params } });
const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
/** What the report shows of a secret: its last four characters only. */
const tail = (s: string) => `****${s.slice(-4)}`;

/** Every secret the rig issued so far, in each form it could be stored in (an ECR password also as docker's base64 `auth`). */
function secretForms(): { forms: string[]; ecr: string[] } {
  const ecr = rig.aws.ecrPasswords.flatMap((p) => [p.password, Buffer.from(`AWS:${p.password}`).toString('base64')]);
  const forms = [...new Set([...rig.aws.issuedSecrets, ...rig.issuer.issuedTokens, ...ecr])].filter((s) => s.length >= 8);
  return { forms, ecr };
}

/** Regular files under `dir` (symbolic links are not followed). */
function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) walk(path, out);
    else if (st.isFile()) out.push(path);
  }
  return out;
}

interface Scan { files: number; secretFiles: { path: string; mode: number }[]; argv: number; tools: Record<string, number> }

/** The job's files and its tools' argv, against every issued secret; asserts, and returns the figures. */
function scan(r: JobResult, opts: { helperMode?: boolean } = {}): Scan {
  const { forms, ecr } = secretForms();
  expect(forms.length).toBeGreaterThan(0);
  // Step output (the rig's leak scan covers the whole file at the end too).
  const output = all(r);
  expect(forms.filter((s) => output.includes(s)).map(tail), 'secrets in step output').toEqual([]);
  // The argv of every docker, aws and circleci call the job made.
  const calls = rig.toolCalls(r);
  const argvText = JSON.stringify(calls.map((c) => c.argv));
  expect(forms.filter((s) => argvText.includes(s)).map(tail), 'secrets on a command line').toEqual([]);
  // Every file of the job: any that holds a secret is 0600.
  const { files, secretFiles } = filesWithSecrets(r, forms);
  expect(secretFiles.filter((f) => (f.mode & 0o077) !== 0), 'secret files wider than 0600').toEqual([]);
  if (opts.helperMode) {
    const config = join(r.home, '.docker/config.json');
    const text = readFileSync(config, 'utf8');
    expect(ecr.filter((s) => text.includes(s)).map(tail), 'a docker password in config.json in credential-helper mode').toEqual([]);
  }
  const tools: Record<string, number> = {};
  for (const c of calls) tools[c.tool] = (tools[c.tool] ?? 0) + 1;
  console.log(`leak scan: ${files.length} files (${secretFiles.length} holding secrets: ${secretFiles.map((f) => `${f.path} ${f.mode.toString(8)}`).join(', ') || 'none'}), ` +
    `${calls.length} tool calls (${Object.entries(tools).map(([t, n]) => `${t} ${n}`).join(', ') || 'none'}), ${forms.length} secret forms checked`);
  return { files: files.length, secretFiles, argv: calls.length, tools };
}

/** The job's files (home, working directory, BASH_ENV), and those that hold one of `forms`, with their modes. */
function filesWithSecrets(r: JobResult, forms: string[]): { files: string[]; secretFiles: Scan['secretFiles'] } {
  const files = [...new Set([...walk(r.home), ...walk(r.workingDirectory), r.bashEnvPath])];
  const secretFiles: Scan['secretFiles'] = [];
  for (const path of files) {
    const text = readFileSync(path, 'latin1');
    if (forms.some((s) => text.includes(s))) secretFiles.push({ path: path.replace(r.home, '~'), mode: lstatSync(path).mode & 0o777 });
  }
  return { files, secretFiles };
}

/** A project with a tiny Dockerfile, for build-and-push. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leak-project-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nARG GREETING\nLABEL greeting=$GREETING\nCOPY stamp /stamp\n');
  writeFileSync(join(dir, 'stamp'), `${Date.now()}-${Math.random()}\n`);
  return dir;
}

describe('no secret in output, argv or a file wider than 0600', () => {
  it('assume-role-with-oidc to the environment, then the AWS CLI', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume({}), { name: 'Who', run: 'aws sts get-caller-identity --query Arn --output text' }]));
    expect(r.success, all(r)).toBe(true);
    const s = scan(r);
    expect(s.tools.aws).toBeGreaterThanOrEqual(1);
    expect(lstatSync(r.bashEnvPath).mode & 0o777).toBe(0o600);
  });

  it('assume-role-with-oidc to a named profile, then the AWS CLI with --profile', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'profile-name': 'deployer' }), { name: 'Who', run: 'aws sts get-caller-identity --profile deployer --query Arn --output text' }]));
    expect(r.success, all(r)).toBe(true);
    const s = scan(r);
    expect(s.secretFiles.map((f) => f.path)).toContain('~/.aws/credentials');
    expect(s.tools.aws).toBeGreaterThanOrEqual(1);
  });

  it('a self-refreshing profile, refreshed with a token minted by `circleci run oidc get`', async () => {
    const cache = '$HOME/.aws-oidc/profiles/long-job.cache.json';
    const who = 'aws sts get-caller-identity --profile long-job --query Arn --output text';
    const r = await rig.run(consumerConfig(rig.orbText, [
      assume({ 'profile-name': 'long-job', 'self-refresh': true }),
      { name: 'From the cache', run: who },
      { name: 'Age the cache', run: `node -e 'const f=process.argv[1];const c=JSON.parse(require("fs").readFileSync(f));c.expiration=new Date(Date.now()+60000).toISOString();require("fs").writeFileSync(f,JSON.stringify(c))' "${cache}"` },
      { name: 'Refreshed', run: `unset CIRCLE_OIDC_TOKEN_V2 CIRCLE_OIDC_TOKEN; ${who}` },
    ]));
    expect(r.success, all(r)).toBe(true);
    const s = scan(r);
    expect(s.secretFiles.map((f) => f.path)).toContain('~/.aws-oidc/profiles/long-job.cache.json');
    expect(rig.toolCalls(r).filter((c) => c.tool === 'circleci').map((c) => c.argv.slice(0, 3))).toContainEqual(['run', 'oidc', 'get']);
  });

  it('assume-role-with-oidc with token-source mint and an audience', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'token-source': 'mint', audience: ORG_ID })]));
    expect(r.success, all(r)).toBe(true);
    scan(r);
    expect(rig.toolCalls(r).filter((c) => c.tool === 'circleci')).toHaveLength(1);
  });

  it('ecr-login with the credential helper, then build-and-push through it', async () => {
    rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'webapp' });
    const r = await rig.run(consumerConfig(rig.orbText, [
      assume({}), { orb: 'ecr-login' },
      { orb: 'build-and-push', params: { repo: 'webapp', tag: 'leak-scan', 'build-args': 'GREETING=hello' } },
    ]), 'deploy', { checkoutSource: project() });
    expect(r.success, all(r)).toBe(true);
    scan(r, { helperMode: true });
    expect(rig.dockerCalls(r).some((c) => c.argv[0] === 'push' || (c.argv[0] === 'buildx' && c.argv.includes('--push')))).toBe(true);
  });

  it('ecr-login with a plain docker login (password on stdin, stored by docker in config.json)', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume({}), { orb: 'ecr-login', params: { 'credential-helper': false } }]));
    expect(r.success, all(r)).toBe(true);
    const s = scan(r);
    expect(rig.dockerCalls(r).find((c) => c.argv[0] === 'login')?.argv).toContain('--password-stdin');
    expect(s.secretFiles.map((f) => f.path)).toContain('~/.docker/config.json');
  });

  it('control: the scan finds a secret that a careless step puts on a command line and in a 0644 file', async () => {
    // A made-up secret, so that the rig's own scan of the whole file (issued secrets only) stays clean.
    const fake = `FAKE${randomBytes(16).toString('hex')}`;
    const r = await rig.run(consumerConfig(rig.orbText, [assume({}), { name: 'Careless', run: [
      'aws configure get "x$CARELESS" >/dev/null 2>&1 || true',
      'printf %s "$CARELESS" > ~/careless.txt && chmod 644 ~/careless.txt',
    ].join('\n') }]), 'deploy', { env: { CARELESS: fake } });
    expect(r.success, all(r)).toBe(true);
    const argv = JSON.stringify(rig.toolCalls(r).filter((c) => c.tool === 'aws').map((c) => c.argv));
    expect(argv).toContain(fake);
    expect(filesWithSecrets(r, [fake]).secretFiles).toContainEqual({ path: '~/careless.txt', mode: 0o644 });
  });
});
