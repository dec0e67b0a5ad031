// In-process runs of the CLI program with fake files, stdin and STS.
import { runCli, type CliIo } from '../../../src/commands/cli/program.ts';
import type { StsPort } from '../../../src/lib/aws/sts.ts';

/** An unsigned JWT with these claims (the CLI only decodes it; STS would verify it). */
export function fakeToken(claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k' })}.${part(claims)}.c2lnbmF0dXJl`;
}

export const ORG = '5d2a7c1e-8b3f-4e6a-9c0d-7f1e2b3a4c5d';
export const PROJECT = '0b8f7e6d-1c2a-4d3e-9f8a-7b6c5d4e3f2a';
export const ISS = `https://oidc.circleci.com/org/${ORG}`;
export const NOW = Date.UTC(2026, 0, 1, 12);
export const sub = (ref?: string) => `org/${ORG}/project/${PROJECT}/user/u-1${ref ? `/vcs-origin/github.com/acme/app/vcs-ref/${ref}` : ''}`;
export const claims = (over: object = {}) => ({ iss: ISS, aud: ORG, sub: sub('refs/heads/main'), iat: NOW / 1000 - 60, exp: NOW / 1000 + 3600, ...over });

export interface Ran { code: number; stdout: string; stderr: string; files: Map<string, string> }

/** Runs the CLI with `files` as the file system and `stdin`; STS is `sts` (it fails the test when absent and called). */
export async function cli(args: string[], opts: { files?: Record<string, string>; stdin?: string; sts?: StsPort; env?: Record<string, string> } = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const files = new Map(Object.entries(opts.files ?? {}));
  const io: CliIo = {
    env: opts.env ?? {},
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    now: () => NOW,
    version: '0.0.0-test',
    readFile: (p) => {
      const text = files.get(p);
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
      return text;
    },
    readStdin: () => Promise.resolve(opts.stdin ?? ''),
    sts: () => {
      if (!opts.sts) throw new Error('this test gave no STS');
      return opts.sts;
    },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr, files };
}
