// AWS wire shapes the hand-made protocol layer got wrong, replayed byte for byte by a scripted server
// against the real built build-and-push runtime (the SDK parses them; these tests hold it to that).
// JSON-protocol errors: https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve('src/orb/scripts/build-and-push.sh');
const ACCOUNT = '123456789012';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPO_URI = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/webapp`;

/** One scripted answer: status, headers and body for a call. */
interface Answer { status: number; headers?: Record<string, string>; body: string }
type Script = Record<string, Answer[]>;

const ok = (body: object): Answer => ({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) });
const repository = { repositoryName: 'webapp', registryId: ACCOUNT, repositoryUri: REPO_URI, imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: true }, encryptionConfiguration: { encryptionType: 'AES256' } };
const describeFound = ok({ repositories: [repository] });
const created = ok({ repository });
const tagFound = ok({ images: [{ imageId: { imageTag: 'v1', imageDigest: DIGEST }, registryId: ACCOUNT, repositoryName: 'webapp' }], failures: [] });
const identity: Answer = {
  status: 200, headers: { 'content-type': 'text/xml' },
  body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/deploy/s</Arn>`
    + `<UserId>AROAEXAMPLE:s</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
};

let server: Server;
let url = '';
let script: Script = {};
const calls: string[] = [];

/** The call a request is: the ECR X-Amz-Target's operation, or the STS form's Action. */
function callOf(req: IncomingMessage, body: string): string {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : new URLSearchParams(body).get('Action') ?? '?';
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => { body += c.toString(); });
  req.on('end', () => {
    const call = callOf(req, body);
    calls.push(call);
    const next = script[call]?.shift();
    if (!next) {
      res.writeHead(500).end(`no scripted answer for ${call}`);
      return;
    }
    res.writeHead(next.status, next.headers ?? {}).end(next.body);
  });
}

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Runs the build-and-push step (skip-when-tags-exist, so no docker) against the scripted server. */
function runStep(params: Record<string, string>): Promise<{ code: number; output: string; bashEnv: string }> {
  const home = mkdtempSync(join(tmpdir(), 'wire-'));
  const bashEnv = join(home, 'bash_env');
  writeFileSync(bashEnv, '');
  const env = {
    PATH: process.env.PATH, HOME: home, BASH_ENV: bashEnv, AWS_ENDPOINT_URL_ECR: url, AWS_ENDPOINT_URL_STS: url, AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIAWIRECASE', AWS_SECRET_ACCESS_KEY: 'wire-secret', AWS_SESSION_TOKEN: 'wire-token', AWS_OIDC_HTTP_TIMEOUT_MS: '5000',
    ORB_PARAM_REPO: 'webapp', ORB_PARAM_TAG: 'v1', ORB_PARAM_SKIP_WHEN_TAGS_EXIST: 'true', ORB_PARAM_RETRY_MAX_SECONDS: '10', ...params,
  };
  return new Promise((done) => {
    const child = spawn('bash', [SCRIPT], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
    child.on('close', (code) => {
      const exported = readFileSync(bashEnv, 'utf8');
      rmSync(home, { recursive: true, force: true });
      done({ code: code ?? -1, output, bashEnv: exported });
    });
  });
}

describe('ECR error shapes the SDK reads and the steps act on', () => {
  it('case 1: a 400 whose only error type is the x-amzn-ErrorType header (with its :namespace suffix) is RepositoryNotFound, so create-repo creates', async () => {
    calls.length = 0;
    script = {
      GetCallerIdentity: [identity],
      DescribeRepositories: [{ status: 400, headers: { 'x-amzn-ErrorType': 'RepositoryNotFoundException:http://internal.amazon.com/coral/com.amazonaws.ecr/', 'content-type': 'application/x-amz-json-1.1' }, body: '{"message":"no such repo"}' }],
      CreateRepository: [created],
      BatchGetImage: [tagFound],
    };
    const r = await runStep({ ORB_PARAM_CREATE_REPO: 'true' });
    expect(r.output).toContain(`Created the ECR repository ${REPO_URI}`);
    expect(calls).toEqual(['GetCallerIdentity', 'DescribeRepositories', 'CreateRepository', 'BatchGetImage']);
    expect(r.code).toBe(0);
    expect(r.bashEnv).toContain(`export AWS_ECR_IMAGE_DIGEST='${DIGEST}'`);
  });

  it('case 2: a 400 whose body says {"code":"ThrottlingException"} is retried as throttling', async () => {
    calls.length = 0;
    script = {
      GetCallerIdentity: [identity],
      DescribeRepositories: [{ status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '{"code":"ThrottlingException","message":"Rate exceeded"}' }, describeFound],
      BatchGetImage: [tagFound],
    };
    const r = await runStep({});
    expect(r.output).toMatch(/retrying DescribeRepositories \(2\/5\) after Throttling, in \d+ ms/);
    expect(calls.filter((c) => c === 'DescribeRepositories')).toHaveLength(2);
    expect(r.code).toBe(0);
  });

  it('case 3: a body with only {"__type":"com.amazonaws.ecr#RepositoryNotFoundException"} is not found', async () => {
    calls.length = 0;
    script = {
      GetCallerIdentity: [identity],
      DescribeRepositories: [{ status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '{"__type":"com.amazonaws.ecr#RepositoryNotFoundException"}' }],
    };
    const r = await runStep({});
    expect(r.code).toBe(1);
    expect(r.output).toContain(`the ECR repository webapp does not exist in registry ${ACCOUNT} (us-east-1)`);
    expect(r.output).toContain('fix: set create-repo: true');
  });

  it('case 4: a 400 with an empty body and x-amzn-ErrorType: AccessDeniedException is AccessDenied, tried once and explained', async () => {
    calls.length = 0;
    script = {
      GetCallerIdentity: [identity],
      DescribeRepositories: [{ status: 400, headers: { 'x-amzn-ErrorType': 'AccessDeniedException' }, body: '' }],
    };
    const r = await runStep({});
    expect(r.code).toBe(1);
    expect(calls.filter((c) => c === 'DescribeRepositories')).toHaveLength(1);
    expect(r.output).toContain(`aws-oidc/build-and-push: DescribeRepositories for webapp in ECR registry ${ACCOUNT} (us-east-1) was refused`);
    expect(r.output).toContain('fix: allow ecr:DescribeRepositories to the role');
    expect(r.output).not.toContain('retrying');
  });
});
