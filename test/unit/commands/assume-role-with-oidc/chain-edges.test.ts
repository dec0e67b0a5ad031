import { describe, expect, it } from 'vitest';
import { parseChain } from '../../../../src/commands/assume-role-with-oidc/chain.ts';
import { OrbError } from '../../../../src/lib/errors.ts';

const A = 'arn:aws:iam::222222222222:role/cfn-deploy';

/** The message a user reads when the role-chain text is refused. */
function refusal(text: string): string {
  try {
    parseChain(text, {});
  } catch (e) {
    if (e instanceof OrbError) return e.message;
    throw e;
  }
  throw new Error('the role-chain was accepted');
}

describe('role-chain at its edges', () => {
  it('accepts options separated by several blanks or tabs', () => {
    expect(parseChain(`${A}   external-id=partner-42\t\tsession-name=deploy-1`, {})).toEqual([{ roleArn: A, externalId: 'partner-42', sessionName: 'deploy-1' }]);
  });

  it.each(['ab!cd', '!abcd', 'abcd!'])('refuses an external id with a character STS refuses anywhere in it (%s)', (id) => {
    expect(refusal(`${A} external-id=${id}`)).toBe(`parameter role-chain (line 1): has an invalid external-id (got "external-id=${id}")`);
  });

  it('calls an option given without a value invalid, not unknown', () => {
    expect(refusal(`${A} external-id`)).toBe('parameter role-chain (line 1): has an invalid external-id (got "external-id")');
    expect(refusal(`${A} session-name`)).toBe('parameter role-chain (line 1): has an invalid session-name (got "session-name")');
  });

  it('names the whole word of an option that starts with =', () => {
    expect(refusal(`\n${A} =x`)).toBe('parameter role-chain (line 2): has an unknown option =x (got "=x")');
  });
});
