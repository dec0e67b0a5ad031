// What every section of the bench shares: one rig, one work directory, the job variables both runtimes get,
// and the two runtimes (the new one built from this checkout, and release 0.1.0 built from git).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT, type Rig } from '../harness/rig.ts';
import type { Results } from './report.ts';

export const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;

/** One runtime's generated step scripts, and its own HOME and files (so neither runtime reads the other's). */
export interface Runtime { label: string; scripts: string; home: string; dir: string }

export interface Ctx {
  rig: Rig;
  work: string;
  /** On PATH first: the seed's `aws` wrapper, and later the counting `docker` shim. */
  bin: string;
  /** The variables every command gets (each runtime adds its HOME and files). */
  common: Record<string, string>;
  token: string;
  now: Runtime;
  ref: Runtime;
  runs: number;
  results: Results;
}

export const script = (rt: Runtime, command: string): string => join(rt.scripts, `${command}.sh`);

/** The seed's script (seed 001), unchanged: the AWS CLI and jq, writing a file the job then sources. */
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

/** The seed path as a job runs it: the script, then `source` of the file it wrote. */
export const seedCommand = (work: string): string[] =>
  ['-c', `"${work}/seed.sh" "${ROLE}" bench "$TOKEN" >/dev/null && source "${work}/use-temporary-aws-access-key.sh"`];

/** One unsigned AssumeRoleWithWebIdentity over plain node:http, in a fresh node: node start + the round trip. */
export const ROUND_TRIP_JS = `
const u = new URL(process.env.AWS_ENDPOINT_URL_STS);
const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: process.env.ROLE, RoleSessionName: 'bench', WebIdentityToken: process.env.TOKEN }).toString();
const req = require('http').request(u, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
  res.resume(); res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1));
});
req.end(body);
`;

/** Debian's AWS CLI version, for the seed row's note. */
export function awsCliVersion(): string {
  return execFileSync('/usr/bin/aws', ['--version'], { encoding: 'utf8' }).split(' ')[0]?.replace('aws-cli/', '') ?? 'unknown';
}

function runtime(work: string, label: string, scripts: string): Runtime {
  const dir = join(work, `runtime-${label}`);
  mkdirSync(join(dir, 'home'), { recursive: true });
  return { label, scripts, home: join(dir, 'home'), dir };
}

/** Writes the seed's files and both runtimes' directories into `work`; mints the job's token. */
export async function makeContext(rig: Rig, work: string, scripts: { now: string; ref: string; refLabel: string }, runs: number, results: Results): Promise<Ctx> {
  const bin = join(work, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'aws'), AWS_WRAPPER, { mode: 0o755 });
  writeFileSync(join(work, 'seed.sh'), SEED_SCRIPT, { mode: 0o755 });
  const token = await rig.issuer.mint(rig.identity('main'), { ttlSeconds: 3600 });
  const common = {
    PATH: `${bin}:${process.env.PATH ?? ''}`, AWS_ENDPOINT_URL_STS: rig.aws.url, AWS_ENDPOINT_URL_ECR: rig.aws.url,
    CIRCLE_PROJECT_REPONAME: 'webapp', CIRCLE_BUILD_NUM: '1', CIRCLE_SHA1: 'a'.repeat(40), AWS_PAGER: '',
    // Every CircleCI step has it; the new runtime keys its code cache by the job (tools/loader.ts).
    CIRCLE_WORKFLOW_JOB_ID: randomUUID(),
    HOME: join(work, 'home'),
  };
  return {
    rig, work, bin, common, token, runs, results,
    now: runtime(work, 'new', scripts.now), ref: runtime(work, scripts.refLabel, scripts.ref),
  };
}
