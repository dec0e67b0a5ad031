// The whole stand-in for CircleCI + AWS that e2e tests and the demo use: OIDC issuer, local STS,
// the packed orb, and the job runner; it scans every step's output for the secrets it issued.
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ADVANCE_CLOCK_SCRIPT, RigClock } from './clock.ts';
import { OidcIssuer } from './oidc/issuer.ts';
import { trustPolicy as generateTrustPolicy } from '../../src/commands/trust-policy/generate.ts';
import { LocalAws } from './aws/index.ts';
import { expandJob, expandWorkflow, loadConfig, runJob, SHIM_DIR, type ExpandedJob, type JobIdentity, type JobResult, type RunOptions } from './runner/index.ts';

export const ORG_ID = 'b9c3e0a2-4f1d-4c4e-9a57-0c3f5e2d1a10';
export const PROJECT_ID = '5d2a7c1e-8b3f-4e6a-9c0d-7f1e2b3a4c5d';
export const USER_ID = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b';
export const ACCOUNT = '111111111111';
export const PROD_ACCOUNT = '222222222222';
export const REGION = 'ap-northeast-1';
export const EXTERNAL_ID = 'acme-partner-4242';

const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/**
 * The first line of the rig's tool wrappers: bash without $BASH_ENV. The tools they stand in front of are
 * binaries that never read it; a bash script would source the job's $BASH_ENV again and could undo what the
 * calling process set in its environment (an `unset` there, say).
 */
const WRAPPER_SHEBANG = '#!/usr/bin/env -S -u BASH_ENV bash';

/**
 * The bash line that appends one JSON line ({tool, argv, time (epoch ms), job (CIRCLE_WORKFLOW_JOB_ID)}) per call
 * of \`tool\` to the rig's log. Its stdin is /dev/null, so the call's stdin (e.g. a password for
 * \`docker login --password-stdin\`) goes to the tool untouched and is never logged.
 */
function logCall(tool: string, logPath: string): string {
  const logger = `require("fs").appendFileSync(process.argv[1], JSON.stringify({ tool: ${JSON.stringify(tool)}, argv: process.argv.slice(2), time: Date.now(), job: process.env.CIRCLE_WORKFLOW_JOB_ID || "" }) + "\\n")`;
  return `${q(process.execPath)} -e ${q(logger)} -- ${q(logPath)} "$@" </dev/null`;
}

const awsCliWrapper = (logPath: string, awsCli: string): string => `${WRAPPER_SHEBANG}
${logCall('aws', logPath)}
var="AWS_ENDPOINT_URL_$(printf %s "\${1:-}" | tr 'a-z-' 'A-Z_')"
if [ -n "\${!var:-}" ]; then exec ${q(awsCli)} "$@" --endpoint-url "\${!var}"; fi
exec ${q(awsCli)} "$@"
`;

/**
 * The job's \`docker\`: logs the call (see logCall), then execs, with the same argv, the docker the job would have run
 * without this wrapper: the next one on the job's PATH (here /usr/local/bin's CLI 28 comes before Debian's 20.10, and the two
 * report a failing credential helper differently), else /usr/bin/docker.
 */
function dockerWrapper(toolsDir: string, logPath: string): string {
  return [
    WRAPPER_SHEBANG,
    logCall('docker', logPath),
    'IFS=: read -ra rig_dirs <<< "$PATH"',
    `for d in "\${rig_dirs[@]}"; do [ "$d" != ${q(toolsDir)} ] && [ -f "$d/docker" ] && [ -x "$d/docker" ] && exec "$d/docker" "$@"; done`,
    'exec /usr/bin/docker "$@"',
    '',
  ].join('\n');
}

/** The job's \`circleci\`: logs the call, then execs the runner's shim. */
const circleciWrapper = (logPath: string): string => `${WRAPPER_SHEBANG}\n${logCall('circleci', logPath)}\nexec ${q(join(SHIM_DIR, 'circleci'))} "$@"\n`;

/** One call of a tool (docker, aws, circleci) by a job step, as the rig's wrappers logged it. */
export interface ToolCall {
  tool: 'docker' | 'aws' | 'circleci';
  argv: string[];
  /** Epoch ms on the job's clock. */
  time: number;
  /** CIRCLE_WORKFLOW_JOB_ID of the job that made the call (JobResult.env has it). */
  job: string;
}

