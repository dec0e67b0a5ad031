// The rig's leak scan must be able to fail: a step that prints a secret is caught.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerConfig } from './consumer-config.ts';
import { ACCOUNT, REGION, Rig } from './rig.ts';

let rig: Rig;
beforeAll(async () => { rig = await Rig.start(); });
afterAll(async () => { await rig.close(); });

describe('the rig leak scan', () => {
  it('finds a session token and an OIDC token that a careless step prints', async () => {
    const config = consumerConfig(rig.orbText, [
      { orb: 'assume-role-with-oidc', params: { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/deploy`, region: REGION } },
      { name: 'Careless', run: 'echo "$AWS_SESSION_TOKEN"; echo "$CIRCLE_OIDC_TOKEN_V2"' },
    ]);
    expect(rig.leaks()).toEqual([]);
    const r = await rig.run(config);
    expect(r.success).toBe(true);
    const leaks = rig.leaks();
    expect(leaks.some((s) => rig.aws.issuedSecrets.includes(s))).toBe(true);
    expect(leaks.some((s) => rig.issuer.issuedTokens.includes(s))).toBe(true);
  });
});
