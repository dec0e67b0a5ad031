// createSts on the wire: against the strict local AWS (web identity JWTs and SigV4 verified), and
// against a bare server that records what was sent (no Authorization on AssumeRoleWithWebIdentity).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCOUNT, job, rejection, startStack, type Stack } from '../../../harness/aws/fixture.ts';
import { callerIdentity, createSts, sessionCredentials, type StsPort } from '../../../../src/lib/aws/sts.ts';
import { awsErrorInfo } from '../../../../src/lib/aws/errors.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { thrown } from '../../../support/rejection.ts';
import { retryReason } from '../../../../src/lib/retry.ts';

let s: Stack;
let sts: StsPort;
beforeAll(async () => {
  s = await startStack();
  sts = createSts('us-east-1', s.aws.url, {}, () => s.aws.time());
});
afterAll(() => s.close());

describe('createSts against the local AWS', () => {
  it('assumes the role with a web identity, chains with an external id and tags, and says who each session is', async () => {
    const web = await sts.assumeRoleWithWebIdentity({ roleArn: s.deployRole, sessionName: 'unit-1', token: await s.issuer.mint(job()), durationSeconds: 900 });
    expect(web.accessKeyId).toMatch(/^ASIA/);
    expect(web.expiration.getTime() - s.aws.time()).toBeGreaterThan(890_000);
    expect(await sts.getCallerIdentity(web)).toMatchObject({ arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/unit-1`, account: ACCOUNT });
    const chained = await sts.assumeRole(web, {
      roleArn: s.chainedRole, sessionName: 'unit-2', externalId: 'ci-ext-42', durationSeconds: 900,
      tags: [{ key: 'team', value: 'a b&c' }], transitiveTagKeys: ['team'],
      policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
    });
    const who = await sts.getCallerIdentity(chained);
    expect(who.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/chained/unit-2`);
    expect(who.userId).toMatch(/^AROA.*:unit-2$/);
  });

  it('refusals keep the SDK error shape: code, message and status', async () => {
    const denied = await rejection(sts.assumeRoleWithWebIdentity({ roleArn: s.deployRole, sessionName: 'xx', token: await s.issuer.mint(job('feature')), durationSeconds: 900 }));
    expect(awsErrorInfo(denied)).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(retryReason(denied)).toBeUndefined();
    const bad = await rejection(sts.assumeRoleWithWebIdentity({ roleArn: s.deployRole, sessionName: 'xx', token: 'not.a.jwt', durationSeconds: 900 }));
    expect(awsErrorInfo(bad).code).toBe('InvalidIdentityToken');
    const old = await s.issuer.mint(job(), { iat: Math.floor(s.aws.time() / 1000) - 7200 });
    const oldErr = await rejection(sts.assumeRoleWithWebIdentity({ roleArn: s.deployRole, sessionName: 'xx', token: old, durationSeconds: 900 }));
    expect(awsErrorInfo(oldErr)).toMatchObject({ code: 'ExpiredTokenException', status: 400 });
    const malformed = await rejection(sts.assumeRoleWithWebIdentity({ roleArn: s.deployRole, sessionName: 'xx', token: await s.issuer.mint(job()), durationSeconds: 900, policy: '{not json' }));
    expect(awsErrorInfo(malformed).code).toBe('MalformedPolicyDocument');
    const web = await sts.assumeRoleWithWebIdentity({ roleArn: s.deployRole, sessionName: 'xx', token: await s.issuer.mint(job()), durationSeconds: 900 });
    const noExternalId = await rejection(sts.assumeRole(web, { roleArn: s.chainedRole, sessionName: 'yy', durationSeconds: 900 }));
    expect(awsErrorInfo(noExternalId)).toMatchObject({ code: 'AccessDenied', status: 403 });
    s.clock.offsetMs = 901_000;
    try {
      const expired = await rejection(sts.getCallerIdentity(web));
      expect(awsErrorInfo(expired)).toMatchObject({ code: 'ExpiredToken', status: 403 });
    } finally {
      s.clock.offsetMs = 0;
    }
  });

  it('finds the endpoint in AWS_ENDPOINT_URL_STS (the SDK reads it), and a refused connection is a retried network error', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_STS', s.aws.url);
    try {
      const viaEnv = createSts('us-east-1', '', {}, () => s.aws.time());
      const web = await viaEnv.assumeRoleWithWebIdentity({ roleArn: s.deployRole, sessionName: 'env', token: await s.issuer.mint(job()), durationSeconds: 900 });
      expect((await viaEnv.getCallerIdentity(web)).account).toBe(ACCOUNT);
    } finally {
      vi.unstubAllEnvs();
    }
    const err = await rejection(createSts('us-east-1', 'http://127.0.0.1:1', {}).assumeRoleWithWebIdentity({ roleArn: s.deployRole, sessionName: 'xx', token: 't', durationSeconds: 900 }));
    expect(retryReason(err)).toBe('ECONNREFUSED');
  });
});

