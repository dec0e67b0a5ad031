// Entry point of the ecr-login orb command, and of docker-credential-aws-oidc (--credential-helper).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, processLog, resultWriter } from '../lib/main.ts';
import { bashEnvWriter } from '../lib/sh-steps.ts';
import { OrbError } from '../lib/errors.ts';
import { Log } from '../lib/log.ts';
import { stepLaunch } from '../lib/launch.ts';
import { realRetryDeps, withRetry, type RetryPolicy } from '../lib/retry.ts';
import { stepParams, type Env } from '../lib/params.ts';
import { resolveKeys } from '../lib/aws/credentials.ts';
import { profileSetting } from '../lib/aws/files.ts';
import { createSts } from '../lib/aws/sts.ts';
import type { AwsKeys } from '../lib/aws/clients.ts';
import { getAuthorizationTokens, getPublicAuthorizationToken, type RegistryLogin } from '../lib/aws/ecr.ts';
import { parseParams } from '../commands/ecr-login/params.ts';
import { run } from '../commands/ecr-login/run.ts';
import { mergeAuths, readDockerConfig, readLoginRecords, readRegistryMap, registerHelper, saveLoginRecords, saveRegistryEntries } from '../commands/ecr-login/docker-config.ts';
import { helperAnswer, installHelperProgram } from '../commands/ecr-login/helper.ts';

/** The signed calls, each retried by the policy. */
function awsCalls(env: Env, policy: RetryPolicy, log: (line: string) => void) {
  const deps = realRetryDeps(log);
  return {
    callerIdentity: (keys: AwsKeys, region: string) =>
      withRetry('GetCallerIdentity', policy, deps, () => createSts(region, '', env).getCallerIdentity(keys)),
    getTokens: (keys: AwsKeys, region: string, ids: readonly string[]) =>
      withRetry('GetAuthorizationToken', policy, deps, () => getAuthorizationTokens(keys, region, ids, env)),
    getPublicToken: (keys: AwsKeys) =>
      withRetry('GetAuthorizationToken (ECR Public)', policy, deps, () => getPublicAuthorizationToken(keys, env)),
  };
}

/** `docker login --username AWS --password-stdin <endpoint>` into its own config dir; resolves with its auths entry. */
function dockerLoginOne(env: Env, l: RegistryLogin, log: Log): Promise<[string, unknown]> {
  const dir = mkdtempSync(join(tmpdir(), 'aws-oidc-login-'));
  return new Promise<[string, unknown]>((resolve, reject) => {
    const child = spawn('docker', ['login', '--username', l.username, '--password-stdin', l.proxyEndpoint], {
      // docker looks for the TLS client certificates of a remote engine in DOCKER_CONFIG when DOCKER_CERT_PATH
      // is unset: keep them where they were, since DOCKER_CONFIG is a scratch directory here.
      env: { ...env, DOCKER_CONFIG: dir, ...(env.DOCKER_TLS_VERIFY && !env.DOCKER_CERT_PATH ? { DOCKER_CERT_PATH: env.DOCKER_CONFIG || `${env.HOME || '.'}/.docker` } : {}) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    child.on('error', (err) => reject(new OrbError(`could not run docker for ${l.host}: ${err.message}`, 'use an executor with the docker CLI, or setup_remote_docker')));
    child.on('close', (code) => {
      if (code !== 0) {
        const said = log.redact(out.trim().split('\n').filter((x) => !/^WARNING|credential-store|Configure a credential helper|^$/.test(x)).slice(-2).join(' / '));
        reject(new OrbError(`docker login to ${l.host} failed: ${said}`, 'check that the docker engine is running and can reach the registry'));
        return;
      }
      const auths = (readDockerConfig(dir).auths ?? {}) as Record<string, unknown>;
      const entry = auths[l.host] ?? auths[l.proxyEndpoint] ?? Object.values(auths)[0];
      if (!entry) reject(new OrbError(`docker login to ${l.host} stored no login`, 'docker is configured with a credsStore; use credential-helper: true'));
      else resolve([l.host, entry]);
    });
    child.stdin.end(l.password);
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const [mode, action] = process.argv.slice(2);
if (mode === '--credential-helper') {
  // docker reads the answer (or the refusal, redacted by the helper) on stdout; retry notes go to stderr.
  const env: Env = { ...process.env };
  const log = processLog(env, 'stderr');
  const calls = awsCalls(env, { maxAttempts: 3, totalSeconds: 20 }, (line) => log.info(line));
  const deps = { env, log, registries: () => readRegistryMap(env), resolveKeys: (profile: string) => resolveKeys(profile, env), ...calls };
  void helperAnswer(action, () => readFileSync(0, 'utf8'), deps).then(({ code, stdout }) => {
    process.stdout.write(stdout);
    process.exitCode = code;
  });
} else {
  main('ecr-login', async (env, log) => {
    const p = parseParams(stepParams(env), env, (profile) => profileSetting(env, profile, 'region'));
    const calls = awsCalls(env, p.retry, (line) => log.info(line));
    await run(p, {
      env, log, now: () => Date.now(),
      resolveKeys: (profile) => resolveKeys(profile, env, p.region),
      ...calls,
      useHelper: (entries) => {
        const helperDir = installHelperProgram(env, stepLaunch(env, 'the credential helper'));
        const changed = saveRegistryEntries(env, entries);
        registerHelper(env, p.dockerConfig, entries.map((e) => e.host));
        return { changed, helperDir };
      },
      dockerLogin: async (logins) => {
        // Each login writes its own config dir, so parallel logins cannot lose each other's update.
        const entries = await Promise.all(logins.map((l) => dockerLoginOne(env, l, log)));
        mergeAuths(env, p.dockerConfig, Object.fromEntries(entries));
      },
      plainLoginHosts: () => new Set(Object.keys((readDockerConfig(p.dockerConfig).auths ?? {}) as object)),
      loginRecords: () => readLoginRecords(env),
      saveLoginRecords: (records) => saveLoginRecords(env, records),
      writeExports: bashEnvWriter(env, log),
      writeResult: resultWriter(env),
    }, { endpoint: p.publicRegistry ? 'the ECR Public API (us-east-1)' : `the ECR API of ${p.region}` });
  });
}
