import { describe, expect, it } from 'vitest';
import { boolParam, enumParam, expandVars, flagParams, intParam, kindListParam, kindParam, paramEnvName, paramName, rawParam, regionParam, stepParams, stringParam } from '../../../src/lib/params.ts';
import { ParamError } from '../../../src/lib/errors.ts';

describe('params', () => {
  it('maps kebab-case parameters to ORB_PARAM_ names', () => {
    expect(paramEnvName('role-arn')).toBe('ORB_PARAM_ROLE_ARN');
  });

  it('reads a step\'s ORB_PARAM_ variable or a CLI flag of the same parameter name, trimmed, unexpanded', () => {
    expect(rawParam(stepParams({ ORB_PARAM_ROLE_ARN: ' ${ROLE} ', 'role-arn': 'no' }), 'role-arn')).toBe('${ROLE}');
    expect(rawParam(flagParams({ 'role-arn': ' ${ROLE} ', ORB_PARAM_ROLE_ARN: 'no' }), 'role-arn')).toBe('${ROLE}');
    expect(rawParam(stepParams({}), 'role-arn')).toBe('');
    expect(rawParam(flagParams({ 'role-arn': undefined }), 'role-arn')).toBe('');
  });

  it('expands $VAR and ${VAR} without evaluating anything else', () => {
    const env = { A: 'x', B: 'y' };
    expect(expandVars('p', '${A}-$B-$(touch canary)-`id`', env)).toBe('x-y-$(touch canary)-`id`');
  });

  it('names the parameter and the missing variable', () => {
    expect(() => expandVars('role-arn', '${NOPE}', {})).toThrow(/parameter role-arn: refers to \$NOPE, which is not set/);
  });

  it('accepts only true/false/1/0 as booleans', () => {
    expect(boolParam(stepParams({ ORB_PARAM_X: '1' }), {}, 'x', false)).toBe(true);
    expect(boolParam(stepParams({ ORB_PARAM_X: 'false' }), {}, 'x', true)).toBe(false);
    expect(() => boolParam(stepParams({ ORB_PARAM_X: 'yes' }), {}, 'x', true)).toThrow(ParamError);
  });

  it('bounds integers', () => {
    expect(intParam(stepParams({ ORB_PARAM_D: '900' }), {}, 'd', 900, 43200, 3600)).toBe(900);
    expect(() => intParam(stepParams({ ORB_PARAM_D: '100' }), {}, 'd', 900, 43200, 3600)).toThrow(/parameter d: must be a whole number from 900 to 43200 \(got "100"\)/);
    expect(() => intParam(stepParams({ ORB_PARAM_D: '12abc' }), {}, 'd', 900, 43200, 3600)).toThrow(ParamError);
  });

  it('takes the region from the parameter, then AWS_REGION, then AWS_DEFAULT_REGION, never empty', () => {
    expect(regionParam(stepParams({ ORB_PARAM_REGION: 'eu-west-2' }), { AWS_REGION: 'us-east-1' })).toBe('eu-west-2');
    expect(regionParam(stepParams({}), { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'eu-west-1' })).toBe('us-east-1');
    expect(regionParam(stepParams({}), { AWS_DEFAULT_REGION: 'cn-north-1' })).toBe('cn-north-1');
    expect(regionParam(stepParams({}), { AWS_DEFAULT_REGION: 'us-gov-west-1' })).toBe('us-gov-west-1');
    expect(() => regionParam(stepParams({}), {})).toThrow(/parameter region: no AWS region is set/);
    expect(() => regionParam(stepParams({ ORB_PARAM_REGION: 'moon' }), {})).toThrow(/is not an AWS region name/);
  });
});

describe('ParamError', () => {
  it('quotes a short value whole and cuts a long one, saying how long it was', () => {
    expect(new ParamError('tag', 'v1;x', 'is bad', 'fix it').message).toBe('parameter tag: is bad (got "v1;x")');
    const long = new ParamError('labels', 'a'.repeat(100_000), 'is bad', 'fix it').message;
    expect(long).toBe(`parameter labels: is bad (got "${'a'.repeat(120)}"... (100000 characters))`);
  });

  describe('a step names the orb\'s parameter, the CLI the flag as it is typed', () => {
    const step = (name: string, value: string) => stepParams({ [paramEnvName(name)]: value });
    const flags = (name: string, value: string) => flagParams({ [name]: value });
    const message = (f: () => unknown): string => {
      try { f(); } catch (err) { return `${(err as ParamError).message} | ${(err as ParamError).hint}`; }
      return 'no error';
    };
    it('paramName', () => {
      expect(paramName(stepParams({}), 'role-arn')).toBe('role-arn');
      expect(paramName(flagParams({}), 'role-arn')).toBe('--role-arn');
    });
    it.each([
      ['an integer', (src: typeof step) => () => intParam(src('retry-max-attempts', '0'), {}, 'retry-max-attempts', 1, 20, 5),
        'parameter retry-max-attempts: must be a whole number from 1 to 20 (got "0") | set retry-max-attempts to a value in that range, e.g. 5',
        '--retry-max-attempts: must be a whole number from 1 to 20 (got "0") | set --retry-max-attempts to a value in that range, e.g. 5'],
      ['a boolean', (src: typeof step) => () => boolParam(src('self-refresh', 'yes'), {}, 'self-refresh', false),
        'parameter self-refresh: must be true or false (got "yes") | set self-refresh to true or false', '--self-refresh: must be true or false (got "yes") | set --self-refresh to true or false'],
      ['an enum', (src: typeof step) => () => enumParam(src('export-to', 'x'), {}, 'export-to', ['env', 'profile'], 'env'),
        'parameter export-to: must be one of env, profile (got "x") | set export-to to one of those values', '--export-to: must be one of env, profile (got "x") | set --export-to to one of those values'],
      ['a kind', (src: typeof step) => () => kindParam(src('account-id', '12'), {}, 'account-id', 'accountId', 'fix it'),
        'parameter account-id: is not a 12-digit AWS account id (got "12") | fix it', '--account-id: is not a 12-digit AWS account id (got "12") | fix it'],
      ['a list', (src: typeof step) => () => kindListParam(src('allowed-account-ids', '111111111111 111111111111'), {}, 'allowed-account-ids', 'accountId'),
        'parameter allowed-account-ids: names a value twice (got "111111111111 111111111111") | list each value once', '--allowed-account-ids: names a value twice (got "111111111111 111111111111") | list each value once'],
      ['an unset variable', (src: typeof step) => () => stringParam(src('role-arn', '$NOPE'), {}, 'role-arn'),
        'parameter role-arn: refers to $NOPE, which is not set in this job (got "$NOPE")', '--role-arn: refers to $NOPE, which is not set in this job (got "$NOPE")'],
      ['no region: no (got ""), and a CircleCI context only for the step', (src: typeof step) => () => regionParam(src('region', ''), {}),
        'parameter region: no AWS region is set | set region (e.g. us-east-1), or AWS_REGION in a context or the project\'s environment variables',
        '--region: no AWS region is set | set --region (e.g. us-east-1), or AWS_REGION'],
    ])('%s', (_what, call, stepWords, flagWords) => {
      expect(message(call(step))).toContain(stepWords);
      expect(message(call(flags))).toContain(flagWords);
    });
  });
});
