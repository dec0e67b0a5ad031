// What docker writes on the credential helper's stdin, read the way helpers built on
// docker-credential-helpers read it (Go: a bufio line scanner, then encoding/json's Decoder into its
// Credentials struct), so that each refusal is in that project's words, which docker passes on.
// Protocol: https://github.com/docker/docker-credential-helpers (credentials/credentials.go, error.go).

/** A refusal docker-credential-helpers would print; the message is theirs, byte for byte. */
export class HelperInputError extends Error {
  override readonly name = 'HelperInputError';
}

/** docker-credential-helpers' words for a store without ServerURL and a get/erase without input. */
export const NO_SERVER_URL = 'no credentials server URL';
/** docker-credential-helpers' words for a store without Username. */
export const NO_USERNAME = 'no credentials username';

/** Go's bufio.Scanner refuses a line of 64 KiB or more (without its newline). */
const MAX_LINE_BYTES = 64 * 1024 - 1;

/** The input as the helpers see it: its lines, each without its newline and one trailing CR, joined with nothing. */
export function scanLines(input: string): string {
  const lines = input.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.some((l) => Buffer.byteLength(l) > MAX_LINE_BYTES)) throw new HelperInputError('bufio.Scanner: token too long');
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).join('');
}

/** Unicode White_Space, which Go's strings.TrimSpace trims (not U+FEFF, which String.prototype.trim also trims). */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+';
const GO_TRIM = new RegExp(`^${GO_SPACE}|${GO_SPACE}$`, 'g');

/** `get` and `erase` read a server URL: the joined lines, trimmed; empty is refused. */
export function serverUrlOf(input: string): string {
  const url = scanLines(input).replace(GO_TRIM, '');
  if (!url) throw new HelperInputError(NO_SERVER_URL);
  return url;
}

/** The JSON kinds, named as Go's type errors name them. */
type Kind = 'object' | 'array' | 'string' | 'number' | 'bool' | 'null';
/** The first JSON value of the input: its kind and, for an object, its members in order (string values decoded). */
interface TopValue { kind: Kind; members: [key: string, kind: Kind, value: string][] }

/**
 * Go's quoting of a byte in a syntax error: 'x', '\'', '"', '\n', '\x01'. Go shows a byte of 0x80 and up
 * as the Latin-1 character of that number; the input is text, so the byte that errs is the first of a
 * UTF-8 sequence (0xC2 to 0xF4), and each of those is a printable Latin-1 character ('Ã' for é).
 */
function quoteByte(c: number): string {
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 39: "\\'", 92: '\\\\' };
  if (named[c] !== undefined) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

const LITERALS: Record<number, [word: string, kind: Kind]> = { 0x74: ['true', 'bool'], 0x66: ['false', 'bool'], 0x6e: ['null', 'null'] };
const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const isHex = (c: number | undefined) => c !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(c));

/** A cursor over the input's UTF-8 bytes that fails the way Go's JSON scanner does. */
class Bytes {
  i = 0;
  constructor(readonly b: Buffer) {}
  peek(): number | undefined { return this.b[this.i]; }
  /** The next byte, or the Decoder's end-of-input error. */
  next(): number {
    const c = this.b[this.i++];
    if (c === undefined) throw new HelperInputError(/[^ \t\r\n]/.test(this.b.toString('latin1')) ? 'unexpected EOF' : 'EOF');
    return c;
  }
  fail(c: number, context: string): never { throw new HelperInputError(`invalid character ${quoteByte(c)} ${context}`); }
  skipSpace(): void { while ([0x20, 0x09, 0x0d, 0x0a].includes(this.peek() ?? -1)) this.i++; }
  /** A string from its opening quote; returns it decoded. */
  string(): string {
    const start = this.i++;
    for (let c = this.next(); c !== 0x22; c = this.next()) {
      if (c < 0x20) this.fail(c, 'in string literal');
      if (c !== 0x5c) continue;
      const e = this.next();
      if (e === 0x75) {
        for (let k = 0; k < 4; k++) { const h = this.next(); if (!isHex(h)) this.fail(h, 'in \\u hexadecimal character escape'); }
      } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) this.fail(e, 'in string escape code');
    }
    return JSON.parse(this.b.toString('utf8', start, this.i)) as string;
  }
  /** A number (Go's grammar); one that ends the input is whole only at the top level (the caller's next read says so). */
  number(): void {
    const digits = (context: string) => { const c = this.next(); if (!isDigit(c)) this.fail(c, context); while (isDigit(this.peek())) this.i++; };
    if (this.peek() === 0x2d) this.i++;
    const first = this.next();
    if (!isDigit(first)) this.fail(first, 'in numeric literal');
    if (first !== 0x30) while (isDigit(this.peek())) this.i++;
    if (this.peek() === 0x2e) { this.i++; digits('after decimal point in numeric literal'); }
    if (this.peek() === 0x65 || this.peek() === 0x45) {
      this.i++;
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.i++;
      digits('in exponent of numeric literal');
    }
  }
  literal(word: string): void {
    for (let k = 0; k < word.length; k++) {
      const c = this.next();
      if (c !== word.charCodeAt(k)) this.fail(c, `in literal ${word} (expecting '${word[k] ?? ''}')`);
    }
  }
}

