// Secrets echoed back: parameters of six commands set to $AWS_SECRET_ACCESS_KEY, $AWS_SESSION_TOKEN or ${CIRCLE_OIDC_TOKEN_V2}, an STS that echoes the token's signature (or the whole token, re-encoded) in its error, an ECR that echoes the secret key (url-safe, sliced) and the session token (percent-encoded), the docker credential helper's refusal and a self-refresh credential_process that meets the echoing STS; no secret, whole or any 16 characters of it, shows in step output or in a file wider than 0600
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consumerConfig, type ConsumerStep } from '../harness/consumer-config.ts';
import { ACCOUNT, REGION } from '../harness/rig.ts';
import type { JobResult } from '../harness/runner/index.ts';
import { useRig } from '../harness/use-rig.ts';

const rig = useRig();
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const assume = (params: Record<string, string | number | boolean> = {}): ConsumerStep => ({ orb: 'assume-role-with-oidc', params: { 'role-arn': DEPLOY, region: REGION, ...params } });
const all = (r: JobResult) => r.steps.map((s) => `--- ${s.name}\n${s.output}`).join('\n');
/** The same base64 in one alphabet: url-safe characters as standard ones, no padding. */
const oneAlphabet = (s: string) => s.replace(/-/g, '+').replace(/_/g, '/').replace(/=/g, '');
const toStandard = (s: string) => Buffer.from(s, 'base64url').toString('base64');
const toUrlSafe = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
/** A piece of a secret this long is a leak (the log masks base64 runs from 16 characters). */
const PART = 16;

/** What the echoing AWS says in its errors, per call; undefined passes the call on to the rig's AWS. */
interface Echoes {
  /** AssumeRoleWithWebIdentity: the text of an InvalidIdentityToken error, given the token sent; `skip` calls pass first. */
  sts?: { skip: number; say: (token: string) => string };
  /** GetAuthorizationToken: the text of an InvalidParameterException, given the signing key's secret and the session token. */
  ecr?: (secret: string, sessionToken: string) => string;
}
let echoes: Echoes = {};
let echoed = 0;
let echoUrl = '';
let server: Server;

