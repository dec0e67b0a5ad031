// The runner's public shapes: what a loaded config, an expanded job and a job run look like.

/** Who a job runs as: feeds the OIDC claims and the CIRCLE_* project variables. */
export interface JobIdentity {
  orgId: string;
  projectId: string;
  userId: string;
  /** e.g. github.com/acme/app */
  vcsOrigin: string;
  /** e.g. refs/heads/main or refs/tags/v1.2.3 */
  vcsRef: string;
  contextIds?: string[];
}

/** The rig's OIDC issuer as the runner sees it (implemented elsewhere in the rig). */
export interface OidcMinter {
  mint(job: JobIdentity, opts?: { version?: 1 | 2; audience?: string }): Promise<string>;
  /** POST JSON {job, version?, audience?} -> {"token": "..."} */
  readonly mintUrl: string;
}

/** The step kinds that remain once commands, when/unless and steps parameters are expanded. */
export type StepKind =
  | 'run'
  | 'checkout'
  | 'setup_remote_docker'
  | 'persist_to_workspace'
  | 'attach_workspace'
  | 'save_cache'
  | 'restore_cache'
  | 'store_artifacts'
  | 'store_test_results'
  | 'add_ssh_keys';

/** One primitive step of an expanded job. */
export interface ExpandedStep {
  kind: StepKind;
  name?: string;
  command?: string;
  shell?: string;
  environment?: Record<string, string>;
  background?: boolean;
  when?: 'on_success' | 'on_fail' | 'always';
  workingDirectory?: string;
  noOutputTimeout?: string;
  /** The step's other keys, for the non-run kinds. */
  raw?: Record<string, unknown>;
}

/** A job after expansion: what CircleCI's compiler hands the agent. */
export interface ExpandedJob {
  name: string;
  executor: { type: 'docker' | 'machine' | 'macos'; image?: string; resourceClass?: string };
  environment: Record<string, string>;
  steps: ExpandedStep[];
  parallelism: number;
  /** As written in the config (CircleCI keeps a leading ~ unexpanded in CIRCLE_WORKING_DIRECTORY). */
  workingDirectory: string;
}

/** Pipeline values, keyed as they follow `pipeline.` in `<< pipeline.x >>`. */
export interface PipelineValues {
  id: string;
  number: number;
  'project.git_url': string;
  'project.type': string;
  'git.tag': string;
  'git.branch': string;
  'git.revision': string;
  'git.base_revision': string;
  trigger_source: string;
  'schedule.name': string;
  'schedule.id': string;
}

/** Every refusal CircleCI's config compiler would make, worded like CircleCI's messages. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** How runJob runs a job; see the README of the rig for defaults. */
export interface RunOptions {
  identity: JobIdentity;
  oidc?: OidcMinter;
  /** Project and context variables: masked in step output like CircleCI masks them. */
  env?: Record<string, string>;
  branch?: string;
  sha?: string;
  buildNum?: number;
  jobName?: string;
  workflowId?: string;
  pipelineId?: string;
  pipelineNumber?: number;
  /** CIRCLE_USERNAME (the VCS login of the user who triggered the pipeline); default 'rig-user'. */
  username?: string;
  workdir?: string;
  checkoutSource?: string;
  /** Shared directory behind persist_to_workspace / attach_workspace; absent: those steps only log. */
  workspaceDir?: string;
  /**
   * The variables setup_remote_docker sets for the job's later steps, as CircleCI sets them (DOCKER_HOST,
   * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) for the engine the rig stands up; absent: the step only logs.
   */
  remoteDocker?: Record<string, string>;
  extraPath?: string[];
  inheritEnv?: string[];
  /**
   * The shell of run steps whose step, job and executor name none: the image's, as CircleCI picks it
   * (`/bin/bash -eo pipefail` where the image has bash, else `/bin/sh -eo pipefail`). Default: bash when this
   * machine has it; a test of an image without bash sets a POSIX sh.
   */
  defaultShell?: string;
  onOutput?: (stepName: string, chunk: string) => void;
  /** Called once per step when it ends or is skipped (a background step: when the job ends), in the job's step order. */
  onStepEnd?: (result: StepResult, index: number) => void;
}

/** The outcome of one step. */
export interface StepResult {
  name: string;
  kind: StepKind;
  exitCode: number | null;
  /** stdout+stderr interleaved, after masking. */
  output: string;
  durationMs: number;
  skipped: boolean;
}

/** The outcome of one job. */
export interface JobResult {
  success: boolean;
  steps: StepResult[];
  bashEnvPath: string;
  home: string;
  workingDirectory: string;
  /** The base env every step got (before job and step environment). */
  env: Record<string, string>;
}
