import { describe, expect, it } from 'vitest';
import { boolParam, expandVars, flagParams, intParam, paramEnvName, rawParam, regionParam, stepParams } from '../../../src/lib/params.ts';
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
});