/** One call of \`docker\` by a job step, as the rig's wrapper logged it. */
export interface DockerCall {
  argv: string[];
  /** Epoch ms on the job's clock. */
  time: number;
  /** CIRCLE_WORKFLOW_JOB_ID of the job that made the call (JobResult.env has it). */
  job: string;
}

/** The path of the packed orb that `npm run pack` writes. */
export const PACKED_ORB = resolve('dist/orb.yml');

/** Options for one job run in the rig. */
export interface RigRunOptions {
  branch?: string; env?: Record<string, string>; identity?: Partial<JobIdentity>; noEndpointEnv?: boolean;
  /**
   * Every process of the job runs on the rig clock (libfaketime preloaded; fails when it is not
   * installed), and `rig-advance-clock <seconds>` lets time pass inside a step. The clock is set
   * back to the machine's when the job ends.
   */
  fakeClock?: boolean;
  /** A directory the job's `checkout` copies (e.g. a project with a Dockerfile); default an empty repository. */
  checkoutSource?: string;
  /** The commit (CIRCLE_SHA1), so that several jobs can stand for one pipeline; default a random one. */
  sha?: string;
  /** The workflow's workspace: persist_to_workspace writes into it, attach_workspace reads it (jobs of one pipeline share it). */
  workspaceDir?: string;
  /** What the job's setup_remote_docker steps set (a RemoteDocker's `env`); default: those steps only log. */
  remoteDocker?: Record<string, string>;
  /** The image's shell for steps that name none (RunOptions.defaultShell): a POSIX sh models an image without bash. */
  defaultShell?: string;
  /**
   * The docker CLI the job's `docker` runs (an executor with another docker version, e.g. Debian's 20.10 with its
   * own BuildKit client); default the next docker on the host's PATH. It goes on the job's PATH right after the rig's tools.
   */
  dockerCli?: string;
  /** Called as each step ends or is skipped (RunOptions.onStepEnd). */
  onStepEnd?: RunOptions['onStepEnd'];
  /**
   * TMPDIR for the job: its own tmp directory (removed with the rig), so what its steps and tools put in a temp
   * directory (mktemp, Node's os.tmpdir()) goes with it. CircleCI sets none; default: none either.
   */
  privateTmp?: boolean;
}

/** Options of Rig.start. */
export interface RigStartOptions {
  /** Install the scenarios' roles (staging-deploy, deploy, production-deploy, cfn-deploy, untagged-deploy); default true. */
  scenarioRoles?: boolean;
  /** The AWS CLI the jobs' `aws` runs; default Debian's, /usr/bin/aws. */
  awsCli?: string;
}

/** A started rig. */
export class Rig {
  readonly outputs: string[] = [];
  private readonly toolsDir: string;
  private readonly dockerLog: string;
  /** Every temporary directory of the rig (its tools, its clock, each job's), removed by close(). */
  private readonly tempDirs: string[] = [];

  private constructor(readonly issuer: OidcIssuer, readonly aws: LocalAws, readonly orbText: string, readonly clock: RigClock, awsCli: string) {
    this.toolsDir = this.tempDir('rig-tools-');
    this.tempDirs.push(dirname(clock.file));
    writeFileSync(join(this.toolsDir, 'rig-advance-clock'), ADVANCE_CLOCK_SCRIPT, { mode: 0o755 });
    // Debian's AWS CLI v2, ahead of any other `aws` on the host PATH. Its version (2.9) predates the
    // AWS_ENDPOINT_URL_<SERVICE> settings (CLI 2.13), so this wrapper passes them as --endpoint-url.
    // Every docker, aws and circleci call of every job, so a test can tell what a job ran (and scan the argv for secrets).
    this.dockerLog = join(this.toolsDir, 'tool-calls.jsonl');
    writeFileSync(this.dockerLog, '', { mode: 0o600 });
    writeFileSync(join(this.toolsDir, 'aws'), awsCliWrapper(this.dockerLog, awsCli), { mode: 0o755 });
    writeFileSync(join(this.toolsDir, 'docker'), dockerWrapper(this.toolsDir, this.dockerLog), { mode: 0o755 });
    writeFileSync(join(this.toolsDir, 'circleci'), circleciWrapper(this.dockerLog), { mode: 0o755 });
  }

