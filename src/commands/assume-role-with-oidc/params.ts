// assume-role-with-oidc's parameters: their raw text (a step's ORB_PARAM_* variables or the CLI's flags) -> one validated object.
import { ParamError } from '../../lib/errors.ts';
import { boolParam, enumParam, intParam, paramName, paramText, profileNameParam, regionParam, retryParams, stringParam, type Env, type ParamSource } from '../../lib/params.ts';
import type { TokenSourceKind } from '../../lib/oidc-token.ts';
import { parseChain, type ChainHop } from './chain.ts';
import { isKind, KINDS } from '../../lib/grammar.ts';
import { parseSessionControls, type SessionControls } from './session-controls.ts';

export interface AssumeRoleParams {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  region: string;
  tokenSource: TokenSourceKind;
  audience: string;
  chain: ChainHop[];
  profileName: string;
  exportTo: 'env' | 'profile' | 'both';
  retry: { maxAttempts: number; totalSeconds: number };
  controls: SessionControls;
  selfRefresh: boolean;
  /** '' = AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else the region's endpoint (stsTarget). */
  stsEndpoint: string;
}


/**
 * The default session name, circleci-<repository>-<build number>, in what STS accepts (RoleSessionName: 2-64 of
 * [\w+=,.@-], docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html). A long repository
 * name is cut, never the build number: it tells parallel jobs' sessions apart in CloudTrail.
 */
export function defaultSessionName(env: Env): string {
  const clean = (s = '') => s.replace(/[^\w+=,.@-]/g, '-');
  const build = env.CIRCLE_BUILD_NUM ? `-${clean(env.CIRCLE_BUILD_NUM)}` : '';
  const head = `circleci${env.CIRCLE_PROJECT_REPONAME ? `-${clean(env.CIRCLE_PROJECT_REPONAME)}` : ''}`;
  return `${head.slice(0, Math.max(8, 64 - build.length))}${build}`.slice(0, 64);
}

/** Where the credentials go: export-to auto means the profile when profile-name is set, else the environment. */
function parseTarget(raw: ParamSource, env: Env): { profileName: string; exportTo: 'env' | 'profile' | 'both' } {
  const profileName = profileNameParam(raw, env);
  const chosen = enumParam(raw, env, 'export-to', ['auto', 'env', 'profile', 'both'] as const, 'auto');
  const exportTo = chosen === 'auto' ? (profileName ? 'profile' : 'env') : chosen;
  if (exportTo !== 'env' && profileName === '') {
    throw new ParamError('export-to', chosen, 'needs a profile-name', 'set profile-name, or export-to: env');
  }
  if (exportTo === 'env' && profileName !== '') {
    throw new ParamError('profile-name', profileName, 'is set but export-to is env, so it would be ignored', 'use export-to: profile or both, or remove profile-name');
  }
  return { profileName, exportTo };
}

/** A custom STS endpoint: https, or http only to this machine (for local stand-ins). */
function parseEndpoint(raw: ParamSource, env: Env): string {
  const text = stringParam(raw, env, 'sts-endpoint');
  if (text === '') return '';
  let url: URL | undefined;
  try { url = new URL(text); } catch { url = undefined; }
  const local = url?.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  // An endpoint is a scheme, a host, a port and at most a plain path: no query, fragment, spaces or shell characters.
  const plain = /^[A-Za-z0-9:/._~%[\]-]+$/.test(text);
  if (!url || !(url.protocol === 'https:' || local) || url.username || url.password || !plain) {
    throw new ParamError('sts-endpoint', text, 'must be an https URL (http only for 127.0.0.1 or localhost), without credentials, query or other characters than a host and a path have', 'e.g. https://sts.eu-west-1.amazonaws.com or a VPC endpoint URL');
  }
  return text;
}

/** The audience of a minted token: one line of printable text (it becomes the token's aud claim). */
function parseAudience(raw: ParamSource, env: Env): string {
  const audience = stringParam(raw, env, 'audience');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(audience) || audience.length > 1024) {
    throw new ParamError('audience', audience.slice(0, 200), 'must be one line of text of at most 1024 characters, without control characters', 'give the audience of the IAM OIDC provider, e.g. your org id, or leave it empty');
  }
  return audience;
}

/** self-refresh needs a profile: the environment cannot refresh itself. */
function parseSelfRefresh(raw: ParamSource, env: Env, exportTo: string): boolean {
  const on = boolParam(raw, env, 'self-refresh', false);
  if (on && exportTo !== 'profile') {
    throw new ParamError('self-refresh', 'true', `needs export-to: profile (now ${exportTo}), since exported variables cannot refresh themselves`, 'set profile-name and leave export-to as auto or profile');
  }
  return on;
}

/** Parses and validates; every error names the parameter, the value and the fix. */
export function parseParams(raw: ParamSource, env: Env): AssumeRoleParams {
  const roleArn = stringParam(raw, env, 'role-arn');
  if (roleArn === '') {
    throw new ParamError('role-arn', '', 'is required', 'set role-arn to the ARN of the IAM role to assume, e.g. arn:aws:iam::123456789012:role/deploy');
  }
  if (!isKind('roleArn', roleArn)) {
    throw new ParamError(paramName(raw, 'role-arn'), roleArn, `is not ${KINDS.roleArn.what}`, `use the form ${KINDS.roleArn.example}`);
  }
  const given = stringParam(raw, env, 'role-session-name');
  const sessionName = given || defaultSessionName(env);
  if (!isKind('sessionName', sessionName)) {
    throw new ParamError(paramName(raw, 'role-session-name'), sessionName, `is not ${KINDS.sessionName.what}`,
      'remove spaces and other characters, or leave it empty for the default built from the job');
  }
  const { profileName, exportTo } = parseTarget(raw, env);
  return {
    profileName, exportTo,
    controls: parseSessionControls(raw, env),
    selfRefresh: parseSelfRefresh(raw, env, exportTo),
    stsEndpoint: parseEndpoint(raw, env),
    retry: retryParams(raw, env, 900),
    roleArn,
    sessionName,
    durationSeconds: intParam(raw, env, 'session-duration', 900, 43200, 3600),
    region: regionParam(raw, env),
    tokenSource: enumParam(raw, env, 'token-source', ['v2', 'v1', 'mint'] as const, 'v2'),
    audience: parseAudience(raw, env),
    chain: parseChain(paramText(raw, 'role-chain'), env, paramName(raw, 'role-chain')),
  };
}
