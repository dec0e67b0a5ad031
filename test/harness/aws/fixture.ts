// Test fixture: an OIDC issuer plus a local AWS with one provider and a few roles, and SDK clients for them.
import { STSClient } from '@aws-sdk/client-sts';
import { OidcIssuer, type JobIdentity } from '../oidc/issuer.ts';
import { LocalAws } from './index.ts';
import { join } from 'node:path';
import { rejection as rejectionOf } from '../../support/rejection.ts';

export const ORG = '0b7c2f1e-6a3d-4c59-8e21-3f9d7a6b5c40';
export const PROJECT = 'a1c3e5f7-2b4d-4f68-9a0c-1e3f5a7b9c2d';
export const USER = '7e6d5c4b-3a29-4817-b6a5-948372615f0e';
export const ACCOUNT = '123456789012';

/** A V2 identity of the fixture project on `branch`. */
export const job = (branch = 'main'): JobIdentity => ({
  orgId: ORG,
  projectId: PROJECT,
  userId: USER,
  vcsOrigin: 'github.com/acme/webapp',
  vcsRef: `refs/heads/${branch}`,
});

/** Static credentials of an SDK client, possibly without a session token. */
export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A started issuer + local AWS, with the roles the STS tests use. */
export interface Stack {
  issuer: OidcIssuer;
  aws: LocalAws;
  clock: { offsetMs: number };
  providerArn: string;
  /** Trusts V2 tokens of the fixture project on main; max session 2 hours. */
  deployRole: string;
  /** Trusted by deploy-role sessions presenting ExternalId 'ci-ext-42'. */
  chainedRole: string;
  /** Trusts the IAM user 'alice'. */
  userRole: string;
  alice: Creds;
  sts(creds?: Creds, maxAttempts?: number): STSClient;
  close(): Promise<void>;
}

/** Starts the stack; its clock can be moved forward through `clock.offsetMs`. */
export async function startStack(): Promise<Stack> {
  const clock = { offsetMs: 0 };
  const issuer = await OidcIssuer.start({ orgId: ORG });
  const aws = await LocalAws.start({ now: () => Date.now() + clock.offsetMs });
  const providerArn = aws.addOidcProvider({ account: ACCOUNT, url: issuer.url, clientIds: [ORG] });
  const host = issuer.hostPath;
  const deployRole = aws.addRole({
    account: ACCOUNT,
    name: 'deploy',
    maxSessionDuration: 7200,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${host}:aud`]: ORG },
          StringLike: { [`${host}:sub`]: `org/${ORG}/project/${PROJECT}/user/*/vcs-origin/github.com/acme/*/vcs-ref/refs/heads/main` },
        },
      }],
    },
  });
  const chainedRole = aws.addRole({
    account: ACCOUNT,
    name: 'chained',
    maxSessionDuration: 43200,
    trustPolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { AWS: deployRole },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'sts:ExternalId': 'ci-ext-42' } },
      }],
    }),
  });
  const alice = aws.addUser({ account: ACCOUNT, name: 'alice' });
  const userRole = aws.addRole({
    account: ACCOUNT,
    name: 'from-user',
    trustPolicy: { Statement: { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: 'sts:AssumeRole' } },
  });
  const clients: STSClient[] = [];
  return {
    issuer, aws, clock, providerArn, deployRole, chainedRole, userRole, alice,
    sts(creds, maxAttempts = 1) {
      // maxAttempts 1 by default so a refusal is seen as the server sent it, not after SDK retries.
      const client = new STSClient({
        endpoint: aws.url,
        region: 'us-east-1',
        maxAttempts,
        credentials: creds ?? { accessKeyId: 'AKIAUNUSEDUNUSEDUNUS', secretAccessKey: 'unused' },
      });
      clients.push(client);
      return client;
    },
    async close() {
      clients.forEach((c) => c.destroy());
      await aws.close();
      await issuer.close();
    },
  };
}

/** The error `p` rejects with, as the SDK shapes it (HTTP status, query-protocol Code); fails the test if `p` resolves. */
export const rejection = (p: Promise<unknown>) => rejectionOf(p) as Promise<Error & { $metadata?: { httpStatusCode?: number }; Code?: string }>;

/**
 * The environment for running the real AWS CLI against the local AWS: a scratch HOME and config files (no
 * user config is read), no instance metadata, one attempt, and `service`'s endpoint. Credentials go in
 * through the caller's additions, never argv.
 */
export function awsCliEnv(home: string, service: 'STS' | 'ECR', endpoint: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_DEFAULT_REGION: 'us-east-1',
    [`AWS_ENDPOINT_URL_${service}`]: endpoint,
    AWS_MAX_ATTEMPTS: '1',
  };
}
