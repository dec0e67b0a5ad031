// The CircleCI job runner of the test rig: load a config, expand jobs and workflows, run a job.
export { ConfigError } from './types.ts';
export type {
  ExpandedJob,
  ExpandedStep,
  JobIdentity,
  JobResult,
  OidcMinter,
  PipelineValues,
  RunOptions,
  StepKind,
  StepResult,
} from './types.ts';
export { loadConfig, defaultPipelineValues } from './config.ts';
export type { LoadedConfig, LoadOptions } from './config.ts';
export { expandJob } from './jobs.ts';
export { expandWorkflow } from './workflows.ts';
export type { WorkflowJob } from './workflows.ts';
export { runJob, SHIM_DIR } from './run.ts';
export { MASK } from './env.ts';
export { endRunningSteps } from './process.ts';
