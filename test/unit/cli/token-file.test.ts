import { describe, expect, it } from 'vitest';
import { readToken } from '../../../src/commands/assume-from-file/token-file.ts';
import { OrbError } from '../../../src/lib/errors.ts';

describe('readToken', () => {
  it('stdin a terminal: says so, and the fix is to pipe the token in (not to check a path)', async () => {
    const io = { readFile: () => '', readStdin: () => Promise.reject(new Error('stdin is a terminal, not a pipe or a file')) };
    const err = await readToken('-', io).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OrbError);
    expect((err as OrbError).message).toBe('--token-file -: cannot read it (stdin is a terminal, not a pipe or a file)');
    expect((err as OrbError).hint).toBe('pipe the token in, e.g. printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc ... --token-file -');
  });

  it('a file that cannot be read: the fix is about the path', async () => {
    const io = { readFile: () => { throw new Error('EACCES: permission denied'); }, readStdin: () => Promise.resolve('') };
    const err = await readToken('token', io).then(() => undefined, (e: unknown) => e);
    expect((err as OrbError).hint).toBe('check the path and that you may read the file');
  });
});
