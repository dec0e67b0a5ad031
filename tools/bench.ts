// `npm run bench`: the orb's steps side by side with the seed's AWS CLI + jq path, against the rig's
// local STS/ECR on this machine. Prints a markdown table of medians and ratios, then checks the
// targets of the speed-and-size issue; exits 1 when one is missed. Run `npm run pack` first (the
// npm script does). BENCH_RUNS sets the repetitions (default 15).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ACCOUNT, REGION, Rig } from '../test/harness/rig.ts';
import { startRegistries } from '../test/harness/registry.ts';
import { COMPILED_CONFIG_LIMIT_BYTES as COMPILED_CONFIG_LIMIT } from './orb/budget.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const SCRIPTS = resolve('src/orb/scripts');
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** Wall time (ms) of one command; fails loudly when it fails. Asynchronous: the rig's servers live in this process. */
function timeOnce(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${file} ${args.join(' ')} failed (${code}): ${out.slice(-2000)}`));
      else resolve(ms);
    });
  });
}

/** Medians of several commands measured in turns (A B C A B C ...), so drift hits them alike. */
async function measure(cmds: Record<string, () => Promise<number>>, runs = RUNS): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (const f of Object.values(cmds)) await f(); // warm the page cache once
  for (let i = 0; i < runs; i++) for (const [k, f] of Object.entries(cmds)) samples[k]?.push(await f());
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

const SEED_SCRIPT = `#!/usr/bin/env bash
set -euo pipefail
DURATION_SECONDS=$((60*15))
aws_sts_credentials=\`aws sts assume-role-with-web-identity \\
  --role-arn $1 \\
  --role-session-name $2 \\
  --web-identity-token $3 \\
  --duration-seconds \${DURATION_SECONDS} \\
  --query "Credentials" \\
  --output "json"\`
echo AWS_ACCESS_KEY_ID="$(echo $aws_sts_credentials | jq -r '.AccessKeyId')"
cat <<EOT > "$(dirname $0)/use-temporary-aws-access-key.sh"
export AWS_ACCESS_KEY_ID="$(echo $aws_sts_credentials | jq -r '.AccessKeyId')"
export AWS_SECRET_ACCESS_KEY="$(echo $aws_sts_credentials | jq -r '.SecretAccessKey')"
export AWS_SESSION_TOKEN="$(echo $aws_sts_credentials | jq -r '.SessionToken')"
EOT
`;

/** The same `aws` wrapper the rig puts on job PATH: the CLI here predates AWS_ENDPOINT_URL_<SERVICE>. */
const AWS_WRAPPER = `#!/bin/bash
exec /usr/bin/aws "$@" --endpoint-url "$AWS_ENDPOINT_URL_STS"
`;

/** One unsigned AssumeRoleWithWebIdentity over plain node:http, in a fresh node: node start + the round trip. */
const ROUND_TRIP_JS = `
const u = new URL(process.env.AWS_ENDPOINT_URL_STS);
const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: process.env.ROLE, RoleSessionName: 'bench', WebIdentityToken: process.env.TOKEN }).toString();
const req = require('http').request(u, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
  res.resume(); res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1));
});
req.end(body);
`;

interface Row { what: string; ms?: number | undefined; value?: string; note: string }

async function main(): Promise<void> {
  const rig = await Rig.start();
  const rows: Row[] = [];
  const checks: [string, boolean, string][] = [];
  const work = mkdtempSync(join(tmpdir(), 'bench-'));
  try {
    const token = await rig.issuer.mint(rig.identity('main'), { ttlSeconds: 3600 });
    const bin = join(work, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'aws'), AWS_WRAPPER, { mode: 0o755 });
    writeFileSync(join(work, 'seed.sh'), SEED_SCRIPT, { mode: 0o755 });
    const base = {
      PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: join(work, 'home'), AWS_ENDPOINT_URL_STS: rig.aws.url, AWS_ENDPOINT_URL_ECR: rig.aws.url,
      CIRCLE_PROJECT_REPONAME: 'webapp', CIRCLE_BUILD_NUM: '1', CIRCLE_SHA1: 'a'.repeat(40), AWS_PAGER: '',
    };
    const bashEnv = join(work, 'bash_env');
    const stepEnv = { ...base, BASH_ENV: bashEnv, CIRCLE_OIDC_TOKEN_V2: token, ORB_PARAM_ROLE_ARN: ROLE, ORB_PARAM_REGION: REGION, ORB_PARAM_SESSION_DURATION: '900' };

    const m = await measure({
      node: () => timeOnce('node', ['-e', '0'], base),
      roundTrip: () => timeOnce('node', ['-e', ROUND_TRIP_JS], { ...base, ROLE, TOKEN: token }),
      step: () => { writeFileSync(bashEnv, ''); return timeOnce('bash', [join(SCRIPTS, 'assume-role-with-oidc.sh')], stepEnv); },
      seed: () => timeOnce('bash', ['-c', `"${work}/seed.sh" "${ROLE}" bench "$TOKEN" >/dev/null && source "${work}/use-temporary-aws-access-key.sh"`], { ...base, TOKEN: token }),
    });
    const rtt = Math.max(0, m.roundTrip! - m.node!);
    const overhead = m.step! - m.node! - rtt;
    const speedup = m.seed! / m.step!;
    rows.push(
      { what: 'node -e 0', ms: m.node, note: 'Node start-up alone' },
      { what: 'STS round trip', ms: rtt, note: 'one AssumeRoleWithWebIdentity over node:http, minus node -e 0' },
      { what: 'assume-role-with-oidc step', ms: m.step, note: 'the inlined script: wrapper, bundle written and loaded, token checks, STS, $BASH_ENV' },
      { what: 'seed 001 script (AWS CLI + jq + sourced file)', ms: m.seed, note: `Debian's AWS CLI ${execFileSync('/usr/bin/aws', ['--version']).toString().split(' ')[0]?.replace('aws-cli/', '')}, jq` },
      { what: 'step overhead', ms: overhead, note: 'step - node -e 0 - round trip' },
      { what: 'speed-up over the seed', value: `${speedup.toFixed(1)}x`, note: 'seed / step' },
    );
    checks.push(['assume-role-with-oidc at least 4x faster than the seed path', speedup >= 4, `${speedup.toFixed(1)}x`]);
    checks.push(['its overhead beyond node -e 0 and the network at most 120 ms', overhead <= 120, `${overhead.toFixed(0)} ms`]);

    // Inlined bytes per command.
    for (const f of readdirSync(SCRIPTS).filter((x) => x.endsWith('.sh')).sort()) {
      const bytes = statSync(join(SCRIPTS, f)).size;
      const uses = Math.floor(COMPILED_CONFIG_LIMIT / bytes);
      rows.push({ what: `${f.replace(/\.sh$/, '')} inlined`, value: `${(bytes / 1024).toFixed(1)} KiB`, note: `${uses} uses fit in 8 MB` });
      checks.push([`${f.replace(/\.sh$/, '')} inlines at most 120 KB`, bytes <= 120 * 1024, `${bytes} bytes, ${uses} uses`]);
    }

    // ecr-login with one and with five registries (credential helper: no docker call).
    const others = ['333333333333', '444444444444', '555555555555', '666666666666'];
    for (const a of others) rig.aws.allowEcr({ account: a, principalArn: ROLE });
    writeFileSync(bashEnv, '');
    await timeOnce('bash', [join(SCRIPTS, 'assume-role-with-oidc.sh')], stepEnv);
    const keys = Object.fromEntries([...readFileSync(bashEnv, 'utf8').matchAll(/^export (AWS_\w+)='([^']*)'$/gm)].map((x) => [x[1], x[2]]));
    const ecrEnv = (ids: string[]) => ({ ...base, ...keys, BASH_ENV: join(work, 'ecr_env'), AWS_OIDC_RESULTS_DIR: join(work, 'results'), ORB_PARAM_ACCOUNT_ID: ids.join(','), ORB_PARAM_REGION: REGION });
    const e = await measure({
      one: () => timeOnce('bash', [join(SCRIPTS, 'ecr-login.sh')], ecrEnv([ACCOUNT])),
      five: () => timeOnce('bash', [join(SCRIPTS, 'ecr-login.sh')], ecrEnv([ACCOUNT, ...others])),
    });
    rows.push({ what: 'ecr-login, 1 registry', ms: e.one, note: 'credential helper registered; GetCallerIdentity + one GetAuthorizationToken' },
      { what: 'ecr-login, 5 registries', ms: e.five, note: `${(e.five! / e.one!).toFixed(2)}x the time of one` });
    checks.push(['ecr-login with five registries at most 1.3x one', e.five! / e.one! <= 1.3, `${(e.five! / e.one!).toFixed(2)}x`]);

    // build-and-push re-run with every tag present: needs the engine and a registry.
    try {
      const registries = await startRegistries(rig.aws, [ACCOUNT]);
      try {
        await benchRerun(rig, work, base, keys, rows, checks);
      } finally {
        await Promise.all([...registries.values()].map((r) => r.close()));
      }
    } catch (err) {
      rows.push({ what: 'build-and-push re-run', value: 'not measured', note: (err as Error).message.split('\n')[0] ?? '' });
      checks.push(['build-and-push re-run at most 1.5 s, no build', false, 'not measured']);
    }
  } finally {
    await rig.close();
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Machine: ${cpus().length} x ${cpu}, Node ${process.version}; ${RUNS} runs each, medians.\n`);
  console.log('| measurement | time | note |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.what} | ${r.ms !== undefined ? `${r.ms.toFixed(0)} ms` : r.value} | ${r.note} |`);
  console.log('\n| target | result | |\n|---|---|---|');
  for (const [what, ok, got] of checks) console.log(`| ${what} | ${got} | ${ok ? 'met' : 'MISSED'} |`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

/** Pushes one image once, then times build-and-push with skip-when-tags-exist against it. */
async function benchRerun(rig: Rig, work: string, base: Record<string, string>, keys: Record<string, string | undefined>, rows: Row[], checks: [string, boolean, string][]): Promise<void> {
  const ctx = join(work, 'ctx');
  execFileSync('mkdir', ['-p', ctx]);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY stamp /stamp\n');
  writeFileSync(join(ctx, 'stamp'), String(Date.now()));
  rig.aws.ensureRepository({ account: ACCOUNT, region: REGION, name: 'bench' });
  // Log in through the orb, then push once with build-and-push itself.
  const env = { ...base, ...keys, DOCKER_CONFIG: join(work, 'docker'), BASH_ENV: join(work, 'bp_env'), AWS_OIDC_RESULTS_DIR: join(work, 'results'), ORB_PARAM_REGION: REGION };
  await timeOnce('bash', [join(SCRIPTS, 'ecr-login.sh')], env);
  const helperPath = `${join(base.HOME ?? '', '.aws-oidc', 'bin')}:${base.PATH ?? ''}`;
  const calls = join(work, 'docker-calls');
  writeFileSync(join(work, 'bin', 'docker'), `#!/bin/bash\necho "$1" >> "${calls}"\nexec /usr/bin/docker "$@"\n`, { mode: 0o755 });
  const bp = { ...env, PATH: `${join(work, 'bin')}:${helperPath}`, DOCKER_BUILDKIT: '0', ORB_PARAM_REPO: 'bench', ORB_PARAM_TAG: 'v1,latest', ORB_PARAM_SKIP_WHEN_TAGS_EXIST: 'true' };
  const cwd = process.cwd();
  process.chdir(ctx);
  try {
    await timeOnce('bash', [join(SCRIPTS, 'build-and-push.sh')], bp);
    writeFileSync(calls, '');
    const r = await measure({ rerun: () => timeOnce('bash', [join(SCRIPTS, 'build-and-push.sh')], bp) }, Math.min(RUNS, 7));
    const dockerCalls = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
    const builds = dockerCalls.filter((c) => c === 'build' || c === 'buildx').length;
    rows.push({ what: 'build-and-push re-run, all tags present', ms: r.rerun, note: `docker calls during the re-runs: ${dockerCalls.length} (builds: ${builds})` });
    checks.push(['build-and-push re-run at most 1.5 s, no build', r.rerun! <= 1500 && builds === 0, `${r.rerun!.toFixed(0)} ms, ${builds} builds`]);
  } finally {
    process.chdir(cwd);
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exitCode = 1;
});
