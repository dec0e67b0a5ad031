// Runtime integrity: a forged V8 code cache and a modified runtime brought into ~/.aws-oidc by attach_workspace (as a restored cache or workspace would), run by a step, the docker credential helper and credential_process; a token service and an STS that never answer a credential_process
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Script } from 'node:vm';
import { brotliDecompressSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, EXTERNAL_ID, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRegistries } from '../harness/use-registries.ts';
import { useRig } from '../harness/use-rig.ts';
import { HEREDOC_DELIMITER } from '../../tools/wrapper.ts';
import { refreshDeadline } from '../../src/commands/assume-role-with-oidc/refresh.ts';
import type { AssumeRoleParams } from '../../src/commands/assume-role-with-oidc/params.ts';

const rig = useRig();
useRegistries(rig, [ACCOUNT]);
beforeAll(() => rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'integrity' }));
afterEach(() => rig.aws.clearFaults());

const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
const out = (r: JobResult, name: string) => r.steps.find((s) => s.name === name)?.output ?? '';
/** The end of every refusal of a launched runtime (tools/loader.ts). */
const AGAIN = ', so nothing is run: run the step that set it up again after what changed ~/.aws-oidc';

/** The exact bundle a generated wrapper carries (the heredoc, brotli in base64). */
function bundleOf(command: string): string {
  const script = readFileSync(`src/orb/scripts/${command}.sh`, 'utf8');
  const open = `<<'${HEREDOC_DELIMITER}'\n`;
  const start = script.indexOf(open) + open.length;
  return brotliDecompressSync(Buffer.from(script.slice(start, script.indexOf(`\n${HEREDOC_DELIMITER}\n`, start)), 'base64')).toString('utf8');
}

/** A workspace (what an earlier job persisted, or a restored cache) holding `files` under ~/.aws-oidc/runtime. */
function workspace(files: Record<string, Buffer | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'integrity-ws-'));
  mkdirSync(join(dir, '.aws-oidc', 'runtime'), { recursive: true, mode: 0o700 });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, '.aws-oidc', 'runtime', name), data, { mode: 0o600 });
  return dir;
}

/** The consumer config with `attach_workspace: {at: ~}` before step `index` (0 is checkout). */
function attachedAt(steps: ConsumerStep[], index: number): string {
  const doc = parse(consumerConfig(rig.orbText, steps)) as { jobs: { deploy: { steps: unknown[] } } };
  doc.jobs.deploy.steps.splice(index, 0, { attach_workspace: { at: '~' } });
  return stringify(doc);
}

/** Code that leaves $HOME/<marker> when it runs, put before a bundle (a modified runtime) or in its place. */
const leaves = (marker: string) => `require("fs").writeFileSync(require("path").join(process.env.HOME, ${JSON.stringify(marker)}), "");\n`;
const NOT_RAN = (marker: string): ConsumerStep => ({ name: `No ${marker}`, run: `test ! -e "$HOME/${marker}" && echo "no ${marker}"` });

