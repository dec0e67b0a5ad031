import { describe, expect, it } from 'vitest';
import { parseParams as parseSource } from '../../../../src/commands/ecr-login/params.ts';
import { stepParams, type Env } from '../../../../src/lib/params.ts';

/** The parser, fed a step's ORB_PARAM_* variables. */
const parseParams = (raw: Env, ...rest: Parameters<typeof parseSource> extends [unknown, ...infer R] ? R : never) => parseSource(stepParams(raw), ...rest);
import { ParamError } from '../../../../src/lib/errors.ts';
import { thrown } from '../../../support/rejection.ts';

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i));
const baseEnv = { HOME: '/home/ci', AWS_REGION: 'eu-west-1' };

const refusal = (raw: Record<string, string>, env: Record<string, string> = baseEnv) => thrown(() => parseParams(raw, env), ParamError);

describe('ecr-login parseParams refusals', () => {
  it.each([
    ['a short account id', { ORB_PARAM_ACCOUNT_ID: '12345' }, 'account-id', 'is not a 12-digit AWS account id', '12345'],
    ['an account id with letters', { ORB_PARAM_ACCOUNT_ID: '123456789012,12345678901x' }, 'account-id', 'is not a 12-digit AWS account id', '12345678901x'],
    ['a duplicate account id', { ORB_PARAM_ACCOUNT_ID: '123456789012, 123456789012' }, 'account-id', 'names a value twice', '123456789012, 123456789012'],
    ['more than 10 account ids', { ORB_PARAM_ACCOUNT_ID: ids(11).join(',') }, 'account-id', 'more than 10', ids(11).join(',')],
    ['a profile name with a space', { ORB_PARAM_PROFILE_NAME: 'my profile' }, 'profile-name', 'is not a profile name', 'my profile'],
    ['a profile name with a slash', { ORB_PARAM_PROFILE_NAME: 'a/b' }, 'profile-name', 'is not a profile name', 'a/b'],
    ['a profile name of 65 characters', { ORB_PARAM_PROFILE_NAME: 'p'.repeat(65) }, 'profile-name', 'is not a profile name', 'p'.repeat(65)],
    ['a bad region', { ORB_PARAM_REGION: 'Europe' }, 'region', 'is not an AWS region name', 'Europe'],
    ['public-registry with account-id', { ORB_PARAM_PUBLIC_REGISTRY: 'true', ORB_PARAM_ACCOUNT_ID: '123456789012' }, 'account-id', 'cannot be used with public-registry', '123456789012'],
    ['a wrong boolean for public-registry', { ORB_PARAM_PUBLIC_REGISTRY: 'yes' }, 'public-registry', 'must be true or false', 'yes'],
    ['a wrong boolean for credential-helper', { ORB_PARAM_CREDENTIAL_HELPER: 'off' }, 'credential-helper', 'must be true or false', 'off'],
    ['retry-max-attempts out of range', { ORB_PARAM_RETRY_MAX_ATTEMPTS: '21' }, 'retry-max-attempts', 'from 1 to 20', '21'],
    ['a docker-config with a line break', { ORB_PARAM_DOCKER_CONFIG: '/a\n/b' }, 'docker-config', 'has a line break', '/a\n/b'],
  ])('refuses %s, naming the parameter and the value', (_what, raw, param, problem, value) => {
    const err = refusal(raw);
    expect(err.param).toBe(param);
    expect(err.message).toContain(`parameter ${param}:`);
    expect(err.message).toContain(problem);
    expect(err.message).toContain(`(got ${JSON.stringify(value)})`);
    expect(err.hint).toBeTruthy();
  });

  it('accepts exactly 10 account ids, split on commas and whitespace', () => {
    const p = parseParams({ ORB_PARAM_ACCOUNT_ID: `${ids(5).join(', ')}\n${ids(10).slice(5).join(' ')}` }, baseEnv);
    expect(p.accountIds).toEqual(ids(10));
  });

  it('refuses a missing region for a private registry', () => {
    const err = refusal({}, { HOME: '/h' });
    expect(err.param).toBe('region');
    expect(err.message).toContain('no AWS region is set');
  });

  it('refuses a bad region read from the profile as the region parameter', () => {
    const err = (() => {
      try {
        parseParams({ ORB_PARAM_PROFILE_NAME: 'dev' }, { HOME: '/h' }, () => 'mars-1');
      } catch (e) {
        return e as ParamError;
      }
      throw new Error('accepted');
    })();
    expect(err.param).toBe('region');
    expect(err.message).toContain('"mars-1"');
  });
});

