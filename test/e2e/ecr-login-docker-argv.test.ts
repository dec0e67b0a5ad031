// ecr-login's plain logins through a recording fake `docker` (first on PATH): every argv and every
// stdin it got is kept, so the test can show that each password went in on stdin and never on argv.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumerConfig } from '../harness/consumer-config.ts';
import { ACCOUNT, PROD_ACCOUNT, REGION } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();

/** Records argv (NUL-separated) and stdin per call; `login` stores what docker would, in $DOCKER_CONFIG. */
const FAKE_DOCKER = `#!/bin/bash
set -eu
n="$(date +%s%N).$$"
printf '%s\\0' "$@" > "$FAKE_DOCKER_LOG/argv.$n"
[ "\${1:-}" = login ] || exit 0
pw="$(cat)"; printf %s "$pw" > "$FAKE_DOCKER_LOG/stdin.$n"
start=$(date +%s%N); sleep 0.4; echo "$start $(date +%s%N)" > "$FAKE_DOCKER_LOG/span.$n"
user=""; prev=""; for a in "$@"; do [ "$prev" = --username ] && user="$a"; prev="$a"; done
server="\${@: -1}"; host="\${server#*://}"
mkdir -p "$DOCKER_CONFIG"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$host" "$(printf '%s:%s' "$user" "$pw" | base64 -w0)" > "$DOCKER_CONFIG/config.json"
echo "Login Succeeded"
`;

describe('ecr-login with a recording docker', () => {
  it('sends each password on stdin only, logs in to two registries in parallel, and merges both logins', async () => {
    rig.aws.allowEcr({ account: PROD_ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:role/deploy` });
    const bin = mkdtempSync(join(tmpdir(), 'fake-docker-'));
    const log = mkdtempSync(join(tmpdir(), 'fake-docker-log-'));
    writeFileSync(join(bin, 'docker'), FAKE_DOCKER, { mode: 0o755 });
    const before = rig.aws.ecrPasswords.length;
    const r = await rig.run(consumerConfig(rig.orbText, [
      { name: 'Fake docker first on PATH', run: `echo 'export PATH=${bin}:$PATH' >> "$BASH_ENV"` },
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION } },
      { orb: 'ecr-login', params: { 'credential-helper': false, 'account-id': `${ACCOUNT},${PROD_ACCOUNT}` } },
      { name: 'Exports', run: `echo "$AWS_ECR_REGISTRY $AWS_ECR_REGISTRY_${ACCOUNT} $AWS_ECR_REGISTRY_${PROD_ACCOUNT}"` },
    ]), 'deploy', { env: { FAKE_DOCKER_LOG: log } });
    expect(r.success, r.steps.map((s) => s.output).join('\n')).toBe(true);

    const passwords = rig.aws.ecrPasswords.slice(before).map((p) => p.password);
    expect(passwords).toHaveLength(2); // one GetAuthorizationToken call, two registries
    const files = readdirSync(log);
    const argvs = files.filter((f) => f.startsWith('argv.')).map((f) => readFileSync(join(log, f), 'utf8').split('\0').filter(Boolean));
    const stdins = files.filter((f) => f.startsWith('stdin.')).map((f) => readFileSync(join(log, f), 'utf8'));
    const hosts = [`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`, `${PROD_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`];
    expect(argvs.map((a) => a.join(' ')).sort()).toEqual(hosts.map((h) => `login --username AWS --password-stdin https://${h}`));
    expect(stdins.sort()).toEqual([...passwords].sort());
    for (const a of argvs) for (const p of passwords) expect(a.some((arg) => arg.includes(p.slice(0, 40)))).toBe(false);
    // Both parallel logins landed in the job's docker config, each with its own password.
    const cfg = JSON.parse(readFileSync(`${r.home}/.docker/config.json`, 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Object.keys(cfg.auths).sort()).toEqual(hosts);
    expect(Object.values(cfg.auths).map((a) => Buffer.from(a.auth, 'base64').toString().replace(/^AWS:/, '')).sort()).toEqual([...passwords].sort());
    // The two logins ran at the same time: their spans overlap.
    const spans = files.filter((f) => f.startsWith('span.')).map((f) => readFileSync(join(log, f), 'utf8').trim().split(' ').map(BigInt));
    expect(spans).toHaveLength(2);
    const [[s1, e1], [s2, e2]] = spans as [[bigint, bigint], [bigint, bigint]];
    expect(s1 < e2 && s2 < e1).toBe(true);
    expect(r.steps.at(-1)?.output.trim()).toBe(`${hosts[0]} ${hosts[0]} ${hosts[1]}`);
  });
});
