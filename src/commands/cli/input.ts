// What the CLI reads from files and stdin (--token-file, --policy-file, --jwks-file, a --jwks-url's answer), read
// with a cap: a token, a trust policy and a key set are a few KiB, so a device, a pipe or a huge file is refused
// with one line instead of filling the memory.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { MAX_REPLY_BYTES } from '../../lib/aws/http-handler.ts';

/** The most bytes the CLI reads of one input: 1 MiB, as much as the orb reads of an AWS reply (MAX_REPLY_BYTES). */
export const MAX_INPUT_BYTES = MAX_REPLY_BYTES;

const TOO_LARGE = `larger than ${MAX_INPUT_BYTES >> 20} MiB, far more than a token, a trust policy or a key set`;

/** What kind of file `st` is, for a message: "a directory", "a character device", ... */
function kind(st: Stats): string {
  return st.isDirectory() ? 'a directory' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device'
    : st.isFIFO() ? 'a pipe' : st.isSocket() ? 'a socket' : 'not a regular file';
}

/**
 * The text (UTF-8) of the regular file `path`, at most MAX_INPUT_BYTES. Throws an Error whose message says why
 * for anything else: not there (Node's ENOENT message), a directory, a device (/dev/zero), a pipe, or a larger file.
 * The file is opened without blocking (O_NONBLOCK), so a named pipe without a writer is refused, not waited on.
 */
export function readRegularFile(path: string): string {
  const before = statSync(path);
  if (!before.isFile()) throw new Error(`it is ${kind(before)}, not a regular file`);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`it is ${kind(st)}, not a regular file`);
    if (st.size > MAX_INPUT_BYTES) throw new Error(`it is ${st.size} bytes, ${TOO_LARGE}`);
    // One byte more than the cap: a file that grew since fstat is refused too.
    const buf = Buffer.alloc(MAX_INPUT_BYTES + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_INPUT_BYTES) throw new Error(`it is ${TOO_LARGE}`);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The text (UTF-8) of `chunks` (stdin, a reply body), at most MAX_INPUT_BYTES; a longer input is an Error after the first byte over. */
export async function readCapped(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > MAX_INPUT_BYTES) throw new Error(`it is ${TOO_LARGE}`);
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts).toString('utf8');
}
