// Redaction at its edges: where in a text a secret sits, how two secrets meet, base64 padding after one,
// which secret a text is said to hold, which values are key ids, and which variable names hold secrets.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { isSecretName, NODE_DEBUG_OFF, Secrets } from '../../../src/lib/log.ts';

/** A standard-alphabet base64 value with + and / in it, the same every run. */
const b64 = (n: number, seed: string) => `a+b/${createHash('sha512').update(seed).digest('base64').replace(/=+$/, '').slice(0, n - 4)}`;
const KEY = b64(40, 'secret key');
const TOKEN = b64(60, 'session token');

function with_(...values: [string, (string | undefined)?][]): Secrets {
  const s = new Secrets();
  for (const [v, label] of values) s.add(v, label);
  return s;
}

describe('Secrets.redact at the edges of a text', () => {
  it('masks a secret at the very start of a text, also one that is no base64', () => {
    expect(with_(['hunter2!']).redact('hunter2! was refused')).toBe('**** was refused');
    expect(with_([KEY]).redact(`${KEY} was refused`)).toBe('**** was refused');
  });

  it('masks a percent-encoded slice of a secret, its + and / decoded', () => {
    const slice = KEY.slice(0, 20);
    expect(encodeURIComponent(slice)).toMatch(/%2B.*%2F/);
    expect(with_([KEY]).redact(`q=${encodeURIComponent(slice)}&x=1`)).toBe('q=****&x=1');
  });

  it('masks two secrets that touch as one run', () => {
    expect(with_(['hunter2!'], ['p@ssw0rd']).redact('[hunter2!p@ssw0rd]')).toBe('[****]');
  });

  it('takes at most two = of padding after a masked run along with it', () => {
    const s = with_([TOKEN]);
    expect(s.redact(`t=${TOKEN}== end`)).toBe('t=**** end');
    expect(s.redact(`t=${TOKEN}=== end`)).toBe('t=****= end');
  });
});

describe('Secrets.redact: what counts toward the 16 characters of a slice', () => {
  it('does not count base64 padding: 15 characters of a secret and its = stay, 16 are masked', () => {
    const padded = `${KEY.slice(0, 39)}=`;
    const s = with_([padded]);
    expect(s.redact(`end ${padded.slice(-16)} x`)).toBe(`end ${padded.slice(-16)} x`);
    expect(s.redact(`end ${padded.slice(-17)} x`)).toBe('end **** x');
  });
});

describe('Secrets.find', () => {
  it('names a slice two secrets share after the one registered first, as it does a value', () => {
    const s = with_([TOKEN, '$AWS_SESSION_TOKEN'], [`Bearer ${TOKEN}`, '$AUTH_HEADER_SECRET']);
    expect(s.find(TOKEN.slice(20, 40))?.label).toBe('$AWS_SESSION_TOKEN');
  });

  it('names the secret that comes first in the text, whichever was registered first', () => {
    const s = with_([KEY, '$AWS_SECRET_ACCESS_KEY'], [TOKEN, '$AWS_SESSION_TOKEN']);
    expect(s.find(`${TOKEN} then ${KEY}`)?.label).toBe('$AWS_SESSION_TOKEN');
    expect(s.find(`${KEY} then ${TOKEN}`)?.label).toBe('$AWS_SECRET_ACCESS_KEY');
    expect(s.find(`x ${TOKEN.slice(30, 50)} then ${KEY}`)?.label).toBe('$AWS_SESSION_TOKEN');
  });
});

describe('which secrets are key ids (an error may show their last four characters)', () => {
  it.each([
    ['AKIAIOSFODNN7EXAMPLE', undefined, true],
    ['ASIAXK7QFAKE2EXAMPLE', undefined, true],
    ['ASIA0123456789AB', undefined, true],
    ['some-key-id-of-another-shape', '$AWS_ACCESS_KEY_ID', true],
    ['AKIAIOSFODNN7EXAMPLE', '$AWS_SECRET_ACCESS_KEY', true],
    ['ASIA0123456789A', undefined, false],
    ['xAKIAIOSFODNN7EXAMPLE', undefined, false],
    ['AKIAIOSFODNN7EXAMPLe', undefined, false],
    ['ABIAIOSFODNN7EXAMPLE', undefined, false],
    ['AKIA-IOSFODNN7EXAMPLE', undefined, false],
    [`AKIA${'A'.repeat(125)}`, undefined, false],
  ])('%s (%s) -> %s', (value, label, keyId) => {
    expect(with_([value, label]).find(value)?.keyId).toBe(keyId);
  });
});

describe('isSecretName at the edges', () => {
  it.each([
    ['TOKEN', true], ['PASSWORD', true], ['SECRET', true], ['APIKEY', true], ['PRIVATEKEY', true], ['DEPLOY_PRIVATE_KEY', true],
    ['MY_ORB_PARAM_TOKEN', true], ['SLACK_WEBHOOK_URL_TOKEN', true], ['TOKEN_FILE_CONTENTS', true],
    ['ORB_PARAM_API_KEY', false], ['DEPLOY_KEY_PATH', false], ['TOKENS_DIR', false],
  ])('%s -> %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });
});

describe('NODE_DEBUG_OFF', () => {
  it('clears NODE_DEBUG and NODE_DEBUG_NATIVE for the node it is put before', () => {
    const out = execFileSync('sh', ['-c', `${NODE_DEBUG_OFF} "$0" -e 'process.stdout.write(JSON.stringify([process.env.NODE_DEBUG, process.env.NODE_DEBUG_NATIVE]))'`, process.execPath],
      { env: { ...process.env, NODE_DEBUG: 'http', NODE_DEBUG_NATIVE: 'http2' }, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(['', '']);
  });
});
