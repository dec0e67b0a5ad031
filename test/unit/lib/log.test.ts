import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { isSecretName, Log, MIN_PART, processSecrets, Secrets } from '../../../src/lib/log.ts';

/** `n` bytes that look random but are the same every run, so where a match stops is the same every run. */
function bytes(n: number, seed: string): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 < n; i++) chunks.push(createHash('sha256').update(`${seed}/${i}`).digest());
  return Buffer.concat(chunks).subarray(0, n);
}
const b64url = (n: number, seed: string) => bytes(n, seed).toString('base64url');
/** A JWT in three parts, sized like CircleCI's (RS256): header, payload, signature. */
const [header, payload, signature] = [`eyJ${b64url(30, 'header')}`, `eyJ${b64url(400, 'payload')}`, b64url(256, 'signature')];
const JWT = `${header}.${payload}.${signature}`;
/** An AWS secret access key: 40 characters of standard base64, with + and / in it. */
const SECRET_KEY = `wJ+al/${bytes(30, 'key').toString('base64').slice(0, 34)}`;
const KEY_ID = 'ASIAXK7QFAKE2EXAMPLE';
/** The standard and url-safe alphabets of one value. */
const urlSafe = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function secrets(): Secrets {
  const s = new Secrets();
  s.add(JWT, '$CIRCLE_OIDC_TOKEN_V2');
  s.add(SECRET_KEY, '$AWS_SECRET_ACCESS_KEY');
  s.add(KEY_ID, '$AWS_ACCESS_KEY_ID');
  s.add('hunter2!', '$DB_PASSWORD');
  s.add('s3cr@t pass-phrase with spaces');
  return s;
}

describe('Secrets.redact: a secret never shows, whole or in part', () => {
  it.each([
    ['the whole token', `token ${JWT} refused`, 'token **** refused'],
    ['the header alone', `bad header ${header}`, 'bad header ****'],
    ['the payload alone', `claims ${payload}.`, 'claims ****.'],
    ['the signature alone, as an STS may echo it', `InvalidIdentityToken: signature ${signature} does not verify`, 'InvalidIdentityToken: signature **** does not verify'],
    ['header and payload, without the signature', `${header}.${payload}`, '****.****'],
    ['the token in the standard alphabet', `got ${Buffer.from(signature, 'base64url').toString('base64')}`, 'got ****'],
    ['the secret key whole', `key=${SECRET_KEY}`, 'key=****'],
    ['the secret key in the url-safe alphabet', `k ${urlSafe(SECRET_KEY)} x`, 'k **** x'],
    ['the secret key percent-encoded', `body: Secret=${encodeURIComponent(SECRET_KEY)}&x=1`, 'body: Secret=****&x=1'],
    ['the secret key with JSON\'s escaped slashes', `{"m":"${SECRET_KEY.replace(/\//g, '\\/')}"}`, '{"m":"****"}'],
    ['a 16-character slice of the secret key', `echo ${SECRET_KEY.slice(12, 12 + MIN_PART)}!`, 'echo ****!'],
    ['a 16-character slice of the signature glued to other text', `sig=${signature.slice(100, 116)}+end`, 'sig=****+end'],
    ['a key id (the ParamError shows its last four only)', `key ${KEY_ID}`, 'key ****'],
    ['a short password, whole', 'password hunter2! refused', 'password **** refused'],
    ['a password that is not base64, percent-encoded', `p=${encodeURIComponent('s3cr@t pass-phrase with spaces')}`, 'p=****'],
    ['the signature split over a line wrap', `sig: ${signature.slice(0, 60)}\n  ${signature.slice(60, 70)} end`, 'sig: ****\n**** end'],
  ])('%s', (_name, text, expected) => {
    expect(secrets().redact(text)).toBe(expected);
  });

  it.each([
    ['a slice shorter than 16 characters', `near ${SECRET_KEY.slice(3, 3 + MIN_PART - 1)} miss`],
    ['an ARN, a digest and a path', 'arn:aws:iam::123456789012:role/deploy sha256:0123456789abcdef0123456789abcdef /home/circleci/project'],
    ['words of a secret that is not base64', 'the phrase with spaces'],
  ])('leaves %s alone', (_name, text) => {
    expect(secrets().redact(text)).toBe(text);
  });

  it('registers no value shorter than 8 characters (true, main, a port)', () => {
    const s = new Secrets();
    s.add('true', '$USE_TOKEN');
    s.add('8080');
    s.add('main');
    expect(s.redact('self-refresh true on main at 8080')).toBe('self-refresh true on main at 8080');
    expect(s.find('true')).toBeUndefined();
  });

  it('finds which secret a text holds, whole or in part, with the variable it came from', () => {
    const s = secrets();
    expect(s.find(SECRET_KEY)).toMatchObject({ value: SECRET_KEY, label: '$AWS_SECRET_ACCESS_KEY', keyId: false });
    expect(s.find(`x${signature.slice(0, 20)}`)?.label).toBe('$CIRCLE_OIDC_TOKEN_V2');
    expect(s.find(KEY_ID)).toMatchObject({ keyId: true });
    expect(s.find('nothing secret here')).toBeUndefined();
  });

  it('keeps the first label a value was registered with, and takes one for a value learned without', () => {
    const s = new Secrets();
    s.add(SECRET_KEY);
    s.add(SECRET_KEY, '$AWS_SECRET_ACCESS_KEY');
    s.add(SECRET_KEY, '$OTHER_SECRET');
    expect(s.find(SECRET_KEY)?.label).toBe('$AWS_SECRET_ACCESS_KEY');
  });
});

