// Job expansion: parameters, executor (docker/machine/macos/named), environment, steps.
import { ConfigError } from './types.ts';
import type { ExpandedJob, ExpandedStep } from './types.ts';
import type { LoadedConfig } from './config.ts';
import { topContext } from './config.ts';
import { ExecutorRef, StepsRef, interpolate, isPlainMap } from './interpolate.ts';
import { bindArgs, inFrame, parseDecls } from './params.ts';
import { mustResolve } from './scope.ts';
import type { Scope } from './scope.ts';
import { envMap, expandSteps } from './steps.ts';

interface ExecutorInfo {
  type: ExpandedJob['executor']['type'];
  image?: string;
  resourceClass?: string;
  environment: Record<string, string>;
  workingDirectory?: string;
  shell?: string;
}

const EXECUTOR_KEYS = ['docker', 'machine', 'macos', 'executor'] as const;

/** Reads the inline executor of an interpolated job or executor body (exactly one of the keys). */
function inlineExecutor(body: Record<string, unknown>, scope: Scope, cfg: LoadedConfig, what: string, depth: number): ExecutorInfo {
  const present = EXECUTOR_KEYS.filter((k) => body[k] !== undefined && body[k] !== null);
  if (present.length !== 1) {
    throw new ConfigError(`${what} must have exactly one of docker, machine, macos or executor (found ${present.length === 0 ? 'none' : present.join(', ')})`);
  }
  const info: ExecutorInfo = { type: 'docker', environment: {} };
  const kind = present[0]!;
  if (kind === 'executor') {
    if (depth > 0) throw new ConfigError(`${what}: an executor cannot use another executor`);
    Object.assign(info, namedExecutor(body.executor, scope, cfg));
  } else if (kind === 'docker') {
    const images = body.docker;
    if (!Array.isArray(images) || images.length === 0 || !isPlainMap(images[0]) || typeof images[0].image !== 'string') {
      throw new ConfigError(`${what}: docker must be a list of images, each with an image: key`);
    }
    info.image = images[0].image;
    // The primary container's environment reaches the steps, below executor and job environment.
    info.environment = envMap(images[0].environment, `${what} primary container`);
  } else if (kind === 'machine') {
    info.type = 'machine';
    if (isPlainMap(body.machine) && typeof body.machine.image === 'string') info.image = body.machine.image;
    else if (body.machine !== true) throw new ConfigError(`${what}: machine must be true or a map with an image`);
  } else {
    info.type = 'macos';
    if (!isPlainMap(body.macos) || body.macos.xcode === undefined) throw new ConfigError(`${what}: macos needs an xcode version`);
    info.image = `xcode:${String(body.macos.xcode)}`;
  }
  if (body.resource_class !== undefined) info.resourceClass = String(body.resource_class);
  Object.assign(info.environment, envMap(body.environment, what));
  if (body.working_directory !== undefined) info.workingDirectory = String(body.working_directory);
  if (body.shell !== undefined) info.shell = String(body.shell);
  return info;
}

/** Resolves `executor: name` or `executor: {name, ...args}` (or an executor parameter's value). */
function namedExecutor(ref: unknown, scope: Scope, cfg: LoadedConfig): ExecutorInfo {
  let value = ref;
  let at = scope;
  if (ref instanceof ExecutorRef) {
    value = ref.value;
    at = ref.scope;
  }
  let name: string;
  let args: Record<string, unknown> = {};
  if (typeof value === 'string') name = value;
  else if (isPlainMap(value) && typeof value.name === 'string') ({ name, ...args } = value as { name: string });
  else throw new ConfigError(`Invalid executor reference: ${JSON.stringify(value)}`);
  const found = mustResolve(at, 'executors', name);
  return inFrame(`Error calling executor: '${name}'`, () => {
    const base = topContext(cfg);
    const params = bindArgs(parseDecls(found.def.parameters, `executor ${name}`), args, at, found.scope, base);
    const { parameters: _p, description: _d, ...rest } = found.def;
    const body = interpolate(rest, { ...base, params }) as Record<string, unknown>;
    return inlineExecutor(body, found.scope, cfg, `executor ${name}`, 1);
  });
}

function positiveInt(v: unknown, what: string): number {
  if (v === undefined) return 1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Expands a job by name ('build' or an orb's 'aws-oidc/build-and-push') with argument values
 * (already interpolated, as a workflow passes them). `pre-steps`/`post-steps` are taken from
 * the arguments like a workflow's job entry passes them.
 */
export function expandJob(cfg: LoadedConfig, jobName: string, params: Record<string, unknown> = {}): ExpandedJob {
  return inFrame(`Error calling job: '${jobName}'`, () => {
    const found = mustResolve(cfg.root, 'jobs', jobName);
    const { 'pre-steps': pre, 'post-steps': post, ...args } = params;
    const base = topContext(cfg);
    const bound = bindArgs(parseDecls(found.def.parameters, `job ${jobName}`), args, cfg.root, found.scope, base);
    const { parameters: _p, description: _d, ...rest } = found.def;
    const body = interpolate(rest, { ...base, params: bound }) as Record<string, unknown>;
    if (body.steps === undefined) throw new ConfigError('required key [steps] not found');
    const exec = inlineExecutor(body, found.scope, cfg, `job ${jobName}`, 0);
    const steps: ExpandedStep[] = [];
    const cx = { ...base, stack: [] };
    // pre-steps and post-steps are written in the workflow, i.e. in the user's config.
    expandSteps(new StepsRef(pre ?? [], cfg.root), cfg.root, cx, steps);
    expandSteps(body.steps, found.scope, cx, steps);
    expandSteps(new StepsRef(post ?? [], cfg.root), cfg.root, cx, steps);
    if (exec.shell) for (const s of steps) if (s.kind === 'run' && s.shell === undefined) s.shell = exec.shell;
    const executor: ExpandedJob['executor'] = { type: exec.type };
    if (exec.image !== undefined) executor.image = exec.image;
    if (exec.resourceClass !== undefined) executor.resourceClass = exec.resourceClass;
    return {
      name: jobName,
      executor,
      environment: exec.environment,
      steps,
      parallelism: positiveInt(body.parallelism, 'parallelism'),
      workingDirectory: exec.workingDirectory ?? '~/project',
    };
  });
}
