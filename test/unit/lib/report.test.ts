import { describe, expect, it } from 'vitest';
import { OrbError } from '../../../src/lib/errors.ts';
import { processSecrets } from '../../../src/lib/log.ts';
import { describeFailure, failureLine, failureLines } from '../../../src/lib/report.ts';

describe('failure words never carry a secret the process knows, whoever prints them', () => {
  const token = 'IQoJb3JpZ2luX2VjEAYaCXVzLWVhc3QtMSJHMEUCIQDreportTest0123456789abcdef';
  processSecrets.add(token, '$AWS_SESSION_TOKEN');
  const err = new OrbError(`AWS said: token ${token} is expired (part ${token.slice(20, 40)})`, `unset the token ${token}`);

  it('failureLines: message, fix and stack', () => {
    const lines = failureLines('aws-oidc/ecr-login', err, true);
    expect(lines.slice(0, 2)).toEqual(['aws-oidc/ecr-login: AWS said: token **** is expired (part ****)', '  fix: unset the token ****']);
    expect(lines.join('\n')).not.toContain(token.slice(20, 36));
  });

  it('failureLine: one line for docker', () => {
    expect(failureLine('aws-oidc', err)).toBe('aws-oidc: AWS said: token **** is expired (part ****); unset the token ****');
  });
});

describe('how a failure is put into words', () => {
  it('an OrbError is foreseen, with its own message and fix', () => {
    expect(describeFailure(new OrbError('parameter region: no AWS region is set', 'set region'))).toEqual({ message: 'parameter region: no AWS region is set', fix: 'set region', foreseen: true });
  });

  it('anything else is an unexpected error on one line, without a fix', () => {
    expect(describeFailure(new TypeError('x is not a function\n    at y'))).toEqual({ message: 'unexpected error: x is not a function at y', fix: undefined, foreseen: false });
    expect(failureLines('aws-oidc/clean-up', new Error('boom'), false)).toEqual(['aws-oidc/clean-up: unexpected error: boom']);
    expect(failureLine('aws-oidc', new Error('boom'))).toBe('aws-oidc: unexpected error: boom');
  });

  it('no fix line when the OrbError has none; the stack only with debug', () => {
    const err = new OrbError('it broke');
    expect(failureLines('aws-oidc/ecr-login', err, false)).toEqual(['aws-oidc/ecr-login: it broke']);
    const debug = failureLines('aws-oidc/ecr-login', err, true);
    expect(debug).toHaveLength(2);
    expect(debug[1]).toMatch(/^OrbError: it broke\n\s+at /);
    expect(failureLines('aws-oidc/ecr-login', 'a string thrown', true)).toEqual(['aws-oidc/ecr-login: unexpected error: a string thrown']);
    expect(failureLine('aws-oidc', err)).toBe('aws-oidc: it broke');
  });
});
