// ECR through the real SDK: GetAuthorizationToken, SigV4 with session tokens, and the per-account access model.
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { AssumeRoleWithWebIdentityCommand, type Credentials } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistryEndpoint } from './ecr-state.ts';
import { ACCOUNT, job, rejection, startStack, type Creds, type Stack } from './fixture.ts';

const OTHER = '210987654321';
let s: Stack;
let web: Creds;
const clients: ECRClient[] = [];

function creds(c: Credentials | undefined): Creds {
  return { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
}

async function webSession(name: string, durationSeconds?: number): Promise<Creds> {
  const out = await s.sts().send(new AssumeRoleWithWebIdentityCommand({
    RoleArn: s.deployRole, RoleSessionName: name, WebIdentityToken: await s.issuer.mint(job()),
    ...(durationSeconds === undefined ? {} : { DurationSeconds: durationSeconds }),
  }));
  return creds(out.Credentials);
}

/** A real ECR client reaching the rig the way AWS_ENDPOINT_URL_ECR does; one attempt, so refusals are seen as sent. */
function ecr(c: Creds, region = 'us-east-1'): ECRClient {
  const client = new ECRClient({ endpoint: s.aws.url, region, maxAttempts: 1, credentials: c });
  clients.push(client);
  return client;
}

const token = (c: Creds, registryIds?: string[], region?: string) =>
  ecr(c, region).send(new GetAuthorizationTokenCommand(registryIds ? { registryIds } : {}));

beforeAll(async () => {
  s = await startStack();
  web = await webSession('job-1');
});
afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await s.close();
});

describe('GetAuthorizationToken', () => {
  it("gives the caller's own registry a 12-hour AWS:<password> token", async () => {
    const before = Date.now();
    const out = await token(web);
    expect(out.authorizationData).toHaveLength(1);
    const data = out.authorizationData![0]!;
    const decoded = Buffer.from(data.authorizationToken!, 'base64').toString('utf8');
    expect(decoded.startsWith('AWS:')).toBe(true);
    const password = decoded.slice('AWS:'.length);
    expect(password.length).toBeGreaterThan(500);
    expect(data.proxyEndpoint).toBe(`https://${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`);
    const lifetime = data.expiresAt!.getTime() - before;
    expect(lifetime).toBeGreaterThan(12 * 3600_000 - 5_000);
    expect(lifetime).toBeLessThanOrEqual(12 * 3600_000 + 5_000);
    expect(s.aws.issuedSecrets).toContain(password);
    expect(s.aws.validEcrPassword(password)).toEqual({ account: ACCOUNT, identityArn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/job-1` });
    expect(s.aws.validEcrPassword(password, data.expiresAt!.getTime() + 1)).toBeUndefined();
    expect(s.aws.validEcrPassword(password.slice(0, -2) + 'AA')).toBeUndefined();
    expect(s.aws.requests.at(-1)).toEqual({ action: 'GetAuthorizationToken', accessKeyId: web.accessKeyId, status: 200 });
  });

  it('names China registries under amazonaws.com.cn', async () => {
    const out = await token(web, undefined, 'cn-north-1');
    expect(out.authorizationData![0]!.proxyEndpoint).toBe(`https://${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`);
  });

  it('accepts long-term user keys without a session token', async () => {
    const out = await token(s.alice);
    const password = Buffer.from(out.authorizationData![0]!.authorizationToken!, 'base64').toString().slice(4);
    expect(s.aws.ecrPasswords.find((p) => p.password === password)?.identityArn).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
  });

  it('refuses a registry of another account unless the role is allowed there, then issues one token per id', async () => {
    const err = await rejection(token(web, [ACCOUNT, OTHER]));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/job-1 is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`,
    );
    expect(err.$metadata?.httpStatusCode).toBe(400);
    s.aws.allowEcr({ account: OTHER, principalArn: s.deployRole });
    const out = await token(web, [ACCOUNT, OTHER]);
    expect(out.authorizationData!.map((d) => d.proxyEndpoint)).toEqual([
      `https://${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`,
      `https://${OTHER}.dkr.ecr.us-east-1.amazonaws.com`,
    ]);
    const [a, b] = out.authorizationData!.map((d) => Buffer.from(d.authorizationToken!, 'base64').toString().slice(4));
    expect(a).not.toBe(b);
    expect(s.aws.validEcrPassword(b!)?.account).toBe(OTHER);
    // The allow-list names the role, not the user: alice is still refused.
    expect((await rejection(token(s.alice, [OTHER]))).name).toBe('AccessDeniedException');
  });

  it('points proxyEndpoint at a local registry when the rig says so', async () => {
    s.aws.setRegistryEndpoint((account) => `http://127.0.0.1:5999/${account}`);
    try {
      const out = await token(web);
      expect(out.authorizationData![0]!.proxyEndpoint).toBe(`http://127.0.0.1:5999/${ACCOUNT}`);
    } finally {
      s.aws.setRegistryEndpoint(defaultRegistryEndpoint);
    }
  });

  it('refuses a malformed registry id with InvalidParameterException', async () => {
    const err = await rejection(token(web, ['12345']));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe("Invalid parameter at 'registryIds' failed to satisfy constraint: 'must satisfy regular expression '[0-9]{12}''");
  });
});

describe('ECR request authentication', () => {
  it('refuses temporary keys sent without their session token', async () => {
    const err = await rejection(token({ accessKeyId: web.accessKeyId, secretAccessKey: web.secretAccessKey }));
    expect(err.name).toBe('UnrecognizedClientException');
    expect(err.message).toBe('The security token included in the request is invalid.');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(s.aws.requests.at(-1)).toEqual({ action: 'GetAuthorizationToken', accessKeyId: web.accessKeyId, status: 400, errorCode: 'UnrecognizedClientException' });
  });

  it('refuses a session token sent with long-term keys, and unknown keys', async () => {
    expect((await rejection(token({ ...s.alice, sessionToken: web.sessionToken! }))).name).toBe('UnrecognizedClientException');
    expect((await rejection(token({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x' }))).name).toBe('UnrecognizedClientException');
  });

  it('refuses a tampered secret with InvalidSignatureException', async () => {
    const err = await rejection(token({ ...web, secretAccessKey: web.secretAccessKey.slice(0, -1) + (web.secretAccessKey.endsWith('A') ? 'B' : 'A') }));
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.message).toContain('The request signature we calculated does not match the signature you provided.');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it('refuses an expired session with ExpiredTokenException', async () => {
    const short = await webSession('short', 900);
    s.clock.offsetMs = 901_000;
    try {
      const err = await rejection(token(short));
      expect(err.name).toBe('ExpiredTokenException');
      expect(err.message).toBe('The security token included in the request is expired');
      expect(err.$metadata?.httpStatusCode).toBe(400);
    } finally {
      s.clock.offsetMs = 0;
    }
  });

  it('answers UnknownOperationException for a target ECR does not have, before authenticating', async () => {
    const res = await fetch(s.aws.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.GetLoginPassword' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await res.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });

  it('answers MissingAuthenticationTokenException for an unsigned call', async () => {
    const res = await fetch(s.aws.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  });
});
