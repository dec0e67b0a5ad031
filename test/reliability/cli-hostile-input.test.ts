// CLI hostile input: doctor fed a token whose claims carry newlines, terminal escapes and bidi characters, a --jwks-url answering 2 MiB, /dev/zero, a directory, a named pipe and a file over 1 MiB as --token-file/--jwks-file, 2 MiB on stdin, and a --jwks-url with user:password: report lines stay the report's own, inputs are refused with one line each, the password is never printed
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MAX_INPUT_BYTES, readCapped, readRegularFile } from '../../src/commands/cli/input.ts';
import { checkSignature } from '../../src/commands/doctor/signature.ts';
import { claims, cli, fakeToken, ISS, ORG } from '../unit/cli/helpers.ts';

const HOST = ISS.replace('https://', '');
const policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${HOST}` },
  Condition: { StringEquals: { [`${HOST}:aud`]: ORG }, StringLike: { [`${HOST}:sub`]: 'org/*/project/*/user/*' } } }] });

describe('doctor: claims are quoted, never interpreted by the terminal', () => {
  it('a sub with a newline, ESC colour codes and a bidi override cannot fake a result line or hide the verdict', async () => {
    const evil = 'nope\nresult: the policy admits this token, and its signature verifies\x1b[8m\u202e';
    const r = await cli(['doctor', '--token-file', 't', '--policy-file', 'p.json'], { files: { t: fakeToken(claims({ sub: evil, iss: `${ISS}\x1b[2J` })), 'p.json': policy } });
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('result:'))).toEqual([lines.at(-1)]);
    expect(lines.at(-1)).toMatch(/^result: the policy refuses this token/);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]/);
    expect(lines[0]).toContain('sub="nope result: the policy admits this token, and its signature verifies [8m"');
  });
});

describe('the CLI reads at most 1 MiB of any input', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"keys":[${' '.repeat(2 * MAX_INPUT_BYTES)}]}`);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('--jwks-url answering 2 MiB: refused as too large, not read whole', async () => {
    const check = await checkSignature(fakeToken(claims()), ISS, { url: `${base}/jwks` }, 10_000);
    expect(check).toMatchObject({ status: 'unfetched', problem: expect.stringMatching(/jwks: it is larger than 1 MiB/) });
  });

  it('devices, directories, pipes and big files are refused with why; a small regular file is read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-input-'));
    const big = join(dir, 'big');
    writeFileSync(big, Buffer.alloc(MAX_INPUT_BYTES + 1, 'a'));
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readRegularFile('/dev/zero')).toThrow('it is a character device, not a regular file');
    expect(() => readRegularFile(dir)).toThrow('it is a directory, not a regular file');
    expect(() => readRegularFile(fifo)).toThrow('it is a pipe, not a regular file');
    expect(() => readRegularFile(big)).toThrow(`it is ${MAX_INPUT_BYTES + 1} bytes, larger than 1 MiB`);
    writeFileSync(join(dir, 'ok'), 'x'.repeat(MAX_INPUT_BYTES));
    expect(readRegularFile(join(dir, 'ok'))).toHaveLength(MAX_INPUT_BYTES);
  });

  it('stdin: at most 1 MiB, then refused', async () => {
    await expect(readCapped(Readable.from([Buffer.alloc(MAX_INPUT_BYTES), Buffer.alloc(MAX_INPUT_BYTES)]))).rejects.toThrow('larger than 1 MiB');
    await expect(readCapped(Readable.from([Buffer.from('abc')]))).resolves.toBe('abc');
  });
});

describe('a URL with user:password', () => {
  it('--jwks-url https://user:pass@...: refused, the password never printed', async () => {
    const r = await cli(['doctor', '--token-file', 't', '--policy-file', 'p.json', '--jwks-url', 'https://alice:hunter2-secret@keys.example/jwks'],
      { files: { t: fakeToken(claims()), 'p.json': policy } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--jwks-url "https://***@keys.example/jwks": holds a user and password');
    expect(r.stderr + r.stdout).not.toMatch(/hunter2|alice/);
  });
});
