// Loading a CircleCI 2.1 config: version check, orbs, pipeline values and pipeline parameters.
import { randomBytes, randomUUID } from 'node:crypto';
import { ConfigError } from './types.ts';
import type { PipelineValues } from './types.ts';
import { isPlainMap } from './interpolate.ts';
import { bindArgs, inFrame, parseDecls } from './params.ts';
import { buildScope, parseYaml } from './scope.ts';
import type { Scope } from './scope.ts';

/** A parsed config with its orbs resolved, ready for expandJob / expandWorkflow. */
export interface LoadedConfig {
  root: Scope;
  workflows: Record<string, unknown>;
  pipeline: PipelineValues;
  pipelineParams: Record<string, unknown>;
}

/** Options of loadConfig. */
export interface LoadOptions {
  /** Orb reference ('circleci/aws-oidc@1.2.3') or alias -> the packed orb's YAML text. */
  orbs?: Record<string, string>;
  pipelineParameters?: Record<string, unknown>;
  pipelineValues?: Partial<PipelineValues>;
}

/** Pipeline values of a plain push to main, each overridable. */
export function defaultPipelineValues(over: Partial<PipelineValues> = {}): PipelineValues {
  return {
    id: randomUUID(),
    number: 1,
    'project.git_url': 'https://github.com/acme/app',
    'project.type': 'github',
    'git.tag': '',
    'git.branch': 'main',
    'git.revision': randomBytes(20).toString('hex'),
    'git.base_revision': randomBytes(20).toString('hex'),
    trigger_source: 'webhook',
    'schedule.name': '',
    'schedule.id': '',
    ...over,
  };
}

// Pipeline parameters are limited to these types.
const PIPELINE_TYPES = ['string', 'boolean', 'integer', 'enum'];

/** Parses and checks a config; refuses what CircleCI refuses before any job is expanded. */
export function loadConfig(yamlText: string, opts: LoadOptions = {}): LoadedConfig {
  const doc = parseYaml(yamlText, 'config');
  if (!isPlainMap(doc)) throw new ConfigError('Config must be a map');
  if (doc.version !== 2.1 && doc.version !== '2.1') {
    throw new ConfigError(`This runner expands version 2.1 configs only; got version: ${JSON.stringify(doc.version)}`);
  }
  // Other top-level keys are ignored, as CircleCI ignores them (they often just hold YAML anchors).
  const root = buildScope(doc, 'config', opts.orbs ?? {});
  const pipeline = defaultPipelineValues(opts.pipelineValues);
  const decls = parseDecls(doc.parameters, 'pipeline', PIPELINE_TYPES);
  for (const [name, d] of Object.entries(decls)) {
    if (!d.hasDefault) throw new ConfigError(`Pipeline parameter ${name} must have a default`);
  }
  const pipelineParams = inFrame('Error in pipeline parameters', () =>
    bindArgs(decls, opts.pipelineParameters ?? {}, root, root, { pipeline, pipelineParams: {} }),
  );
  const workflows = doc.workflows ?? {};
  if (!isPlainMap(workflows)) throw new ConfigError('workflows must be a map');
  return { root, workflows, pipeline, pipelineParams };
}

/** The interpolation context of the config's top level (pipeline values and parameters only). */
export function topContext(cfg: LoadedConfig): { pipeline: PipelineValues; pipelineParams: Record<string, unknown> } {
  return { pipeline: cfg.pipeline, pipelineParams: cfg.pipelineParams };
}
