// SigV4-signed STS calls through the real SDK: caller identity, session tokens, AssumeRole and chaining.
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, type Credentials } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, job, rejection, startStack, type Creds, type Stack } from './fixture.ts';

let s: Stack;
let web: Creds;
beforeAll(async () => {
  s = await startStack();
  const out = await s.sts().send(new AssumeRoleWithWebIdentityCommand({
    RoleArn: s.deployRole, RoleSessionName: 'job-1', WebIdentityToken: await s.issuer.mint(job()),
  }));
  web = creds(out.Credentials);
});
afterAll(() => s.close());

function creds(c: Credentials | undefined): Creds {
  return { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
}

const whoami = (c: Creds) => s.sts(c).send(new GetCallerIdentityCommand({}));

describe('GetCallerIdentity', () => {
  it('names the assumed-role session of web identity credentials', async () => {
    const id = await whoami(web);
    expect(id.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/job-1`);
    expect(id.Account).toBe(ACCOUNT);
    expect(id.UserId).toMatch(/^AROA[A-Z0-9]{17}:job-1$/);
    expect(s.aws.requests.at(-1)).toEqual({ action: 'GetCallerIdentity', accessKeyId: web.accessKeyId, status: 200 });
  });

  it('names the IAM user of long-term keys', async () => {
    const id = await whoami(s.alice);
    expect(id.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
    expect(id.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
  });

  it('refuses temporary keys sent without their session token', async () => {
    const err = await rejection(whoami({ accessKeyId: web.accessKeyId, secretAccessKey: web.secretAccessKey }));
    expect(err.name).toBe('InvalidClientTokenId');
    expect(err.message).toBe('The security token included in the request is invalid.');
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });

  it('refuses a session token that belongs to another session', async () => {
    const err = await rejection(whoami({ ...web, sessionToken: web.sessionToken!.slice(0, -4) + 'AAAA' }));
    expect(err.name).toBe('InvalidClientTokenId');
  });

  it('refuses a tampered secret with SignatureDoesNotMatch', async () => {
    const tampered = (web.secretAccessKey[0] === 'A' ? 'B' : 'A') + web.secretAccessKey.slice(1);
    const err = await rejection(whoami({ ...web, secretAccessKey: tampered }));
    expect(err.name).toBe('SignatureDoesNotMatch');
    expect(err.message).toMatch(/^The request signature we calculated does not match the signature you provided/);
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });

  it('refuses an unknown access key with InvalidClientTokenId', async () => {
    const err = await rejection(whoami({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'.repeat(40) }));
    expect(err.name).toBe('InvalidClientTokenId');
  });

  it('refuses an unsigned call with MissingAuthenticationToken', async () => {
    const res = await fetch(s.aws.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.text()).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/,
    );
  });

  it('answers InvalidAction for an action STS does not have', async () => {
    const res = await fetch(s.aws.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetSessionTokens&Version=2011-06-15' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>InvalidAction</Code><Message>Could not find operation GetSessionTokens for version 2011-06-15</Message>');
  });

  it('refuses an expired session with ExpiredToken', async () => {
    const out = await s.sts().send(new AssumeRoleWithWebIdentityCommand({
      RoleArn: s.deployRole, RoleSessionName: 'short', WebIdentityToken: await s.issuer.mint(job()), DurationSeconds: 900,
    }));
    s.clock.offsetMs = 901_000;
    try {
      const err = await rejection(whoami(creds(out.Credentials)));
      expect(err.name).toBe('ExpiredToken');
      expect(err.message).toBe('The security token included in the request is expired');
      expect(err.$metadata?.httpStatusCode).toBe(403);
    } finally {
      s.clock.offsetMs = 0;
    }
  });
});

describe('AssumeRole', () => {
  const chain = (c: Creds, extra: { ExternalId?: string; DurationSeconds?: number } = {}) =>
    s.sts(c).send(new AssumeRoleCommand({ RoleArn: s.chainedRole, RoleSessionName: 'chain', ...extra }));

  it('chains from the web identity session when the ExternalId matches', async () => {
    const out = await chain(web, { ExternalId: 'ci-ext-42' });
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/chained/chain`);
    const id = await whoami(creds(out.Credentials));
    expect(id.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/chained/chain`);
  });

  it('refuses a wrong ExternalId with AWS\'s AccessDenied message', async () => {
    const err = await rejection(chain(web, { ExternalId: 'guess' }));
    expect(err.name).toBe('AccessDenied');
    expect(err.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/job-1 is not authorized to perform: sts:AssumeRole on resource: ${s.chainedRole}`,
    );
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });

  it('caps chained sessions at one hour even when the role allows twelve', async () => {
    const err = await rejection(chain(web, { ExternalId: 'ci-ext-42', DurationSeconds: 3601 }));
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    await expect(chain(web, { ExternalId: 'ci-ext-42', DurationSeconds: 3600 })).resolves.toHaveProperty('Credentials');
  });

  it('lets long-term user keys assume a role that trusts the user, and no other', async () => {
    const out = await s.sts(s.alice).send(new AssumeRoleCommand({ RoleArn: s.userRole, RoleSessionName: 'alice-ops' }));
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/from-user/alice-ops`);
    const err = await rejection(chain(s.alice, { ExternalId: 'ci-ext-42' }));
    expect(err.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRole on resource: ${s.chainedRole}`);
  });

  it('needs sts:TagSession in the trust policy to pass session tags', async () => {
    const tagged = await s.sts(web).send(new AssumeRoleCommand({
      RoleArn: s.chainedRole, RoleSessionName: 'tagged', ExternalId: 'ci-ext-42', Tags: [{ Key: 'pipeline', Value: '42' }],
    }));
    expect(tagged.PackedPolicySize).toBeGreaterThan(0);
    const err = await rejection(s.sts(s.alice).send(new AssumeRoleCommand({
      RoleArn: s.userRole, RoleSessionName: 'tagged', Tags: [{ Key: 'pipeline', Value: '42' }],
    })));
    expect(err.message).toContain('is not authorized to perform: sts:TagSession on resource');
  });
});