  /** Every docker call the jobs made through the rig's wrapper, oldest first; only those of `job` when given. */
  dockerCalls(job?: { env: Record<string, string> }): DockerCall[] {
    return this.toolCalls(job).filter((c) => c.tool === 'docker');
  }

  /** Every docker, aws and circleci call the jobs made through the rig's wrappers, oldest first; only those of `job` when given. */
  toolCalls(job?: { env: Record<string, string> }): ToolCall[] {
    const calls = readFileSync(this.dockerLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ToolCall);
    return job === undefined ? calls : calls.filter((c) => c.job === job.env.CIRCLE_WORKFLOW_JOB_ID);
  }

  /** A new temporary directory that close() removes. */
  private tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.tempDirs.push(dir);
    return dir;
  }

  /** Starts the issuer and the local AWS, and installs the provider and (unless told not to) the roles of the scenarios. */
  static async start(opts: RigStartOptions = {}): Promise<Rig> {
    if (!existsSync(PACKED_ORB)) throw new Error(`${PACKED_ORB} is missing: run "npm run pack" first`);
    // The issuer (iat/exp) and the local AWS (expiry and signing-time checks) share the rig clock.
    const clock = new RigClock();
    const now = (): number => clock.now();
    const issuer = await OidcIssuer.start({ orgId: ORG_ID, now });
    const aws = await LocalAws.start({ now });
    const rig = new Rig(issuer, aws, readFileSync(PACKED_ORB, 'utf8'), clock, opts.awsCli ?? '/usr/bin/aws');
    for (const account of [ACCOUNT, PROD_ACCOUNT]) aws.addOidcProvider({ account, url: issuer.url, clientIds: [ORG_ID] });
    if (opts.scenarioRoles === false) return rig;
    // The web-identity roles trust exactly what `aws-oidc trust-policy` generates for this org and project.
    aws.addRole({ account: ACCOUNT, name: 'staging-deploy', trustPolicy: rig.trustPolicy(ACCOUNT) });
    aws.addRole({ account: ACCOUNT, name: 'deploy', maxSessionDuration: 7200, trustPolicy: rig.trustPolicy(ACCOUNT) });
    aws.addRole({ account: PROD_ACCOUNT, name: 'production-deploy', trustPolicy: rig.trustPolicy(PROD_ACCOUNT, 'refs/heads/main') });
    // S4: a deploy role in the production account that only the OIDC role may assume, with an ExternalId.
    aws.addRole({ account: PROD_ACCOUNT, name: 'cfn-deploy', trustPolicy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/deploy` }, Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } } }],
    } });
    // The same without sts:TagSession: chained sessions with tags are refused, as AWS refuses them.
    aws.addRole({ account: PROD_ACCOUNT, name: 'untagged-deploy', trustPolicy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/deploy` }, Action: 'sts:AssumeRole' }],
    } });
    return rig;
  }

  /** The trust policy `aws-oidc trust-policy` generates for this org and project, pinned to `ref` when given. */
  trustPolicy(account: string, ref?: string): object {
    return generateTrustPolicy({ orgId: ORG_ID, projectId: PROJECT_ID, partition: 'aws', issuerUrl: this.issuer.url, accountId: account, ...(ref ? { ref } : {}) }).policy;
  }

  /** The job identity CircleCI would give a job of our project on `branch`. */
  identity(branch = 'main', patch: Partial<JobIdentity> = {}): JobIdentity {
    return { orgId: ORG_ID, projectId: PROJECT_ID, userId: USER_ID, vcsOrigin: 'github.com/acme/webapp', vcsRef: `refs/heads/${branch}`, ...patch };
  }

  /** The project/context variables that point the job at the local AWS (STS and ECR). */
  get projectEnv(): Record<string, string> {
    return { AWS_ENDPOINT_URL_STS: this.aws.url, AWS_ENDPOINT_URL_ECR: this.aws.url };
  }

  /** Loads `configText` with the packed orb, expands `job` and runs it as CircleCI would. */
  async run(configText: string, job = 'deploy', opts: RigRunOptions = {}): Promise<JobResult> {
    const cfg = loadConfig(configText, { orbs: { 'aws-oidc/aws-oidc@0.1.0': this.orbText } });
    return this.runExpanded(expandJob(cfg, job), opts);
  }

  /** Runs the job that workflow entry `name` (e.g. a job with parameters, or a matrix instance) stands for. */
  async runWorkflowJob(configText: string, workflow: string, name: string, opts: RigRunOptions = {}): Promise<JobResult> {
    const cfg = loadConfig(configText, { orbs: { 'aws-oidc/aws-oidc@0.1.0': this.orbText } });
    const entry = expandWorkflow(cfg, workflow).find((j) => j.name === name);
    if (!entry) throw new Error(`workflow ${workflow} has no job named ${name}`);
    return this.runExpanded(expandJob(cfg, entry.job, entry.params), opts);
  }

  /** Runs a job expanded elsewhere (e.g. from a config whose orbs the caller resolved), as run() does. */
  runJob(job: ExpandedJob, opts: RigRunOptions = {}): Promise<JobResult> {
    return this.runExpanded(job, opts);
  }

  private async runExpanded(job: ExpandedJob, opts: RigRunOptions): Promise<JobResult> {
    const workdir = this.tempDir('rig-job-');
    // The clock variables and TMPDIR go in the job's environment (not the masked project variables).
    const rigEnv = { ...(opts.fakeClock ? this.clock.jobEnv() : {}), ...(opts.privateTmp ? { TMPDIR: join(workdir, 'tmp') } : {}) };
    const expanded = { ...job, environment: { ...rigEnv, ...job.environment } };
    const branch = opts.branch ?? 'main';
    const cliDir = opts.dockerCli === undefined ? [] : [this.tempDir('rig-docker-cli-')];
    for (const d of cliDir) symlinkSync(opts.dockerCli ?? '', join(d, 'docker'));
    const runOpts: RunOptions = {
      identity: this.identity(branch, opts.identity), oidc: this.issuer, branch,
      // The rig's tools come first, even before the runner's circleci shim, which the rig's circleci wrapper runs.
      env: { ...(opts.noEndpointEnv ? {} : this.projectEnv), PATH: [this.toolsDir, SHIM_DIR, ...cliDir, process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(':'), ...opts.env },
      workdir,
      ...(opts.checkoutSource === undefined ? {} : { checkoutSource: opts.checkoutSource }),
      ...(opts.sha === undefined ? {} : { sha: opts.sha }),
      ...(opts.workspaceDir === undefined ? {} : { workspaceDir: opts.workspaceDir }),
      ...(opts.remoteDocker === undefined ? {} : { remoteDocker: opts.remoteDocker }),
      ...(opts.defaultShell === undefined ? {} : { defaultShell: opts.defaultShell }),
      ...(opts.onStepEnd === undefined ? {} : { onStepEnd: opts.onStepEnd }),
    };
    let result: JobResult;
    try {
      result = await runJob(expanded, runOpts);
    } finally {
      if (opts.fakeClock) this.clock.set(0);
    }
    for (const s of result.steps) this.outputs.push(s.output);
    this.scanJobFiles(workdir);
    return result;
  }

  /** Files a job left that hold an issued secret and are readable by others than their owner: "path mode". */
  readonly wideSecretFiles: string[] = [];

  /** Walks a finished job's directory (home, working directory, BASH_ENV) for secret files wider than 0600. */
  private scanJobFiles(dir: string): void {
    const secrets = [...this.aws.issuedSecrets, ...this.issuer.issuedTokens];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const path = join(d, name);
        const st = lstatSync(path);
        if (st.isDirectory()) walk(path);
        else if (st.isFile() && (st.mode & 0o077) !== 0 && st.size < 8 << 20) {
          const text = readFileSync(path, 'latin1');
          if (secrets.some((x) => text.includes(x))) this.wideSecretFiles.push(`${path.slice(dir.length)} ${(st.mode & 0o777).toString(8)}`);
        }
      }
    };
    walk(dir);
  }

  /** Every secret the rig issued that appears in any collected output or in the argv of any docker, aws or circleci call (must be empty). */
  leaks(): string[] {
    const secrets = [...this.aws.issuedSecrets, ...this.issuer.issuedTokens];
    const argv = JSON.stringify(this.toolCalls().map((c) => c.argv));
    return secrets.filter((s) => argv.includes(s) || this.outputs.some((o) => o.includes(s)));
  }

  /** Stops the issuer and the local AWS, and removes the rig's temporary directories (each job's home and files too). */
  async close(): Promise<void> {
    await Promise.all([this.issuer.close(), this.aws.close()]);
    for (const dir of this.tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
