// The credential helper's input read as docker-credential-helpers reads it (Go's bufio line scanner and
// encoding/json Decoder): the expected messages are Go's own, as a helper built on that project prints them.
import { describe, expect, it } from 'vitest';
import { decodeCredentials, HelperInputError, NO_SERVER_URL, NO_USERNAME, scanLines, serverUrlOf } from '../../../../src/commands/ecr-login/helper-input.ts';

/** The refusal, or "ok" with ServerURL|Username|Secret as decoded. */
function store(input: string): string {
  try {
    const c = decodeCredentials(input);
    return `ok ${[c.ServerURL, c.Username, c.Secret].join('|')}`;
  } catch (err) {
    expect(err).toBeInstanceOf(HelperInputError);
    return (err as Error).message;
  }
}

describe('the protocol\'s own words', () => {
  it('are docker-credential-helpers\' literals', () => {
    expect(NO_SERVER_URL).toBe('no credentials server URL');
    expect(NO_USERNAME).toBe('no credentials username');
  });
});

describe('decodeCredentials: Go syntax errors', () => {
  it.each([
    ['', 'EOF'],
    ['  \r\n\n', 'EOF'],
    ['{', 'unexpected EOF'],
    ['{"ServerURL":"h', 'unexpected EOF'],
    ['-', 'unexpected EOF'],
    ['1e+', 'unexpected EOF'],
    ['tru', 'unexpected EOF'],
    ['{1}', 'invalid character \'1\' looking for beginning of object key string'],
    ['{"a" 1}', 'invalid character \'1\' after object key'],
    ['{"a":1 "b":2}', 'invalid character \'"\' after object key:value pair'],
    ['[1 2]', 'invalid character \'2\' after array element'],
    ['[1,]', 'invalid character \']\' looking for beginning of value'],
    ['{"a":"\\x"}', 'invalid character \'x\' in string escape code'],
    ['{"a":"\\u12g4"}', 'invalid character \'g\' in \\u hexadecimal character escape'],
    ['{"a":"tab\there"}', 'invalid character \'\\t\' in string literal'],
    ['-x', 'invalid character \'x\' in numeric literal'],
    ['1.x', 'invalid character \'x\' after decimal point in numeric literal'],
    ['1ex', 'invalid character \'x\' in exponent of numeric literal'],
    ['trux', 'invalid character \'x\' in literal true (expecting \'e\')'],
    ['fals!', 'invalid character \'!\' in literal false (expecting \'e\')'],
    ["'a'", 'invalid character \'\\\'\' looking for beginning of value'],
    ['\\', 'invalid character \'\\\\\' looking for beginning of value'],
    ['\x01', 'invalid character \'\\x01\' looking for beginning of value'],
    ['\x7f', 'invalid character \'\\x7f\' looking for beginning of value'],
    // Go scans bytes and quotes one as a Latin-1 rune: é is C3 A9, so its first byte shows as Ã.
    ['é', 'invalid character \'Ã\' looking for beginning of value'],
    ['\u0085', 'invalid character \'Â\' looking for beginning of value'],
    ['[\u00d7]', 'invalid character \'Ã\' looking for beginning of value'],
    ['['.repeat(10_001), 'invalid character \'[\' exceeded max depth'],
  ])('%j -> %s', (input, message) => {
    expect(store(input)).toBe(message);
  });

  it('refuses a line of 64 KiB or more, as bufio.Scanner does, and takes one a byte shorter', () => {
    expect(store(`"${'a'.repeat(65_534)}"`)).toBe('bufio.Scanner: token too long');
    expect(store(`"${'a'.repeat(65_533)}"`)).toBe('json: cannot unmarshal string into Go value of type credentials.Credentials');
    expect(() => scanLines(`${'é'.repeat(32_768)}\n`)).toThrow('bufio.Scanner: token too long');
  });
});

describe('decodeCredentials: Go decoding into Credentials', () => {
  it.each([
    ['{"ServerURL":"h","Username":"u","Secret":"s"}', 'ok h|u|s'],
    ['{"ServerURL":"h","Username":"u"} and then anything', 'ok h|u|'],
    ['{"serverURL":"h","USERNAME":"u","secret":"s","Other":[1,{"x":null}]}', 'ok h|u|s'],
    ['{"ServerURL":"h","ServerURL":null,"Username":"u"}', 'ok h|u|'],
    ['{"Server\\u0055RL":"h","Username":"u"}', 'ok h|u|'],
    ['{\n"ServerURL": "h",\r\n"Username": "u"\n}\n', 'ok h|u|'],
    ['{"ServerURL":"h\n","Username":"u"}', 'ok h|u|'],
    ['{"ServerURL":" ","Username":" "}', 'ok  | |'],
    ['null', NO_SERVER_URL],
    ['{"Username":"u"}', NO_SERVER_URL],
    ['{"ServerURL":"h","Username":""}', NO_USERNAME],
    ['{"ServerURL":1,"Username":[]}', 'json: cannot unmarshal number into Go struct field Credentials.ServerURL of type string'],
    ['{"ServerURL":"h","Username":"u","Secret":{}}', 'json: cannot unmarshal object into Go struct field Credentials.Secret of type string'],
    ['{"ServerURL":"h","Username":true}', 'json: cannot unmarshal bool into Go struct field Credentials.Username of type string'],
    ['{"ServerURL":["h"]}', 'json: cannot unmarshal array into Go struct field Credentials.ServerURL of type string'],
    ['12x', 'json: cannot unmarshal number into Go value of type credentials.Credentials'],
    ['[]', 'json: cannot unmarshal array into Go value of type credentials.Credentials'],
    ['false', 'json: cannot unmarshal bool into Go value of type credentials.Credentials'],
  ])('%j -> %s', (input, want) => {
    expect(store(input)).toBe(want);
  });
});

describe('serverUrlOf (get, erase)', () => {
  it.each([
    ['h\n', 'h'],
    ['  https://h/v2/ \r\n', 'https://h/v2/'],
    ['a\nb\n', 'ab'],
    ['\u00a0h\u0085', 'h'],
    ['\ufeffh', '\ufeffh'],
  ])('%j -> %j', (input, url) => {
    expect(serverUrlOf(input)).toBe(url);
  });

  it.each(['', '\n', ' \t\r\n', '\u3000'])('%j has no server URL', (input) => {
    expect(() => serverUrlOf(input)).toThrow(new HelperInputError(NO_SERVER_URL));
  });
});
