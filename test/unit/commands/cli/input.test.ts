// What the CLI reads (--token-file, --policy-file, --jwks-file, stdin, a --jwks-url answer): regular files
// and streams up to 1 MiB; anything else refused with a reason a user can act on.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES, readCapped, readRegularFile } from '../../../../src/commands/cli/input.ts';

const dir = mkdtempSync(join(tmpdir(), 'cli-input-'));
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, bytes: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

/** Chunks as a stream hands them over. */
async function* chunks(...parts: (string | Buffer)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

describe('readRegularFile', () => {
  it('returns a regular file as UTF-8 text, up to exactly 1 MiB', () => {
    expect(MAX_INPUT_BYTES).toBe(1024 * 1024);
    expect(readRegularFile(file('token', 'eyJh.é.sig\n'))).toBe('eyJh.é.sig\n');
    expect(readRegularFile(file('empty', ''))).toBe('');
    const full = readRegularFile(file('full', Buffer.alloc(MAX_INPUT_BYTES, 0x61)));
    expect(full.length).toBe(MAX_INPUT_BYTES);
    expect(full).toBe('a'.repeat(MAX_INPUT_BYTES));
  });

  it('refuses a file one byte over 1 MiB, saying its size and why', () => {
    expect(() => readRegularFile(file('big', Buffer.alloc(MAX_INPUT_BYTES + 1, 0x61))))
      .toThrow(`it is ${MAX_INPUT_BYTES + 1} bytes, larger than 1 MiB, far more than a token, a trust policy or a key set`);
  });

  it('names what a path is when it is not a regular file', async () => {
    expect(() => readRegularFile(dir)).toThrow('it is a directory, not a regular file');
    expect(() => readRegularFile('/dev/zero')).toThrow('it is a character device, not a regular file');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readRegularFile(fifo)).toThrow('it is a pipe, not a regular file');
    const sock = join(dir, 's.sock');
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    expect(() => readRegularFile(sock)).toThrow('it is a socket, not a regular file');
  });

  it('closes the file again, whether it was read or refused', () => {
    /** This process's descriptors open on `path` (Linux's /proc/self/fd). */
    const openOn = (path: string) => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
    const read = file('read-once', 'x');
    const big = file('refused-once', Buffer.alloc(MAX_INPUT_BYTES + 1));
    readRegularFile(read);
    expect(() => readRegularFile(big)).toThrow('bytes, larger than 1 MiB');
    expect(openOn(read)).toEqual([]);
    expect(openOn(big)).toEqual([]);
  });

  it('passes on Node\'s error for a path that is not there', () => {
    expect(() => readRegularFile(join(dir, 'missing'))).toThrow(/ENOENT/);
  });
});

describe('readCapped', () => {
  it('joins the chunks in order as UTF-8, a character split across chunks included', async () => {
    const e = Buffer.from('é');
    expect(await readCapped(chunks('ab', e.subarray(0, 1), e.subarray(1), 'cd'))).toBe('abécd');
    expect(await readCapped(chunks())).toBe('');
  });

  it('takes exactly 1 MiB and refuses one byte more, however it is cut', async () => {
    const half = Buffer.alloc(MAX_INPUT_BYTES / 2, 0x62);
    expect((await readCapped(chunks(half, half))).length).toBe(MAX_INPUT_BYTES);
    await expect(readCapped(chunks(half, half, 'x'))).rejects.toThrow('it is larger than 1 MiB, far more than a token, a trust policy or a key set');
  });

  it('stops reading at the first chunk over the cap', async () => {
    let pulled = 0;
    async function* endless(): AsyncIterable<Uint8Array> {
      for (;;) {
        pulled += 1;
        yield Buffer.alloc(256 * 1024);
      }
    }
    await expect(readCapped(endless())).rejects.toThrow('larger than 1 MiB');
    expect(pulled).toBe(5);
  });
});
