// What each typed parameter accepts at its edges, and the fix each refusal names.
import { describe, expect, it } from 'vitest';
import { boolParam, checkedRegion, expandVars, intParam, kindListParam, kindParam, stepParams } from '../../../src/lib/params.ts';
import { ParamError } from '../../../src/lib/errors.ts';
import { processSecrets } from '../../../src/lib/log.ts';
import { thrown } from '../../support/rejection.ts';

const step = (value: string) => stepParams({ ORB_PARAM_P: value });

describe('expandVars', () => {
  it('refuses a variable that is set but empty, as one that is not set', () => {
    const err = thrown(() => expandVars('role-arn', '${ROLE_ARN}', { ROLE_ARN: '' }), ParamError);
    expect(err.message).toBe('parameter role-arn: refers to $ROLE_ARN, which is not set in this job (got "${ROLE_ARN}")');
    expect(err.hint).toBe('set ROLE_ARN in a context or the project\'s environment variables, or pass the value itself');
  });

  it('keeps the value of an ordinary variable quotable: only secret variables are registered as secrets', () => {
    const arn = 'arn:aws:iam::123456789012:role/deploy-from-circleci';
    expect(expandVars('role-arn', '$DEPLOY_ROLE', { DEPLOY_ROLE: arn })).toBe(arn);
    expect(processSecrets.find(arn)).toBeUndefined();
    const token = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';
    expandVars('p', '$GITHUB_TOKEN', { GITHUB_TOKEN: token });
    expect(processSecrets.find(token)?.label).toBe('$GITHUB_TOKEN');
  });
});

describe('intParam', () => {
  it.each(['0x10', '+5', '1e1', '5.0', '-1'])('refuses %j: digits only', (text) => {
    expect(() => intParam(step(text), {}, 'p', 1, 20, 5)).toThrow(ParamError);
  });

  it('takes both ends of its range and refuses one past them', () => {
    expect(intParam(step('1'), {}, 'p', 1, 20, 5)).toBe(1);
    expect(intParam(step('20'), {}, 'p', 1, 20, 5)).toBe(20);
    const err = thrown(() => intParam(step('21'), {}, 'p', 1, 20, 5), ParamError);
    expect(err.message).toBe('parameter p: must be a whole number from 1 to 20 (got "21")');
    expect(err.hint).toBe('set p to a value in that range, e.g. 5');
  });
});

describe('boolParam', () => {
  it('reads 0 as false and 1 as true, and the fallback when empty', () => {
    expect(boolParam(step('0'), {}, 'p', true)).toBe(false);
    expect(boolParam(step('true'), {}, 'p', false)).toBe(true);
    expect(boolParam(step(''), {}, 'p', true)).toBe(true);
    expect(thrown(() => boolParam(step('no'), {}, 'p', true), ParamError).hint).toBe('set p to true or false');
  });
});

describe('kindParam and kindListParam', () => {
  it('suggest an example of the kind when the caller names no fix', () => {
    expect(thrown(() => kindParam(step('moon'), {}, 'p', 'accountId'), ParamError).hint).toBe('e.g. 123456789012');
    expect(thrown(() => kindListParam(step('v1 .x'), {}, 'p', 'tag'), ParamError).hint)
      .toBe('list values such as v1.2.3, separated by commas, spaces or lines');
  });
});

describe('checkedRegion', () => {
  it('says no region is set, and where to set one', () => {
    const err = thrown(() => checkedRegion('region', '', {}), ParamError);
    expect(err.message).toBe('parameter region: no AWS region is set');
    expect(err.hint).toBe('set region (e.g. us-east-1), or AWS_REGION in a context or the project\'s environment variables');
  });
});
