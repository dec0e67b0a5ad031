import { describe, expect, it } from 'vitest';
import { OrbError } from '../../../src/lib/errors.ts';
import { processSecrets } from '../../../src/lib/log.ts';
import { failureLine, failureLines } from '../../../src/lib/report.ts';

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
