// The `circleci` shim inside a job, against a tiny fake minter on 127.0.0.1, and job-start tokens.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobIdentity, OidcMinter, RunOptions } from './index.ts';
import { jobRunner, oneJob } from './test-jobs.ts';

const identity: JobIdentity = {
  orgId: 'org-9', projectId: 'proj-9', userId: 'user-9', vcsOrigin: 'github.com/acme/app', vcsRef: 'refs/heads/main', contextIds: ['ctx-1'],
};

interface MintRequest { job: JobIdentity; version?: 1 | 2; audience?: string }

/** A fake minter: tokens spell out what they were minted for, so tests can see what was asked. */
function fakeToken(r: MintRequest): string {
  return `tok.v${r.version ?? 1}.${r.job.orgId}.${r.audience ?? 'default'}`;
}

let server: Server;
let minter: OidcMinter;
const requests: MintRequest[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as MintRequest;
      requests.push(parsed);
      if (parsed.audience === 'refuse-me') {
        res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"forbidden"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: fakeToken(parsed) }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  minter = {
    mintUrl: `http://127.0.0.1:${port}/mint`,
    mint: async (job, opts) => fakeToken({ job, ...opts }),
  };
});

afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
});

const runConfig = jobRunner();
/** Runs job j of these steps as `identity`, with the fake minter. */
const run = (steps: string, opts: Partial<RunOptions> = {}) => runConfig(oneJob(steps), { identity, oidc: minter, ...opts });

describe('OIDC in a job', () => {
  it('mints CIRCLE_OIDC_TOKEN (v1) and CIRCLE_OIDC_TOKEN_V2 at job start', async () => {
    const r = await run(`      - run: echo "$CIRCLE_OIDC_TOKEN $CIRCLE_OIDC_TOKEN_V2"\n`);
    expect(r.steps[0]?.output).toBe('tok.v1.org-9.default tok.v2.org-9.default\n');
  });

  it('circleci run oidc get mints through the minter URL, with and without a custom audience', async () => {
    requests.length = 0;
    const r = await run(`      - run: circleci run oidc get
      - run: circleci run oidc get --claims '{"aud":"sts.amazonaws.com"}'
`);
    expect(r.steps.map((s) => s.output)).toEqual(['tok.v2.org-9.default\n', 'tok.v2.org-9.sts.amazonaws.com\n']);
    expect(requests).toEqual([
      { job: identity, version: 2 },
      { job: identity, version: 2, audience: 'sts.amazonaws.com' },
    ]);
  });

  it('fails like the CLI on bad claims, a refused mint, or no minter', async () => {
    const r = await run(`      - run: {command: "circleci run oidc get --claims '{\\"sub\\":\\"x\\"}'", when: always}
      - run: {command: "circleci run oidc get --claims not-json", when: always}
      - run: {command: "circleci run oidc get --claims '{\\"aud\\":\\"refuse-me\\"}'", when: always}
`);
    expect(r.steps.map((s) => s.exitCode)).toEqual([1, 1, 1]);
    expect(r.steps[0]?.output).toBe('Error: claim "sub" cannot be customized (only "aud" can)\n');
    expect(r.steps[1]?.output).toContain('Error: --claims is not valid JSON');
    expect(r.steps[2]?.output).toContain('Error: failed to get an OIDC token: HTTP 403');
    const none = await runConfig(oneJob('      - run: circleci run oidc get\n'), { identity });
    expect(none.env.CIRCLE_OIDC_TOKEN).toBeUndefined();
    expect(none.steps[0]).toMatchObject({ exitCode: 1 });
    expect(none.steps[0]?.output).toContain('Error: OIDC tokens are not available in this job');
  });
});

describe('circleci env subst and other commands', () => {
  it('substitutes $VAR, ${VAR} and defaults from stdin or an argument', async () => {
    const r = await run(`      - run: |
          export NAME=world
          echo 'hello $NAME, \${NAME}! [\${MISSING}] [\${MISSING:-dflt}] $ 5' | circleci env subst
      - run: circleci env subst 'branch=\${CIRCLE_BRANCH}'
`);
    expect(r.steps[0]?.output).toBe('hello world, world! [] [dflt] $ 5\n');
    expect(r.steps[1]?.output).toBe('branch=main');
  });

  it('refuses anything else as not supported by the local shim', async () => {
    const r = await run(`      - run: circleci config validate\n`);
    expect(r.steps[0]).toMatchObject({ exitCode: 1 });
    expect(r.steps[0]?.output).toContain('not supported by the local shim');
  });
});