describe('createSts requests', () => {
  const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
  let server: Server;
  let url = '';
  const creds = (action: string) => action === 'GetCallerIdentity'
    ? '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>'
    : `<${action}Response><${action}Result><Credentials><AccessKeyId>ASIAEXAMPLEKEY0001</AccessKeyId><SecretAccessKey>s</SecretAccessKey>`
    + `<SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></${action}Result></${action}Response>`;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'text/xml' }).end(creds(new URLSearchParams(body).get('Action') ?? ''));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('AssumeRoleWithWebIdentity goes unsigned, with the token and policy form-encoded', async () => {
    const token = 'aa.bb.cc+/=';
    const policy = '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';
    const out = await createSts('eu-west-1', url, {}).assumeRoleWithWebIdentity({ roleArn: 'arn:aws:iam::1:role/r', sessionName: 's', token, durationSeconds: 900, policy, policyArns: ['arn:p'] });
    expect(out).toEqual({ accessKeyId: 'ASIAEXAMPLEKEY0001', secretAccessKey: 's', sessionToken: 't', expiration: new Date('2030-01-01T00:00:00Z') });
    const req = seen.at(-1)!;
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['x-amz-security-token']).toBeUndefined();
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.body).toContain('WebIdentityToken=aa.bb.cc%2B%2F%3D');
    expect(Object.fromEntries(new URLSearchParams(req.body))).toMatchObject({ Policy: policy, 'PolicyArns.member.1.arn': 'arn:p', DurationSeconds: '900' });
  });

  it('AssumeRole and GetCallerIdentity are signed for sts in the region, with the session token', async () => {
    const sts2 = createSts('eu-west-1', url, {});
    const keys = { accessKeyId: 'ASIAKEY', secretAccessKey: 'secret', sessionToken: 'tok', expiration: new Date() };
    await sts2.assumeRole(keys, { roleArn: 'arn:aws:iam::1:role/r', sessionName: 's', durationSeconds: 900 });
    expect(seen.at(-1)!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAKEY\/\d{8}\/eu-west-1\/sts\/aws4_request, /);
    expect(seen.at(-1)!.headers['x-amz-security-token']).toBe('tok');
    await sts2.getCallerIdentity(keys);
    expect(new URLSearchParams(seen.at(-1)!.body).get('Action')).toBe('GetCallerIdentity');
    expect(seen.at(-1)!.headers.authorization).toContain('/eu-west-1/sts/aws4_request');
  });
});

describe('AWS query protocol rules the hand-made layer broke', () => {
  it('sends a session tag with an empty value as Tags.member.N.Value= (STS allows values of 0 characters)', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        seen.push(body);
        res.writeHead(200, { 'content-type': 'text/xml' }).end('<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLEKEY0001</AccessKeyId>'
          + '<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await createSts('us-east-1', url, {}).assumeRole({ accessKeyId: 'ASIAKEY', secretAccessKey: 's', sessionToken: 't' },
        { roleArn: 'arn:aws:iam::1:role/r', sessionName: 's', durationSeconds: 900, tags: [{ key: 'k1', value: 'v' }, { key: 'k2', value: '' }] });
      const form = new URLSearchParams(seen[0]);
      expect(form.get('Tags.member.2.Key')).toBe('k2');
      expect(form.has('Tags.member.2.Value')).toBe(true);
      expect(form.get('Tags.member.2.Value')).toBe('');
      expect(seen[0]).toMatch(/(^|&)Tags\.member\.2\.Value=(&|$)/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('what an STS answer must hold before it is used', () => {
  const good = { AccessKeyId: 'ASIAEXAMPLEKEY0001', SecretAccessKey: 'wJalr/K7MDENG+bPxRfiCY', SessionToken: 'IQoJb3JpZ2luX2Vj//////////wEaCXVz', Expiration: new Date('2030-01-01T00:00:00Z') };

  it('credentials need all four fields, usable as they are: the error names the call and the fields, never a value', () => {
    expect(sessionCredentials('AssumeRole', { Credentials: good })).toMatchObject({ accessKeyId: good.AccessKeyId, sessionToken: good.SessionToken });
    const cases: [object | undefined, string][] = [
      [undefined, 'AccessKeyId, SecretAccessKey, SessionToken, Expiration'],
      [{ ...good, SessionToken: undefined }, 'SessionToken'],
      [{ ...good, SessionToken: 'tok\nexport X=1' }, 'SessionToken'],
      [{ ...good, SecretAccessKey: 'has a space' }, 'SecretAccessKey'],
      [{ ...good, AccessKeyId: 'ASIA' }, 'AccessKeyId'],
      [{ ...good, Expiration: new Date('x') }, 'Expiration'],
    ];
    for (const [c, fields] of cases) {
      const err = thrown(() => sessionCredentials('AssumeRoleWithWebIdentity', { Credentials: c } as never));
      expect(err).toBeInstanceOf(OrbError);
      expect(err.message).toBe(`STS AssumeRoleWithWebIdentity answered credentials without a usable ${fields}`);
      expect(awsErrorInfo(err)).toMatchObject({ code: 'InvalidResponse', status: 200 });
    }
  });

  it.each([
    ['arn:aws:sts::123456789012:assumed-role/deploy/ci-1', '123456789012', true],
    ['arn:aws-cn:iam::123456789012:user/path/ci', '123456789012', true],
    ['arn:aws-us-gov:iam::123456789012:root', '123456789012', true],
    ['', '', false],
    ['', '123456789012', false],
    ['arn:aws:sts::123456789012:assumed-role/deploy/ci-1', '', false],
    ['arn:aws:sts::999999999999:assumed-role/deploy/ci-1', '123456789012', false],
    ['arn:aws:s3:::bucket', '123456789012', false],
    ['admin', 'abc', false],
    ['arn:aws:sts::123456789012:assumed-role/deploy/x y', '123456789012', false],
  ])('GetCallerIdentity Arn %j, Account %j: used %s', (arn, account, ok) => {
    const read = () => callerIdentity({ Arn: arn, Account: account, UserId: 'AROA:x' });
    if (ok) expect(read()).toEqual({ arn, account, userId: 'AROA:x' });
    else expect(read).toThrow(`STS GetCallerIdentity answered no usable identity (Arn ${JSON.stringify(arn)}, Account ${JSON.stringify(account)})`);
  });
});