describe('a forged code cache', () => {
  it('is not handed to V8: the step runs its own bundle, and rewrites the cache', async () => {
    const js = bundleOf('assume-role-with-oidc');
    const wrap = (s: string) => `(function(exports,require,module,__filename,__dirname){\n${s}\n})`;
    // Code of the bundle's length: V8 checks a cache against the source's length, not its text.
    const evil = `${leaves('forged-ran')}process.exit(0);`.padEnd(js.length, ' ');
    const make = 'const vm = require("vm"); process.stdout.write(new vm.Script(require("fs").readFileSync(0, "utf8"), { filename: "/x.cjs", lineOffset: -1 }).createCachedData().toString("base64"))';
    const forged = Buffer.from(spawnSync(process.execPath, ['-e', make], { input: wrap(evil), encoding: 'utf8', env: {}, maxBuffer: 64 << 20 }).stdout, 'base64');
    expect(new Script(wrap(js), { filename: '/y.cjs', cachedData: forged }).cachedDataRejected).toBe(false); // V8 alone would run it
    // Headed as the loader headed caches before: the bundle's SHA-256 and the cache's, which anyone can compute.
    const planted = Buffer.concat([Buffer.from(sha(js) + sha(forged), 'latin1'), forged]);
    const ws = workspace({ 'assume-role-with-oidc.cjs.cache': planted });
    const r = await rig.run(attachedAt([
      { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION } },
      { name: 'Who', run: 'aws sts get-caller-identity --query Arn --output text' },
      NOT_RAN('forged-ran'),
    ], 1), 'deploy', { workspaceDir: ws });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, 'Who')).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`));
    expect(out(r, 'No forged-ran')).toBe('no forged-ran\n');
    const now = readFileSync(join(r.home, '.aws-oidc', 'runtime', 'assume-role-with-oidc.cjs.cache'));
    expect(now.subarray(0, 128).equals(planted.subarray(0, 128))).toBe(false);
  });
});

describe('a modified runtime', () => {
  it('is refused by the docker credential helper with one line, and works again after ecr-login', async () => {
    const ws = workspace({ 'ecr-login.cjs': leaves('modified-ran') + bundleOf('ecr-login') });
    const helper = 'printf "%s" "$AWS_ECR_REGISTRY" | docker-credential-aws-oidc get';
    const r = await rig.run(attachedAt([
      { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION } },
      { orb: 'ecr-login' },
      { name: 'Helper', run: `${helper} || echo "exit $?"` },
      NOT_RAN('modified-ran'),
      { orb: 'ecr-login' },
      { name: 'Helper again', run: `${helper} | grep -c '"Username":"AWS"'` },
    ], 3), 'deploy', { workspaceDir: ws });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, 'Helper')).toBe(`aws-oidc/ecr-login: ${r.home}/.aws-oidc/runtime/ecr-login.cjs was changed (SHA-256 mismatch)${AGAIN}\nexit 1\n`);
    expect(out(r, 'Helper again')).toBe('1\n');
  });

  it('is refused by credential_process with one line, which the AWS CLI shows', async () => {
    const ws = workspace({ 'assume-role-with-oidc.cjs': leaves('modified-ran') + bundleOf('assume-role-with-oidc') });
    const r = await rig.run(attachedAt([
      { orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, 'profile-name': 'long', 'self-refresh': true } },
      { name: 'Who', run: 'aws sts get-caller-identity --profile long --query Arn --output text 2>&1 || echo "exit $?"' },
      NOT_RAN('modified-ran'),
    ], 2), 'deploy', { workspaceDir: ws });
    expect(r.success, all(r)).toBe(true);
    const line = `aws-oidc/assume-role-with-oidc: ${r.home}/.aws-oidc/runtime/assume-role-with-oidc.cjs was changed (SHA-256 mismatch)${AGAIN}`;
    expect(out(r, 'Who')).toContain(`Error when retrieving credentials from custom-process: ${line}\n`);
    expect(out(r, 'Who')).toMatch(/\nexit 255\n$/);
  });
});

describe('credential_process has a whole-run deadline', () => {
  const CACHE = '$HOME/.aws-oidc/profiles/long.cache.json';
  /** The deadline the refresh arms for these settings (src/commands/assume-role-with-oidc/refresh.ts). */
  const deadline = (seconds: number, callMs: number) => refreshDeadline({ profileName: 'long', retry: { maxAttempts: 3, totalSeconds: seconds } } as AssumeRoleParams, callMs);
  const profile = (seconds: number, extra: Record<string, string | number> = {}): ConsumerStep => ({ orb: 'assume-role-with-oidc',
    params: { 'role-arn': DEPLOY, region: REGION, 'profile-name': 'long', 'self-refresh': true, 'retry-max-attempts': 3, 'retry-max-seconds': seconds, ...extra } });
  /** The AWS CLI through the profile; each case below ends by itself without the deadline too, with another message. */
  const who = 'aws sts get-caller-identity --profile long --query Arn --output text 2>&1 || echo "exit $?"';
  /** How the AWS CLI shows the refresh's own line (on credential_process's stderr), then its exit code. */
  const shown = (line: string) => new RegExp(`Error when retrieving credentials from custom-process: (.*\\n)*aws-oidc/credential-process: ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n+exit 255\\n$`);

  it('when the OIDC token service never answers (the job\'s token gone, `circleci run oidc get` hangs)', async () => {
    const d = deadline(2, 1000);
    expect(d.ms, 'retry-max-seconds plus twice the HTTP deadline').toBe(2000 + 2 * 1000);
    // A circleci that answers (with no token) only half a deadline after the refresh's deadline. The refresh arms its
    // deadline before it asks circleci, so its timer is due first and ends the run; a refresh with no deadline, or a
    // doubled one, sees circleci's empty answer instead and fails with another message. Both timers run on this
    // machine, so load delays them alike: the case does not measure time, it orders the two.
    const stall = `mkdir -p "$HOME/stall" && printf '#!/bin/sh\\nexec sleep ${(1.5 * d.ms) / 1000}\\n' > "$HOME/stall/circleci" && chmod +x "$HOME/stall/circleci"`;
    const r = await rig.run(consumerConfig(rig.orbText, [
      profile(2),
      { name: 'Stall', run: `${stall} && rm "${CACHE}"` },
      { name: 'Who', run: `unset CIRCLE_OIDC_TOKEN_V2 CIRCLE_OIDC_TOKEN; PATH="$HOME/stall:$PATH"; ${who}` },
    ]), 'deploy', { env: { AWS_OIDC_HTTP_TIMEOUT_MS: '1000' } });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, 'Who')).toMatch(shown(d.line));
  });

  it('when STS never answers the chained hop, after the first hop used its retries', async () => {
    // With three attempts a call, the first hop's two silent attempts and the chained hop's three take at least five
    // HTTP deadlines (15 s): past the whole run's 8 s + 2 x 3 s, which must end it first.
    const callMs = 3000;
    const d = deadline(8, callMs);
    expect(5 * callMs).toBeGreaterThan(d.ms);
    const silent = { kind: 'delay' as const, delayMs: 2 * d.ms };
    rig.aws.injectFault('AssumeRoleWithWebIdentity', { kind: 'delay', times: 1, delayMs: 0 }); // the step's exchange
    rig.aws.injectFault('AssumeRoleWithWebIdentity', { ...silent, times: 2 });
    rig.aws.injectFault('AssumeRole', { kind: 'delay', times: 1, delayMs: 0 }); // the step's chained hop
    rig.aws.injectFault('AssumeRole', { ...silent, times: 20 });
    const r = await rig.run(consumerConfig(rig.orbText, [
      profile(8, { 'role-chain': `arn:aws:iam::${PROD_ACCOUNT}:role/cfn-deploy external-id=${EXTERNAL_ID}` }),
      { name: 'Expire', run: `rm "${CACHE}"` },
      { name: 'Who', run: who },
    ]), 'deploy', { env: { AWS_OIDC_HTTP_TIMEOUT_MS: String(callMs) } });
    expect(r.success, all(r)).toBe(true);
    expect(out(r, 'Who')).toMatch(shown(d.line));
    expect(out(r, 'Who')).toContain('retrying AssumeRole (2/3) after ETIMEDOUT');
  });
});
