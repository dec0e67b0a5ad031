// The base environment of a job (CircleCI's built-in variables) and log masking of secrets.
// https://circleci.com/docs/reference/variables/#built-in-environment-variables
import { randomBytes, randomUUID } from 'node:crypto';
import type { ExpandedJob, JobIdentity, RunOptions } from './types.ts';

/** Where the job's files live, and the tokens minted at job start. */
export interface EnvInputs {
  home: string;
  bashEnvPath: string;
  shimDir: string;
  tokens?: { v1: string; v2: string };
}

// What a Linux image's PATH holds when the host's PATH is not passed through.
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEFAULT_INHERIT = ['PATH', 'LANG', 'DOCKER_HOST'];

/** Splits 'github.com/acme/app' into host, org and repo. */
export function splitOrigin(origin: string): { host: string; org: string; repo: string } {
  const parts = origin.replace(/^https?:\/\//, '').replace(/\.git$/, '').split('/');
  return { host: parts[0] ?? '', org: parts.slice(1, -1).join('/'), repo: parts[parts.length - 1] ?? '' };
}

/** Branch or tag from a ref like refs/heads/main or refs/tags/v1. */
export function refParts(ref: string): { branch?: string; tag?: string } {
  if (ref.startsWith('refs/heads/')) return { branch: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { tag: ref.slice('refs/tags/'.length) };
  return { branch: ref };
}

/** The rig-only variables through which the circleci shim reaches the OIDC minter. */
export function shimEnv(identity: JobIdentity, mintUrl: string): Record<string, string> {
  return {
    CIRCLE_RIG_OIDC_MINT_URL: mintUrl,
    CIRCLE_RIG_OIDC_JOB: Buffer.from(JSON.stringify(identity)).toString('base64'),
  };
}

/**
 * The environment every step starts from: built-in CircleCI variables, then the inherited host
 * variables, then project/context variables (which CircleCI lets override built-ins).
 */
export function baseEnv(job: ExpandedJob, opts: RunOptions, io: EnvInputs): Record<string, string> {
  const { host, org, repo } = splitOrigin(opts.identity.vcsOrigin);
  const ref = refParts(opts.identity.vcsRef);
  const branch = opts.branch ?? ref.branch;
  const buildNum = opts.buildNum ?? 1;
  const workflowId = opts.workflowId ?? randomUUID();
  const vcs = host === 'github.com' ? 'gh' : host === 'bitbucket.org' ? 'bb' : host;
  const env: Record<string, string> = {
    CI: 'true',
    CIRCLECI: 'true',
    CIRCLE_SHA1: opts.sha ?? randomBytes(20).toString('hex'),
    CIRCLE_BUILD_NUM: String(buildNum),
    CIRCLE_BUILD_URL: `https://app.circleci.com/pipelines/${vcs}/${org}/${repo}/${opts.pipelineNumber ?? 1}/workflows/${workflowId}/jobs/${buildNum}`,
    CIRCLE_JOB: opts.jobName ?? job.name,
    CIRCLE_NODE_INDEX: '0',
    CIRCLE_NODE_TOTAL: String(job.parallelism),
    CIRCLE_ORGANIZATION_ID: opts.identity.orgId,
    CIRCLE_PROJECT_ID: opts.identity.projectId,
    CIRCLE_PROJECT_USERNAME: org,
    CIRCLE_PROJECT_REPONAME: repo,
    CIRCLE_REPOSITORY_URL: `git@${host}:${org}/${repo}.git`,
    CIRCLE_PIPELINE_ID: opts.pipelineId ?? randomUUID(),
    CIRCLE_WORKFLOW_ID: workflowId,
    CIRCLE_WORKFLOW_WORKSPACE_ID: workflowId,
    CIRCLE_WORKFLOW_JOB_ID: randomUUID(),
    // CircleCI passes the configured value as written, a leading ~ included.
    CIRCLE_WORKING_DIRECTORY: job.workingDirectory,
    CIRCLE_USERNAME: opts.username ?? 'rig-user',
    HOME: io.home,
    BASH_ENV: io.bashEnvPath,
  };
  if (branch !== undefined) env.CIRCLE_BRANCH = branch;
  if (ref.tag !== undefined) env.CIRCLE_TAG = ref.tag;
  if (io.tokens) {
    env.CIRCLE_OIDC_TOKEN = io.tokens.v1;
    env.CIRCLE_OIDC_TOKEN_V2 = io.tokens.v2;
  }
  if (opts.oidc) Object.assign(env, shimEnv(opts.identity, opts.oidc.mintUrl));
  for (const name of opts.inheritEnv ?? DEFAULT_INHERIT) {
    const v = process.env[name];
    if (v !== undefined && name !== 'PATH') env[name] = v;
  }
  const inheritsPath = (opts.inheritEnv ?? DEFAULT_INHERIT).includes('PATH') && process.env.PATH;
  env.PATH = [io.shimDir, ...(opts.extraPath ?? []), inheritsPath ? process.env.PATH : SYSTEM_PATH].join(':');
  Object.assign(env, opts.env ?? {});
  return env;
}

// CircleCI does not mask values shorter than 4 characters, nor these.
const NOT_MASKED = new Set(['true', 'True', 'false', 'False']);
/** The replacement CircleCI shows for a masked value. */
export const MASK = '********';

/** Returns a function that masks the project/context values in a piece of output. */
export function masker(secrets: Record<string, string> = {}): (s: string) => string {
  const values = [...new Set(Object.values(secrets))]
    .filter((v) => v.length >= 4 && !NOT_MASKED.has(v))
    .sort((a, b) => b.length - a.length);
  return (s) => values.reduce((acc, v) => acc.split(v).join(MASK), s);
}
