// Two registry fronts for the front's account check (registry.test.ts over HTTP, registry-docker.test.ts with a
// real docker push): one for this account, one for another, each with a valid ECR password of its own account.
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { expect } from 'vitest';
import { LocalRegistry } from './registry.ts';
import { ACCOUNT, startStack, type Creds, type Stack } from './aws/fixture.ts';

export const REGION = 'eu-west-1';
export const OTHER = '210987654321';
export const REPO = 'front-check';

/** The stand-ins, the two fronts, and the ECR passwords: alice's for this account's registry, bob's (an IAM user of OTHER) for OTHER's. */
export interface Fronts { s: Stack; home: LocalRegistry; other: LocalRegistry; password: { home: string; other: string }; close(): Promise<void> }

/** `user:secret` as HTTP Basic credentials (base64). */
export const basic = (user: string, secret: string): string => Buffer.from(`${user}:${secret}`).toString('base64');

/** What GetAuthorizationToken gives `creds` for their own account's registry: the password after `AWS:`. */
async function ecrPassword(s: Stack, creds: Creds): Promise<string> {
  const client = new ECRClient({ endpoint: s.aws.url, region: REGION, maxAttempts: 1, credentials: creds });
  try {
    const token = (await client.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!;
    const text = Buffer.from(token, 'base64').toString('utf8');
    expect(text.startsWith('AWS:')).toBe(true);
    return text.slice('AWS:'.length);
  } finally {
    client.destroy();
  }
}

/** Starts the stand-ins and both fronts, each account with repository REPO; checks both passwords are valid ECR passwords of their own account. */
export async function startFronts(): Promise<Fronts> {
  const s = await startStack();
  const bob = s.aws.addUser({ account: OTHER, name: 'bob' });
  const home = await LocalRegistry.start(ACCOUNT, s.aws, { region: REGION });
  const other = await LocalRegistry.start(OTHER, s.aws, { region: REGION });
  for (const account of [ACCOUNT, OTHER]) s.aws.ensureRepository({ account, region: REGION, name: REPO });
  const password = { home: await ecrPassword(s, s.alice), other: await ecrPassword(s, bob) };
  expect(s.aws.validEcrPassword(password.home)).toEqual({ account: ACCOUNT, identityArn: `arn:aws:iam::${ACCOUNT}:user/alice` });
  expect(s.aws.validEcrPassword(password.other)).toEqual({ account: OTHER, identityArn: `arn:aws:iam::${OTHER}:user/bob` });
  return { s, home, other, password, close: async () => { await home.close(); await other.close(); await s.close(); } };
}
