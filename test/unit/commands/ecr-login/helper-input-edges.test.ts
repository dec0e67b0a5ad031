// More of what a helper built on docker-credential-helpers answers (Go's bufio line scanner and encoding/json
// Decoder): numbers in every form Go's grammar has, escapes, control characters as Go quotes them, lines
// ending in CR, the deepest nesting Go takes, and keys that match a field only when folded as Go folds them.
import { describe, expect, it } from 'vitest';
import { decodeCredentials, HelperInputError, serverUrlOf } from '../../../../src/commands/ecr-login/helper-input.ts';

function store(input: string): string {
  try {
    const c = decodeCredentials(input);
    return `ok ${JSON.stringify(c)}`;
  } catch (err) {
    expect(err).toBeInstanceOf(HelperInputError);
    expect((err as Error).name).toBe('HelperInputError');
    return (err as Error).message;
  }
}

const OK = (ServerURL: string, Username: string, Secret = '') => `ok ${JSON.stringify({ ServerURL, Username, Secret })}`;
const notString = (kind: string, field = 'ServerURL') => `json: cannot unmarshal ${kind} into Go struct field Credentials.${field} of type string`;
const notCredentials = (kind: string) => `json: cannot unmarshal ${kind} into Go value of type credentials.Credentials`;

describe('decodeCredentials: numbers as Go scans them', () => {
  it.each([
    ['0', notCredentials('number')],
    ['9', notCredentials('number')],
    ['1.5', notCredentials('number')],
    ['1e-5', notCredentials('number')],
    ['-0.25E+3', notCredentials('number')],
    ['{"ServerURL":12}', notString('number')],
    ['{"ServerURL":1.55}', notString('number')],
    ['{"ServerURL":1E5}', notString('number')],
    ['{"ServerURL":0123}', 'invalid character \'1\' after object key:value pair'],
    ['{"ServerURL":-01}', 'invalid character \'1\' after object key:value pair'],
  ])('%j -> %s', (input, message) => {
    expect(store(input)).toBe(message);
  });
});

describe('decodeCredentials: strings and syntax', () => {
  it('decodes the short escapes', () => {
    expect(store('{"ServerURL":"h\\/\\"\\\\\\b\\f\\n\\r\\t","Username":"u"}')).toBe(OK('h/"\\\b\f\n\r\t', 'u'));
  });

  it.each([
    ['\x07', '\\a'], ['\x08', '\\b'], ['\x0b', '\\v'], ['\x0c', '\\f'], ['\r', '\\r'], ['\x1f', '\\x1f'],
  ])('quotes control character %j in a string as Go does (%s)', (c, quoted) => {
    expect(store(`{"ServerURL":"a${c}b"}`)).toBe(`invalid character '${quoted}' in string literal`);
  });

  it('quotes a space where a literal went on', () => {
    expect(store('tru e')).toBe('invalid character \' \' in literal true (expecting \'e\')');
  });

  it('takes } only where an object may end', () => {
    expect(store('{"ServerURL":}')).toBe('invalid character \'}\' looking for beginning of value');
  });

  it('takes nesting 10000 deep, Go\'s limit, and refuses one more', () => {
    expect(store(`${'['.repeat(10_000)}${']'.repeat(10_000)}`)).toBe(notCredentials('array'));
    expect(store(`${'['.repeat(10_001)}${']'.repeat(10_001)}`)).toBe('invalid character \'[\' exceeded max depth');
  });

  it('leaves Secret empty, Go\'s zero value, when the input has none', () => {
    expect(decodeCredentials('{"ServerURL":"h","Username":"u"}')).toEqual({ ServerURL: 'h', Username: 'u', Secret: '' });
  });

  it('matches a key to a field folded as Go folds it: the long s (ſ) is an s', () => {
    expect(store('{"ſerverURL":"h","uſername":"u","ſecret":"s"}')).toBe(OK('h', 'u', 's'));
  });
});

describe('the lines of the input', () => {
  it('drop the CR before each line feed, also inside a string that goes on over the line', () => {
    expect(store('{"ServerURL":"h\r\nx","Username":"u"}\r\n')).toBe(OK('hx', 'u'));
  });

  it('are all joined, an empty one among them too', () => {
    expect(serverUrlOf('a\n\nb')).toBe('ab');
  });
});