describe('isSecretName', () => {
  it.each([
    ['AWS_SECRET_ACCESS_KEY', true], ['AWS_SESSION_TOKEN', true], ['AWS_ACCESS_KEY_ID', true],
    ['CIRCLE_OIDC_TOKEN', true], ['CIRCLE_OIDC_TOKEN_V2', true], ['GITHUB_TOKEN', true], ['NPM_TOKEN', true],
    ['DB_PASSWORD', true], ['CLIENT_SECRET', true], ['SIGNING_PASSPHRASE', true], ['STRIPE_API_KEY', true], ['npm_token', true],
    ['ORB_PARAM_TOKEN_SOURCE', false], ['ORB_PARAM_SECRETS', false], ['AWS_WEB_IDENTITY_TOKEN_FILE', false],
    ['AWS_SHARED_CREDENTIALS_FILE', false], ['AWS_CREDENTIAL_EXPIRATION', false], ['TOKENIZER', false], ['AWS_REGION', false], ['HOME', false],
  ])('%s -> %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  it('addEnv registers the secret variables of an environment as $NAME, and no others', () => {
    const s = new Secrets();
    s.addEnv({ GITHUB_TOKEN: 'ghp_abcdefghijklmnop', HOME: '/home/circleci', ORB_PARAM_TOKEN_SOURCE: 'circleci-mint' });
    expect(s.find('ghp_abcdefghijklmnop')?.label).toBe('$GITHUB_TOKEN');
    expect(s.redact('/home/circleci circleci-mint')).toBe('/home/circleci circleci-mint');
  });
});

describe('Log', () => {
  it('writes notes and failures redacted, each to its own writer, failures ending with a line break', () => {
    const out: string[] = [];
    const err: string[] = [];
    const log = new Log((t) => out.push(t), { error: (t) => err.push(t), secrets: new Secrets() });
    log.secret(SECRET_KEY, undefined, 'short');
    log.info(`retrying with ${SECRET_KEY}`);
    log.error(`failed: ${urlSafe(SECRET_KEY)}`);
    log.error('two\nlines\n');
    expect(out).toEqual(['retrying with ****\n']);
    expect(err).toEqual(['failed: ****\n', 'two\nlines\n']);
  });

  it('shares the process\'s secrets unless given its own, so every Log of a process knows what any learned', () => {
    const value = `learned-${b64url(24, 'learned')}`;
    const a = new Log(() => {});
    const b = new Log(() => {});
    a.secret(value);
    expect(b.redact(value)).toBe('****');
    expect(processSecrets.find(value)?.value).toBe(value);
    expect(new Log(() => {}, { secrets: new Secrets() }).redact(value)).toBe(value);
  });
});
