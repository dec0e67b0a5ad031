// The CLI's token input (--token-file, - for stdin): never the token on the command line, and each way it can be
// missing or wrong said with its own fix. Only the claims come back for printing.
import { describe, expect, it } from 'vitest';
import { readToken } from '../../../../src/commands/assume-from-file/token-file.ts';
import { OrbError } from '../../../../src/lib/errors.ts';

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

  const jwt = (claims: object) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
  const files = (map: Record<string, string>, stdin = '') => ({
    readFile: (p: string) => { if (p in map) return map[p] as string; throw new Error(`ENOENT: ${p}`); },
    readStdin: () => Promise.resolve(stdin),
  });
  const refusal = async (path: string | undefined, io = files({})) => (await readToken(path, io).then(() => undefined, (e: unknown) => e)) as OrbError;

  it('returns the token trimmed, with its claims, from a file or stdin', async () => {
    const token = jwt({ sub: 'org/o/project/p', aud: 'o' });
    expect(await readToken('tok', files({ tok: `  ${token}\n` }))).toEqual({ token, claims: { sub: 'org/o/project/p', aud: 'o' } });
    expect((await readToken('-', files({}, `${token}\n`))).token).toBe(token);
    // A token whose signature part is empty is still three parts.
    expect((await readToken('t', files({ t: token.replace(/c2ln$/, '') }))).claims).toEqual({ sub: 'org/o/project/p', aud: 'o' });
  });

  it('refuses a missing --token-file, saying how to give one', async () => {
    for (const path of [undefined, '']) {
      const err = await refusal(path);
      expect(err.message).toBe('--token-file is required');
      expect(err.hint).toContain('--token-file -');
    }
  });

  it('refuses a token given as the path, without echoing it; a path that only looks like one is read', async () => {
    const token = jwt({ sub: 's' });
    const err = await refusal(token);
    expect(err.message).toBe('--token-file got what looks like a token itself (not shown), not a file path');
    expect(err.message).not.toContain(token);
    expect(err.hint).toContain('never put the token on the command line');
    expect((await refusal(` ${token} `)).message).toContain('looks like a token itself');
    // Three dotted parts not starting eyJ: a file name such as a.b.c, read as a path.
    expect((await readToken('a.b.c', files({ 'a.b.c': token }))).token).toBe(token);
  });

  it('an empty file and empty stdin each say so, with a fix for that input', async () => {
    const file = await refusal('tok', files({ tok: ' \n' }));
    expect(file.message).toBe('--token-file tok: the file is empty');
    expect(file.hint).toBe('save the OIDC token in it, e.g. printenv CIRCLE_OIDC_TOKEN_V2 > token && chmod 600 token');
    const stdin = await refusal('-', files({}, '\n'));
    expect(stdin.message).toBe('--token-file - (stdin): stdin was empty, so there is no token to read');
    expect(stdin.hint).toBe('pipe the token in, e.g. printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc ... --token-file -');
  });

  it('text that is not a JWT is refused without quoting it, naming the file or stdin', async () => {
    const notJwt = await refusal('tok', files({ tok: 'AKIA-not-a-token secret' }));
    expect(notJwt.message).toBe('--token-file tok: does not hold a JWT (three base64url parts joined by dots)');
    expect(notJwt.hint).toContain('save the OIDC token alone in the file');
    expect((await refusal('-', files({}, 'a.b'))).message).toBe('--token-file - (stdin): does not hold a JWT (three base64url parts joined by dots)');
    expect((await refusal('tok', files({ tok: 'a.b.c.d' }))).message).toContain('does not hold a JWT');
    expect((await refusal('tok', files({ tok: 'a.b!.c' }))).message).toContain('does not hold a JWT');
  });

  it('a file that is not there: the reason and the path', async () => {
    const err = await refusal('nope');
    expect(err.message).toBe('--token-file nope: cannot read it (ENOENT: nope)');
    expect(err.cause).toBeInstanceOf(Error);
  });
});