/** Scans the first JSON value of the input as Go's Decoder does (what follows it is not read). */
function firstValue(b: Bytes): TopValue {
  const stack: ('object' | 'array')[] = [];
  const top: TopValue = { kind: 'null', members: [] };
  let key = '';
  let state: 'value' | 'value-or-end' | 'key' | 'key-or-end' | 'colon' | 'after' = 'value';
  for (;;) {
    if (state === 'after' && stack.length === 0) return top;
    b.skipSpace();
    const c = b.next();
    if ((state === 'value-or-end' && c === 0x5d) || (state === 'key-or-end' && c === 0x7d)) { stack.pop(); state = 'after'; continue; }
    if (state === 'key' || state === 'key-or-end') {
      if (c !== 0x22) b.fail(c, 'looking for beginning of object key string');
      b.i--;
      const k = b.string();
      if (stack.length === 1) key = k;
      state = 'colon';
    } else if (state === 'colon') {
      if (c !== 0x3a) b.fail(c, 'after object key');
      state = 'value';
    } else if (state === 'after') {
      const inObject = stack.at(-1) === 'object';
      if (c === 0x2c) state = inObject ? 'key' : 'value';
      else if (c === (inObject ? 0x7d : 0x5d)) stack.pop();
      else b.fail(c, inObject ? 'after object key:value pair' : 'after array element');
    } else {
      b.i--;
      const [kind, text] = scanValue(b, c, stack);
      const depth = stack.length - (kind === 'object' || kind === 'array' ? 1 : 0);
      if (depth === 0) top.kind = kind;
      else if (depth === 1 && stack[0] === 'object') top.members.push([key, kind, text]);
      state = kind === 'object' ? 'key-or-end' : kind === 'array' ? 'value-or-end' : 'after';
    }
  }
}

/** Go's scanner stops at this depth of nesting. */
const MAX_DEPTH = 10_000;

/** Scans one value starting at byte `c` (not yet consumed): a scalar whole, a container's opening only. */
function scanValue(b: Bytes, c: number, stack: ('object' | 'array')[]): [Kind, string] {
  if (c === 0x7b || c === 0x5b) {
    b.i++;
    stack.push(c === 0x7b ? 'object' : 'array');
    if (stack.length > MAX_DEPTH) b.fail(c, 'exceeded max depth');
    return [c === 0x7b ? 'object' : 'array', ''];
  }
  if (c === 0x22) return ['string', b.string()];
  if (c === 0x2d || isDigit(c)) { b.number(); return ['number', '']; }
  const lit = LITERALS[c];
  if (lit) { b.literal(lit[0]); return [lit[1], '']; }
  b.i++;
  return b.fail(c, 'looking for beginning of value');
}

/** What docker sends to `store`. */
export interface Credentials { ServerURL: string; Username: string; Secret: string }
const FIELDS = ['ServerURL', 'Username', 'Secret'] as const;

/** Go matches a key to a field exactly, else ignoring case (its folding agrees with JavaScript's for these names). */
const fold = (s: string) => [...s].map((ch) => ch.toLowerCase().toUpperCase()).join('');
const fieldOf = (key: string) => FIELDS.find((f) => f === key) ?? FIELDS.find((f) => fold(f) === fold(key));

/**
 * `store`'s input decoded into docker's Credentials and checked as the helpers check it: Go's syntax and
 * type errors first (the first type error wins; unknown keys and nulls are passed over), then ServerURL, then Username.
 */
export function decodeCredentials(input: string): Credentials {
  const value = firstValue(new Bytes(Buffer.from(scanLines(input), 'utf8')));
  const creds: Credentials = { ServerURL: '', Username: '', Secret: '' };
  if (value.kind !== 'object' && value.kind !== 'null') {
    throw new HelperInputError(`json: cannot unmarshal ${value.kind} into Go value of type credentials.Credentials`);
  }
  let typeError: string | undefined;
  for (const [key, kind, text] of value.members) {
    const field = fieldOf(key);
    if (!field || kind === 'null') continue;
    if (kind === 'string') creds[field] = text;
    else typeError ??= `json: cannot unmarshal ${kind} into Go struct field Credentials.${field} of type string`;
  }
  if (typeError) throw new HelperInputError(typeError);
  if (!creds.ServerURL) throw new HelperInputError(NO_SERVER_URL);
  if (!creds.Username) throw new HelperInputError(NO_USERNAME);
  return creds;
}
