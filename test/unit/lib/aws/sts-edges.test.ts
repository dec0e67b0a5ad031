// createSts and its readers at their edges: the chained-session fields AssumeRole sends, answers without
// usable credentials or identity (the error names the call), and a call cut by retry-max-seconds (aborted,
// its connection closed). A server on 127.0.0.1 records each request and answers what the test sets.
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerIdentity, createSts } from '../../../../src/lib/aws/sts.ts';
import { InvalidResponseError } from '../../../../src/lib/aws/errors.ts';
import { withRetry } from '../../../../src/lib/retry.ts';
import { rejection, thrown } from '../../../support/rejection.ts';
import { allClosed, listen, type Running } from './http-rig.ts';

const KEYS = { accessKeyId: 'ASIAEXAMPLEKEY0001', secretAccessKey: 'secret', sessionToken: 'tok' };
const ROLE = { roleArn: 'arn:aws:iam::123456789012:role/r', sessionName: 's', durationSeconds: 900 };
const ACCOUNT = '123456789012';

/** An assume answer for `action` whose Credentials hold `fields` (XML elements). */
const assumed = (action: string, fields: string) => `<${action}Response><${action}Result><Credentials>${fields}</Credentials></${action}Result></${action}Response>`;
const NO_TOKEN = '<AccessKeyId>ASIAEXAMPLEKEY0001</AccessKeyId><SecretAccessKey>s</SecretAccessKey><Expiration>2030-01-01T00:00:00Z</Expiration>';
const FULL = `${NO_TOKEN}<SessionToken>t</SessionToken>`;

let server: Running;
let url = '';
const forms: URLSearchParams[] = [];
/** What the server does with the next requests: answer with these credential fields, or say nothing. */
let answer: { fields: string } | 'silence' = { fields: FULL };
beforeAll(async () => {
  server = await listen(createServer((req, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      forms.push(form);
      if (answer === 'silence') return;
      res.writeHead(200, { 'content-type': 'text/xml' }).end(assumed(form.get('Action') ?? '', answer.fields));
    });
  }));
  url = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

describe('AssumeRole sends the chained-session controls', () => {
  it('transitive tag keys and the source identity, as STS\'s query form names them', async () => {
    answer = { fields: FULL };
    await createSts('us-east-1', url, {}).assumeRole(KEYS, { ...ROLE, tags: [{ key: 'team', value: 'a' }], transitiveTagKeys: ['team'], sourceIdentity: 'ci-user-7' });
    const form = forms.at(-1)!;
    expect(form.get('TransitiveTagKeys.member.1')).toBe('team');
    expect(form.get('SourceIdentity')).toBe('ci-user-7');
  });
});

describe('an answer without usable credentials', () => {
  it.each(['AssumeRoleWithWebIdentity', 'AssumeRole'] as const)('to %s names that call, the endpoint and the missing field', async (action) => {
    answer = { fields: NO_TOKEN };
    const sts = createSts('us-east-1', url, {});
    const call = action === 'AssumeRole' ? sts.assumeRole(KEYS, ROLE) : sts.assumeRoleWithWebIdentity({ ...ROLE, token: 'a.b.c' });
    const err = await rejection(call, InvalidResponseError);
    expect(err.message).toBe(`STS ${action} at ${url} answered credentials without a usable SessionToken`);
  });
});

describe('a GetCallerIdentity answer without a usable identity', () => {
  it('missing Arn and Account are quoted as empty', () => {
    expect(thrown(() => callerIdentity({}), InvalidResponseError).message).toBe('STS GetCallerIdentity answered no usable identity (Arn "", Account ""): it must be an IAM or STS ARN in a 12-digit account');
  });

  it('an Account of 13 digits is refused, even with an ARN that names it', () => {
    const account = `${ACCOUNT}3`;
    expect(() => callerIdentity({ Arn: `arn:aws:iam::${account}:user/ci`, Account: account })).toThrow(`no usable identity (Arn "arn:aws:iam::${account}:user/ci", Account "${account}")`);
  });

  it('a missing UserId reads as empty', () => {
    expect(callerIdentity({ Arn: `arn:aws:iam::${ACCOUNT}:user/ci`, Account: ACCOUNT })).toEqual({ arn: `arn:aws:iam::${ACCOUNT}:user/ci`, account: ACCOUNT, userId: '' });
  });
});

// A regression (a call not aborted) fails by this limit instead of hanging to the 15 s call deadline.
describe('a call cut short by retry-max-seconds', { timeout: 10_000 }, () => {
  const deps = { now: Date.now, sleep: () => Promise.resolve(), random: () => 0, log: () => undefined };
  it.each(['AssumeRoleWithWebIdentity', 'AssumeRole'] as const)('%s: named in the error, and its request aborted', async (action) => {
    answer = 'silence';
    const sts = createSts('us-east-1', url, {});
    const opened = server.sockets.length;
    const call = () => (action === 'AssumeRole' ? sts.assumeRole(KEYS, ROLE) : sts.assumeRoleWithWebIdentity({ ...ROLE, token: 'a.b.c' }));
    const err = await rejection(withRetry(action, { maxAttempts: 1, totalSeconds: 0.3 }, deps, call));
    expect(err).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(new RegExp(`^STS ${action} got no answer within [\\d.]+s \\(what was left of retry-max-seconds\\)$`)) });
    expect(server.sockets.length).toBeGreaterThan(opened);
    await allClosed(server.sockets.slice(opened));
  });
});
