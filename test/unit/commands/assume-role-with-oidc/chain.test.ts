import { describe, expect, it } from 'vitest';
import { parseChain } from '../../../../src/commands/assume-role-with-oidc/chain.ts';

const A = 'arn:aws:iam::222222222222:role/cfn-deploy';
const B = 'arn:aws-cn:iam::333333333333:role/path/ops';

describe('role-chain', () => {
  it('reads hops in order, with options, skipping blanks and comments, expanding variables', () => {
    const text = `\n# to prod\n${A} external-id=\${XID} session-name=deploy-1\n  ${B}\n`;
    expect(parseChain(text, { XID: 'partner-42' })).toEqual([
      { roleArn: A, externalId: 'partner-42', sessionName: 'deploy-1' },
      { roleArn: B },
    ]);
    expect(parseChain('', {})).toEqual([]);
  });

  it.each([
    ['a bad ARN', 'arn:aws:iam::2222:role/x', /parameter role-chain \(line 1\): is not an IAM role ARN/],
    ['an unknown option', `${A} duration=3600`, /role-chain \(line 1\): has an unknown option duration/],
    ['an external id too short', `${A} external-id=x`, /has an invalid external-id/],
    ['a session name with a bad character', `${A} session-name=a!b`, /has an invalid session-name/],
    ['an unset variable', `${A} external-id=\${NOPE}`, /refers to \$NOPE/],
  ])('refuses %s, naming the line and the fix', (_n, text, message) => {
    expect(() => parseChain(text, {})).toThrow(message);
    try { parseChain(text, {}); } catch (err) { expect((err as { hint: string }).hint).toMatch(/one hop per line|set NOPE/); }
  });
});