/** The secret access key the rig issued with `keyId` (the rig records key id, secret, token in order). */
function secretOf(keyId: string): string {
  const all = rig.aws.issuedSecrets;
  return all[all.indexOf(keyId) + 1] ?? '';
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The echo for this request, or undefined to pass it on. */
function echoFor(req: IncomingMessage, body: string): { status: number; type: string; body: string } | undefined {
  const target = String(req.headers['x-amz-target'] ?? '');
  if (echoes.ecr && target.endsWith('.GetAuthorizationToken')) {
    const keyId = /Credential=([A-Z0-9]+)\//.exec(String(req.headers.authorization))?.[1] ?? '';
    const message = echoes.ecr(secretOf(keyId), String(req.headers['x-amz-security-token'] ?? ''));
    return { status: 400, type: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'InvalidParameterException', message }) };
  }
  const form = new URLSearchParams(body);
  if (echoes.sts && form.get('Action') === 'AssumeRoleWithWebIdentity' && echoes.sts.skip-- <= 0) {
    const message = echoes.sts.say(form.get('WebIdentityToken') ?? '');
    return { status: 400, type: 'text/xml', body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>${xml(message)}</Message></Error><RequestId>echo</RequestId></ErrorResponse>` };
  }
  return undefined;
}

/** Answers with an echo, or passes the request to the rig's AWS as it came (the signature covers the host header). */
async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const echo = echoFor(req, body.toString('utf8'));
  if (echo) {
    echoed++;
    res.writeHead(echo.status, { 'content-type': echo.type, 'x-amzn-requestid': 'echo' }).end(echo.body);
    return;
  }
  const up = new URL(rig.aws.url);
  const fwd = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  fwd.on('error', () => res.destroy());
  fwd.end(body);
}

beforeAll(async () => {
  server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => { echoes = {}; echoed = 0; });

/** Every secret of the rig: keys, secrets and session tokens, OIDC tokens, ECR passwords and their docker `auth` form. */
function secrets(): string[] {
  const ecr = rig.aws.ecrPasswords.flatMap((p) => [p.password, Buffer.from(`AWS:${p.password}`).toString('base64')]);
  return [...new Set([...rig.aws.issuedSecrets, ...rig.issuer.issuedTokens, ...ecr])].filter((s) => s.length >= PART);
}

/** The secrets that `text` shows, whole or any PART characters of them, in either base64 alphabet or percent-encoded; as ****<last four>. */
function exposed(text: string): string[] {
  const seen = oneAlphabet(text.replace(/%2B/gi, '+').replace(/%2F/gi, '/').replace(/%3D/gi, '=').replace(/\\\//g, '/'));
  return secrets().filter((s) => {
    const norm = oneAlphabet(s);
    for (let i = 0; i + PART <= norm.length; i++) if (seen.includes(norm.slice(i, i + PART))) return true;
    return false;
  }).map((s) => `****${s.slice(-4)}`);
}

/** Regular files under `dir` that others than their owner may read or write. */
function wideFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) wideFiles(path, out);
    else if (st.isFile() && (st.mode & 0o077) !== 0) out.push(path);
  }
  return out;
}

/** Asserts that no secret shows in the job's output or in a wide file of it; returns the output. */
function noSecretShown(r: JobResult): string {
  const output = all(r);
  expect(secrets().length).toBeGreaterThan(0);
  expect(exposed(output), `secrets in step output:\n${output.slice(0, 2000)}`).toEqual([]);
  const files = [...new Set([...wideFiles(r.home), ...wideFiles(r.workingDirectory)])];
  expect(files.filter((f) => exposed(readFileSync(f, 'latin1')).length > 0), 'secret files wider than 0600').toEqual([]);
  return output;
}

describe('a parameter set to a secret variable is refused without its value', () => {
  it.each<[string, ConsumerStep, string]>([
    ['ecr-login account-id', { orb: 'ecr-login', params: { 'account-id': '$AWS_SECRET_ACCESS_KEY' } }, '(got the value of $AWS_SECRET_ACCESS_KEY, not shown)'],
    ['ecr-login region', { orb: 'ecr-login', params: { region: '${CIRCLE_OIDC_TOKEN_V2}' } }, '(got the value of $CIRCLE_OIDC_TOKEN_V2, not shown)'],
    ['build-and-push repo', { orb: 'build-and-push', params: { repo: '$AWS_SECRET_ACCESS_KEY' } }, '(got the value of $AWS_SECRET_ACCESS_KEY, not shown)'],
    ['build-and-push tag', { orb: 'build-and-push', params: { repo: 'webapp', tag: '$AWS_SESSION_TOKEN' } }, '(got the value of $AWS_SESSION_TOKEN, not shown)'],
    ['push-image tag', { orb: 'push-image', params: { repo: 'webapp', tag: '${CIRCLE_OIDC_TOKEN_V2}' } }, '(got the value of $CIRCLE_OIDC_TOKEN_V2, not shown)'],
    ['promote-image source-account-id', { orb: 'promote-image', params: { 'source-repo': 'webapp', 'source-tag': 'v1', tag: 'prod', 'source-account-id': '$AWS_SECRET_ACCESS_KEY' } }, '(got the value of $AWS_SECRET_ACCESS_KEY, not shown)'],
    ['create-manifest-list sources', { orb: 'create-manifest-list', params: { repo: 'webapp', sources: 'a-amd64 ${AWS_SESSION_TOKEN}' } }, '(got the value of $AWS_SESSION_TOKEN, not shown)'],
    ['a second assume-role-with-oidc session-policy', assume({ 'session-policy': '${AWS_SESSION_TOKEN}' }), 'the value of $AWS_SESSION_TOKEN, not shown)'],
  ])('%s', async (_name, step, words) => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume(), step]));
    expect(r.success).toBe(false);
    expect(r.steps.at(-1)?.exitCode, all(r)).toBe(1);
    const output = noSecretShown(r);
    expect(r.steps.at(-1)?.output).toContain(words);
    expect(output).toContain('Exported AWS_ACCESS_KEY_ID');
  });

  it('assume-role-with-oidc role-session-name set to the OIDC token itself', async () => {
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'role-session-name': '${CIRCLE_OIDC_TOKEN_V2}' })]));
    expect(r.success).toBe(false);
    expect(noSecretShown(r)).toContain('parameter role-session-name: ');
    expect(all(r)).toContain('(got the value of $CIRCLE_OIDC_TOKEN_V2, not shown)');
  });
});

describe('an AWS that echoes secrets in its errors', () => {
  it('STS echoes the token\'s signature, then its payload in the standard alphabet and the whole token percent-encoded', async () => {
    echoes.sts = { skip: 0, say: (t) => {
      const [, payload = '', signature = ''] = t.split('.');
      return `Token signature ${signature} failed to verify; payload ${toStandard(payload)}; token ${encodeURIComponent(toStandard(t.replace(/\./g, '')))}`;
    } };
    const r = await rig.run(consumerConfig(rig.orbText, [assume({ 'sts-endpoint': echoUrl })]));
    expect(r.success).toBe(false);
    expect(echoed).toBe(1);
    const output = noSecretShown(r);
    expect(output).toMatch(/InvalidIdentityToken: Token signature \*\*\*\* failed to verify/);
  });

  it('ECR echoes the secret key (url-safe, and a slice) and the session token percent-encoded to ecr-login', async () => {
    echoes.ecr = (secret, token) => `key ${toUrlSafe(secret)} / slice ${secret.slice(5, 5 + PART + 2)} / token ${encodeURIComponent(token)}`;
    const r = await rig.run(consumerConfig(rig.orbText, [assume(), { orb: 'ecr-login' }]), 'deploy', { env: { AWS_ENDPOINT_URL_ECR: echoUrl } });
    expect(r.success).toBe(false);
    expect(echoed).toBeGreaterThanOrEqual(1);
    const output = noSecretShown(r);
    expect(output).toMatch(/ECR refused .*: key \*\*\*\* \/ slice \*\*\*\* \/ token \*\*\*\*/);
  });

  it('the docker credential helper\'s refusal (what docker prints) when ECR echoes the secret key', async () => {
    echoes.ecr = (secret, token) => `key ${toUrlSafe(secret)} / token ${token.slice(10, 10 + PART + 4)}`;
    const r = await rig.run(consumerConfig(rig.orbText, [
      assume({ 'profile-name': 'deployer' }), { orb: 'ecr-login', params: { 'profile-name': 'deployer' } },
      { name: 'docker asks the helper', run: 'printf \'%s\\n\' "$AWS_ECR_REGISTRY" | AWS_ENDPOINT_URL_ECR="$ECHO_URL" docker-credential-aws-oidc get || echo "helper exit $?"' },
    ]), 'deploy', { env: { ECHO_URL: echoUrl } });
    expect(r.success, all(r)).toBe(true);
    expect(echoed).toBe(1);
    const helper = r.steps.at(-1)?.output ?? '';
    noSecretShown(r);
    expect(helper).toMatch(/aws-oidc: .*key \*\*\*\* \/ token \*\*\*\*/);
    expect(helper).toContain('helper exit 1');
  });

  it('a self-refresh credential_process that meets the echoing STS (the AWS CLI prints what it wrote on stderr)', async () => {
    const cache = '$HOME/.aws-oidc/profiles/long-job.cache.json';
    echoes.sts = { skip: 1, say: (t) => `Token ${t.split('.')[2] ?? ''} (header ${t.split('.')[0] ?? ''}) is not valid` };
    const r = await rig.run(consumerConfig(rig.orbText, [
      assume({ 'profile-name': 'long-job', 'self-refresh': true, 'sts-endpoint': echoUrl }),
      { name: 'Age the cache', run: `node -e 'const f=process.argv[1];const c=JSON.parse(require("fs").readFileSync(f));c.expiration=new Date(Date.now()+60000).toISOString();require("fs").writeFileSync(f,JSON.stringify(c))' "${cache}"` },
      { name: 'Refresh', run: 'aws sts get-caller-identity --profile long-job 2>&1 || echo "aws exit $?"' },
    ]));
    expect(r.success, all(r)).toBe(true);
    expect(echoed).toBe(1);
    const refresh = r.steps.at(-1)?.output ?? '';
    noSecretShown(r);
    expect(refresh).toMatch(/InvalidIdentityToken: Token \*\*\*\* \(header \*\*\*\*\) is not valid/);
    expect(refresh).toContain('aws exit');
  });
});
