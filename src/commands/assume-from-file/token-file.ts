// The token for the CLI's doctor and assume-role: from a file or stdin, never from argv (argv shows in `ps`
// and in shell history). Only its claims are ever printed.
import { OrbError } from '../../lib/errors.ts';
import { decodeClaims, type TokenClaims } from '../../lib/oidc-token.ts';

const JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/** Where the CLI reads from; injected by tests. */
export interface TokenInput { readFile(path: string): string; readStdin(): Promise<string> }

/** Reads and checks the token named by --token-file (`-` is stdin); returns it with its claims. */
export async function readToken(path: string | undefined, io: TokenInput): Promise<{ token: string; claims: TokenClaims }> {
  if (path === undefined || path === '') {
    throw new OrbError('--token-file is required', 'name a file that holds the OIDC token, or - to read it from stdin (e.g. printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc ... --token-file -)');
  }
  // Spaces around it (a quoted " $CIRCLE_OIDC_TOKEN_V2") do not make it a path: it would be quoted in the message below.
  if (JWT.test(path.trim()) && path.trim().startsWith('eyJ')) {
    // Never echo it: it is a credential.
    throw new OrbError('--token-file got what looks like a token itself (not shown), not a file path',
      'never put the token on the command line; write it to a file (mode 0600) and pass its path, or pipe it in with --token-file -');
  }
  let text: string;
  try {
    text = path === '-' ? await io.readStdin() : io.readFile(path);
  } catch (err) {
    throw new OrbError(`--token-file ${path}: cannot read it (${(err as Error).message})`, path === '-'
      ? 'pipe the token in, e.g. printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc ... --token-file -' : 'check the path and that you may read the file', { cause: err });
  }
  const token = text.trim();
  if (token === '') {
    throw new OrbError(path === '-' ? '--token-file - (stdin): stdin was empty, so there is no token to read' : `--token-file ${path}: the file is empty`,
      path === '-' ? 'pipe the token in, e.g. printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc ... --token-file -'
        : 'save the OIDC token in it, e.g. printenv CIRCLE_OIDC_TOKEN_V2 > token && chmod 600 token');
  }
  if (!JWT.test(token)) {
    throw new OrbError(`--token-file ${path === '-' ? '- (stdin)' : path}: does not hold a JWT (three base64url parts joined by dots)`,
      'save the OIDC token alone in the file, e.g. printenv CIRCLE_OIDC_TOKEN_V2 > token && chmod 600 token');
  }
  return { token, claims: decodeClaims(token) };
}
