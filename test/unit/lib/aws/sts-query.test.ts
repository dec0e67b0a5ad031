// STS query encoding and XML reading without a network: form bodies (token, policy JSON, tags, lists)
// and replies (credentials, identity, entities, ErrorResponse documents).
import { describe, expect, it } from 'vitest';
import {
  assumeRoleBody, callerIdentityBody, callerIdentityOf, credentialsOf, formBody, formEncode, stsReply, webIdentityBody,
} from '../../../../src/lib/aws/sts-query.ts';
import { decodeXml, xmlElement, xmlField } from '../../../../src/lib/aws/xml.ts';
import { awsErrorInfo } from '../../../../src/lib/sts.ts';

/** The body as the server reads it: name -> value, decoded. */
const parsed = (body: string) => Object.fromEntries(new URLSearchParams(body));

describe('form encoding', () => {
  it('keeps unreserved characters and percent-encodes the rest, space as %20', () => {
    expect(formEncode('aZ09-_.~')).toBe('aZ09-_.~');
    expect(formEncode("a b+c/d=e&f!'()*:")).toBe('a%20b%2Bc%2Fd%3De%26f%21%27%28%29%2A%3A');
    expect(formEncode('é')).toBe('%C3%A9');
  });

  it('starts with Action and Version and leaves out parameters without a value', () => {
    expect(formBody('X', [['A', undefined], ['B', ''], ['C', 3]])).toBe('Action=X&Version=2011-06-15&C=3');
    expect(callerIdentityBody()).toBe('Action=GetCallerIdentity&Version=2011-06-15');
  });

  it('AssumeRoleWithWebIdentity carries the token and the policy JSON intact, and numbered policy ARNs', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvcmcvbzEifQ.sig_-+/=';
    const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a b&c=d"}]}';
    const body = webIdentityBody({
      roleArn: 'arn:aws:iam::123456789012:role/deploy', sessionName: 's-1', durationSeconds: 900, token, policy,
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/p'],
    });
    expect(body).not.toMatch(/[{}" +]/);
    expect(body).toContain('Policy=%7B%22Version%22');
    expect(parsed(body)).toEqual({
      Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: 'arn:aws:iam::123456789012:role/deploy', RoleSessionName: 's-1',
      DurationSeconds: '900', Policy: policy, 'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'PolicyArns.member.2.arn': 'arn:aws:iam::123456789012:policy/p', WebIdentityToken: token,
    });
  });

  it('AssumeRole carries the external id, tags as Key/Value pairs, transitive keys and the source identity', () => {
    const body = assumeRoleBody({
      roleArn: 'arn:aws:iam::123456789012:role/chained', sessionName: 's', durationSeconds: 3600, externalId: 'ext=1&2',
      tags: [{ key: 'team', value: 'a b' }, { key: 'env:name', value: 'prod/eu' }], transitiveTagKeys: ['team', 'env:name'], sourceIdentity: 'alice@example.com',
    });
    expect(parsed(body)).toEqual({
      Action: 'AssumeRole', Version: '2011-06-15', RoleArn: 'arn:aws:iam::123456789012:role/chained', RoleSessionName: 's', DurationSeconds: '3600',
      ExternalId: 'ext=1&2', 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'a b', 'Tags.member.2.Key': 'env:name', 'Tags.member.2.Value': 'prod/eu',
      'TransitiveTagKeys.member.1': 'team', 'TransitiveTagKeys.member.2': 'env:name', SourceIdentity: 'alice@example.com',
    });
    expect(body).not.toContain('Policy');
  });
});

describe('XML replies', () => {
  it('decodes the named entities and numeric references, and leaves unknown ones', () => {
    expect(decodeXml('a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#65;&#x42;&#x1F600; &nbsp; &amp;lt;')).toBe('a & b <c> "d" \'e\' AB\u{1F600} &nbsp; &lt;');
    expect(xmlField('<R><Arn>x</Arn><Arn>y</Arn></R>', 'Arn')).toBe('x');
    expect(xmlField('<R><Arn/></R>', 'Arn')).toBeUndefined();
    expect(xmlElement('<A><Credentials>\n<X>1</X>\n</Credentials></A>', 'Credentials')).toBe('\n<X>1</X>\n');
  });

  it('reads the credentials of an assume answer', () => {
    const xml = '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>'
      + '<SubjectFromWebIdentityToken>org/o1</SubjectFromWebIdentityToken><Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId>'
      + '<SecretAccessKey>s/e+c&amp;r</SecretAccessKey><SessionToken>T&#61;&#61;</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>'
      + '</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>';
    expect(credentialsOf('AssumeRoleWithWebIdentity', xml)).toEqual({
      accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's/e+c&r', sessionToken: 'T==', expiration: new Date('2030-01-01T00:00:00Z'),
    });
    expect(() => credentialsOf('AssumeRole', '<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>')).toThrow('STS answered AssumeRole without credentials');
  });

  it('reads who GetCallerIdentity says the caller is', () => {
    const xml = '<GetCallerIdentityResponse><GetCallerIdentityResult><UserId>AROA:x</UserId><Account>123456789012</Account>'
      + '<Arn>arn:aws:sts::123456789012:assumed-role/deploy/x</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>';
    expect(callerIdentityOf(xml)).toEqual({ arn: 'arn:aws:sts::123456789012:assumed-role/deploy/x', account: '123456789012', userId: 'AROA:x' });
  });

  it('turns an ErrorResponse into an error shaped as the SDK shapes them', () => {
    const body = '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>'
      + '<Message>Incorrect token audience &quot;x&quot; &amp; more</Message></Error><RequestId>r-1</RequestId></ErrorResponse>';
    let err: unknown;
    try { stsReply('AssumeRoleWithWebIdentity', { status: 400, body }); } catch (e) { err = e; }
    expect(err).toMatchObject({ name: 'InvalidIdentityToken', Code: 'InvalidIdentityToken', $metadata: { httpStatusCode: 400 } });
    expect(awsErrorInfo(err)).toEqual({ code: 'InvalidIdentityToken', message: 'Incorrect token audience "x" & more', status: 400 });
    const expired = '<ErrorResponse><Error><Code>ExpiredTokenException</Code><Message>expired</Message></Error></ErrorResponse>';
    expect(() => stsReply('AssumeRole', { status: 400, body: expired })).toThrow(expect.objectContaining({ Code: 'ExpiredTokenException' }));
  });

  it('a reply that is not an ErrorResponse still fails with its status', () => {
    let err: unknown;
    try { stsReply('AssumeRole', { status: 503, body: '<html>Service Unavailable</html>' }); } catch (e) { err = e; }
    expect(awsErrorInfo(err)).toEqual({ code: 'UnknownError', message: 'STS answered AssumeRole with HTTP 503', status: 503 });
    expect(stsReply('AssumeRole', { status: 200, body: '<ok/>' })).toBe('<ok/>');
  });
});
