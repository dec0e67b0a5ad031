// Registry logins (GetAuthorizationToken of ECR and ECR Public) for the registries asked for, against the strict
// local ECR, and the answers it never gives from a scripted one: no data, a login without endpoint or expiry,
// a token that only contains AWS:, a local registry's endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAuthorizationTokens, getPublicAuthorizationToken } from '../../../../src/lib/aws/ecr.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { rejection } from '../../../support/rejection.ts';
import { OTHER, OWN, REGION, startLocalEcr, withScriptedEcr, type LocalEcr } from '../../../support/local-ecr.ts';

let e: LocalEcr;
const env = {};
const host = (account: string) => `${account}.dkr.ecr.${REGION}.amazonaws.com`;

beforeAll(async () => { e = await startLocalEcr(); });
afterAll(() => e.close());

describe('getAuthorizationTokens', () => {
  it('one login per registry asked for, in order; none asked is the caller\'s own', async () => {
    const logins = await getAuthorizationTokens(e.keys, REGION, [OTHER, OWN], env);
    expect(logins.map((l) => [l.registryId, l.host, l.proxyEndpoint, l.username])).toEqual([
      [OTHER, host(OTHER), `https://${host(OTHER)}`, 'AWS'], [OWN, host(OWN), `https://${host(OWN)}`, 'AWS'],
    ]);
    expect(e.aws.validEcrPassword(logins[0]!.password)?.account).toBe(OTHER);
    expect((await getAuthorizationTokens(e.keys, REGION, [], env)).map((l) => l.registryId)).toEqual([OWN]);
  });

  it('ECR Public: a login for public.ecr.aws', async () => {
    const login = await getPublicAuthorizationToken(e.keys, env);
    expect(login).toMatchObject({ registryId: 'public', host: 'public.ecr.aws', proxyEndpoint: 'https://public.ecr.aws', username: 'AWS' });
    expect(e.aws.validEcrPassword(login.password)?.account).toBe(OWN);
  });
});

describe('login answers the local ECR never gives', () => {
  const token = (text: string) => Buffer.from(text).toString('base64');
  const login = { authorizationToken: token('AWS:pw'), expiresAt: 1_900_000_000, proxyEndpoint: `https://${host(OTHER)}` };
  const refusal = async (answer: object, call: () => Promise<unknown>) => {
    let err: Error | undefined;
    await withScriptedEcr(e, () => answer, async () => { err = await rejection(call(), OrbError); });
    return err!.message.replace(/ at http:\/\/127\.0\.0\.1:\d+/, '');
  };
  const tokens = () => getAuthorizationTokens(e.keys, REGION, [OTHER], env);

  it.each([
    [{ authorizationData: [] }, 'no authorization data'],
    [{}, 'no authorization data'],
    [{ authorizationData: [{ ...login, proxyEndpoint: undefined }] }, 'authorization data without proxyEndpoint or expiresAt'],
    [{ authorizationData: [{ ...login, expiresAt: undefined }] }, 'authorization data without proxyEndpoint or expiresAt'],
    [{ authorizationData: [{ ...login, authorizationToken: token('NOTAWS:pw-planted') }] }, 'an authorization token that is not base64 of AWS:<password>'],
  ])('%j is refused: %s', async (answer, problem) => {
    expect(await refusal(answer, tokens)).toBe(`ECR GetAuthorizationToken answered ${problem}`);
  });

  it.each([
    [{}, 'no authorization data'],
    [{ authorizationData: { authorizationToken: token('AWS:pw') } }, 'no authorization data'],
    [{ authorizationData: { authorizationToken: token('NOTAWS:pw'), expiresAt: 1_900_000_000 } }, 'an authorization token that is not base64 of AWS:<password>'],
  ])('ECR Public: %j is refused: %s', async (answer, problem) => {
    expect(await refusal(answer, () => getPublicAuthorizationToken(e.keys, env))).toBe(`ECR Public GetAuthorizationToken answered ${problem}`);
  });

  it('a local registry\'s endpoint names no account: the login is for the registry asked for, in its place', async () => {
    const local = { ...login, proxyEndpoint: 'http://127.0.0.1:5000' };
    let logins: unknown;
    const asked = await withScriptedEcr(e, () => ({ authorizationData: [local, local] }), async () => {
      logins = await getAuthorizationTokens(e.keys, REGION, [OTHER, OWN], env);
    });
    expect(asked[0]?.body).toEqual({ registryIds: [OTHER, OWN] });
    expect(logins).toMatchObject([{ registryId: OTHER, host: '127.0.0.1:5000', password: 'pw' }, { registryId: OWN }]);
    await withScriptedEcr(e, () => ({ authorizationData: [local] }), async () => { logins = await getAuthorizationTokens(e.keys, REGION, [], env); });
    expect(logins).toMatchObject([{ registryId: '', proxyEndpoint: 'http://127.0.0.1:5000' }]);
  });
});
