// Entry point of the assume-role-with-oidc orb command, and of its profiles' credential_process.
import { main, resultWriter } from '../lib/main.ts';
import { bashEnvWriter } from '../lib/sh-steps.ts';
import { writeProfile } from '../lib/aws/files.ts';
import { stepLaunch } from '../lib/launch.ts';
import { Log } from '../lib/log.ts';
import { runProgram } from '../lib/oidc-token.ts';
import { createSts, retryingSts, type SessionCredentials, type StsPort } from '../lib/aws/sts.ts';
import { httpTimeoutMs } from '../lib/aws/http-handler.ts';
import { realRetryDeps } from '../lib/retry.ts';
import { sayingUnanswered } from '../lib/aws/unanswered.ts';
import { stepParams, type Env } from '../lib/params.ts';
import { parseParams, type AssumeRoleParams } from '../commands/assume-role-with-oidc/params.ts';
import { assumeAll, run } from '../commands/assume-role-with-oidc/run.ts';
import { credentialProcess, credentialProcessLine, refreshDeadline, refreshPaths, saveRefreshState } from '../commands/assume-role-with-oidc/refresh.ts';

/** Writes the profile: session keys, or with self-refresh a credential_process that runs this runtime again. */
function profileWriter(env: Env) {
  return (p: AssumeRoleParams, creds: SessionCredentials) => {
    if (!p.selfRefresh) return writeProfile(env, p.profileName, creds, p.region);
    const launch = stepLaunch(env, 'self-refresh');
    const paths = refreshPaths(env, p.profileName);
    saveRefreshState(env, paths, p, creds);
    return writeProfile(env, p.profileName, { credentialProcess: credentialProcessLine(launch, paths.config) }, p.region);
  };
}

/** The STS port for these parameters: endpoint and proxy from the environment, and retries. */
function stsFor(p: AssumeRoleParams, env: Env, log: Log): StsPort {
  return sayingUnanswered(retryingSts(createSts(p.region, p.stsEndpoint, env), p.retry, realRetryDeps((line) => log.info(line))),
    { env, endpointSettings: 'region, sts-endpoint, AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL' });
}

const [mode, configPath] = process.argv.slice(2);
if (mode === '--credential-process' && configPath) {
  // stdout carries only the credentials JSON (secret by design, for the AWS SDK or CLI); notes and failures
  // go to stderr through the process's one Log.
  main('credential-process', async (env, log) => {
    const json = await credentialProcess(configPath, {
      env, now: () => Date.now(), runProgram, note: (line) => log.info(line),
      sts: (p) => stsFor(p, env, log),
      assume: (p, token, sts) => assumeAll(p, token, sts, log),
      // A hung call, child or socket must not keep the AWS CLI waiting: exit whatever is still pending.
      deadline: (p) => {
        const { ms, line } = refreshDeadline(p, httpTimeoutMs(env));
        setTimeout(() => { process.stderr.write(`aws-oidc/credential-process: ${line}\n`); process.exit(1); }, ms).unref();
      },
    });
    process.stdout.write(json + '\n');
  }, 'stderr');
} else {
  main('assume-role-with-oidc', async (env, log) => {
    const params = parseParams(stepParams(env), env);
    await run(params, {
      env, log, runProgram, now: () => Date.now(),
      sts: stsFor(params, env, log),
      writeExports: bashEnvWriter(env, log),
      writeProfile: profileWriter(env),
      writeResult: resultWriter(env),
    });
  });
}
