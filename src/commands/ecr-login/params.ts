// The ecr-login parameters, typed and checked before anything is called or written.
import { ParamError } from '../../lib/errors.ts';
import { boolParam, checkedRegion, kindListParam, profileNameParam, regionParam, retryParams, stringParam, type Env, type ParamSource } from '../../lib/params.ts';
import type { RetryPolicy } from '../../lib/retry.ts';

export interface EcrLoginParams {
  /** Registry ids (12-digit accounts) to log in to; empty: the current identity's own registry. */
  accountIds: string[];
  region: string;
  /** The identity to use: a named profile, or '' for the environment's keys. */
  profileName: string;
  publicRegistry: boolean;
  /** true: register the orb's docker credential helper (nothing secret in config.json); false: docker login. */
  credentialHelper: boolean;
  /** The docker config directory: the parameter, else DOCKER_CONFIG, else ~/.docker. */
  dockerConfig: string;
  retry: RetryPolicy;
}

/** Reads the parameters; every refusal names the parameter, the value and the fix. `profileRegion` reads a profile's region from the AWS config file, the fallback for an empty region with profile-name. */
export function parseParams(raw: ParamSource, env: Env, profileRegion: (profile: string) => string | undefined = () => undefined): EcrLoginParams {
  const idsText = stringParam(raw, env, 'account-id');
  const accountIds = kindListParam(raw, env, 'account-id', 'accountId', 'list registry account ids, e.g. 123456789012 or 123456789012,210987654321');
  if (accountIds.length > 10) throw new ParamError('account-id', idsText, 'lists more than 10 registries, which one ECR call cannot cover', 'split them over two ecr-login steps');
  const profileName = profileNameParam(raw, env);
  const publicRegistry = boolParam(raw, env, 'public-registry', false);
  // ECR Public lives in us-east-1 only; a region is needed only for private registries.
  const fromProfile = profileName && !stringParam(raw, env, 'region') ? profileRegion(profileName) : undefined;
  const region = publicRegistry && !stringParam(raw, env, 'region') && !env.AWS_REGION && !env.AWS_DEFAULT_REGION ? 'us-east-1'
    : fromProfile ? checkedRegion('region', fromProfile, env) : regionParam(raw, env);
  if (publicRegistry && accountIds.length > 0) {
    throw new ParamError('account-id', idsText, 'cannot be used with public-registry: true (ECR Public has one registry, public.ecr.aws)', 'use two ecr-login steps, one for ECR Public and one for the private registries');
  }
  const dockerConfig = stringParam(raw, env, 'docker-config') || env.DOCKER_CONFIG || `${env.HOME || '.'}/.docker`;
  if (/[\r\n\0]/.test(dockerConfig)) throw new ParamError('docker-config', dockerConfig, 'has a line break or NUL', 'give a directory path');
  // Linux refuses paths over 4095 bytes and names over 255 (ENAMETOOLONG).
  if (Buffer.byteLength(dockerConfig) > 4095 || dockerConfig.split('/').some((name) => Buffer.byteLength(name) > 255)) {
    throw new ParamError('docker-config', `${dockerConfig.slice(0, 60)}...`, 'is longer than a path can be (4095 bytes, 255 per name)', 'give a shorter directory path, or leave it empty for ~/.docker');
  }
  return {
    accountIds, region, profileName, publicRegistry,
    credentialHelper: boolParam(raw, env, 'credential-helper', true),
    dockerConfig,
    retry: retryParams(raw, env),
  };
}
