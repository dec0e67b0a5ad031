// The clean-up parameters, typed and checked before anything is removed.
import { ParamError } from '../../lib/errors.ts';
import { boolParam, stringParam, type Env, type ParamSource } from '../../lib/params.ts';

export interface CleanUpParams {
  /** Keep ~/.aws-oidc/runtime/<command>.cjs (later jobs on the runner then skip writing it again). */
  keepRuntime: boolean;
  /** Keep ~/.aws-oidc/node/<version> that install-node put there (later jobs then skip the download). */
  keepNode: boolean;
  /** Keep the steps' JSON result files. */
  keepResults: boolean;
  /** The docker config directory whose config.json the logins went to: the parameter, else DOCKER_CONFIG, else ~/.docker. */
  dockerConfig: string;
}

/** Reads the parameters; every refusal names the parameter, the value and the fix. */
export function parseParams(raw: ParamSource, env: Env): CleanUpParams {
  const dockerConfig = stringParam(raw, env, 'docker-config') || env.DOCKER_CONFIG || `${env.HOME || '.'}/.docker`;
  if (/[\r\n\0]/.test(dockerConfig)) throw new ParamError('docker-config', dockerConfig, 'has a line break or NUL', 'give the directory that ecr-login used');
  return {
    keepRuntime: boolParam(raw, env, 'keep-runtime', false),
    keepNode: boolParam(raw, env, 'keep-node', false),
    keepResults: boolParam(raw, env, 'keep-results', false),
    dockerConfig,
  };
}