describe('ecr-login parseParams defaults', () => {
  it('takes the region from AWS_REGION, then AWS_DEFAULT_REGION, and the other defaults', () => {
    const p = parseParams({}, { HOME: '/home/ci', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-west-2' });
    expect(p).toEqual({
      accountIds: [], region: 'eu-west-1', profileName: '', publicRegistry: false, credentialHelper: true,
      dockerConfig: '/home/ci/.docker', retry: { maxAttempts: 5, totalSeconds: 60 },
    });
    expect(parseParams({}, { AWS_DEFAULT_REGION: 'us-west-2' }).region).toBe('us-west-2');
  });

  it('prefers the region parameter over AWS_REGION', () => {
    expect(parseParams({ ORB_PARAM_REGION: 'ap-south-1' }, baseEnv).region).toBe('ap-south-1');
  });

  it('asks profileRegion for the profile when region is empty and profile-name is set', () => {
    const asked: string[] = [];
    const p = parseParams({ ORB_PARAM_PROFILE_NAME: 'dev' }, baseEnv, (name) => { asked.push(name); return 'ca-central-1'; });
    expect(asked).toEqual(['dev']);
    expect(p.region).toBe('ca-central-1');
    expect(p.profileName).toBe('dev');
  });

  it('falls back to AWS_REGION when the profile has no region', () => {
    expect(parseParams({ ORB_PARAM_PROFILE_NAME: 'dev' }, baseEnv, () => undefined).region).toBe('eu-west-1');
  });

  it('does not ask profileRegion when region is given or profile-name is empty', () => {
    const asked: string[] = [];
    const cb = (name: string) => { asked.push(name); return 'ca-central-1'; };
    expect(parseParams({ ORB_PARAM_PROFILE_NAME: 'dev', ORB_PARAM_REGION: 'us-east-2' }, baseEnv, cb).region).toBe('us-east-2');
    expect(parseParams({}, baseEnv, cb).region).toBe('eu-west-1');
    expect(asked).toEqual([]);
  });

  it('uses us-east-1 for the public registry when no region is set anywhere', () => {
    const p = parseParams({ ORB_PARAM_PUBLIC_REGISTRY: 'true' }, { HOME: '/h' });
    expect(p.publicRegistry).toBe(true);
    expect(p.region).toBe('us-east-1');
    expect(parseParams({ ORB_PARAM_PUBLIC_REGISTRY: '1' }, { HOME: '/h' }).publicRegistry).toBe(true);
  });

  it('reads credential-helper false and the retry numbers', () => {
    const p = parseParams({ ORB_PARAM_CREDENTIAL_HELPER: 'false', ORB_PARAM_RETRY_MAX_ATTEMPTS: '3', ORB_PARAM_RETRY_MAX_SECONDS: '120' }, baseEnv);
    expect(p.credentialHelper).toBe(false);
    expect(p.retry).toEqual({ maxAttempts: 3, totalSeconds: 120 });
  });

  it('takes docker-config from the parameter, else DOCKER_CONFIG, else HOME/.docker', () => {
    expect(parseParams({ ORB_PARAM_DOCKER_CONFIG: '/custom' }, { ...baseEnv, DOCKER_CONFIG: '/env' }).dockerConfig).toBe('/custom');
    expect(parseParams({}, { ...baseEnv, DOCKER_CONFIG: '/env' }).dockerConfig).toBe('/env');
    expect(parseParams({}, { ...baseEnv, DOCKER_CONFIG: '' }).dockerConfig).toBe('/home/ci/.docker');
    expect(parseParams({}, { AWS_REGION: 'eu-west-1' }).dockerConfig).toBe('./.docker');
  });

  it('expands ${VAR} and $VAR in account-id from the env', () => {
    const p = parseParams({ ORB_PARAM_ACCOUNT_ID: '${PROD_ACCOUNT},$DEV_ACCOUNT' }, { ...baseEnv, PROD_ACCOUNT: '111111111111', DEV_ACCOUNT: '222222222222' });
    expect(p.accountIds).toEqual(['111111111111', '222222222222']);
  });

  it('refuses an account-id that refers to an unset variable, naming it', () => {
    const err = refusal({ ORB_PARAM_ACCOUNT_ID: '${PROD_ACCOUNT}' });
    expect(err.param).toBe('account-id');
    expect(err.message).toContain('$PROD_ACCOUNT');
  });

  it('accepts profile names with the allowed punctuation', () => {
    expect(parseParams({ ORB_PARAM_PROFILE_NAME: 'a_b.c+d@e-f' }, baseEnv).profileName).toBe('a_b.c+d@e-f');
  });
});
