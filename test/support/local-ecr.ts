// A local ECR for the unit tests of the ECR calls: the strict local AWS (SigV4 verified) that the SDK reaches
// through AWS_ENDPOINT_URL_ECR, _ECR_PUBLIC and _STS, an IAM user of one account that may use a second account's registry,
// images kept in memory (BatchGetImage reads them, PutImage writes them), and a scripted ECR that answers what a
// test says and records what it was asked (for answers the local AWS never gives, e.g. a second page).
import { createHash } from 'node:crypto';
import { createServer, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { vi } from 'vitest';
import { LocalAws, type ImageId, type ImageRecord } from '../harness/aws/index.ts';
import type { AwsKeys } from '../../src/lib/aws/clients.ts';
import { rejection } from './rejection.ts';

/** The account of the IAM user that signs (its own registry). */
export const OWN = '123456789012';
/** A second account whose registry the user may use (allowEcr), where the tests' repositories live. */
export const OTHER = '222222222222';
/** A third account whose registry the user may not use. */
export const STRANGER = '333333333333';
export const REGION = 'eu-west-1';

/** A lifecycle policy (expire untagged images beyond 10) and a repository policy (another account may pull) that ECR takes. */
export const LIFECYCLE = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}';
export const PULL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444444444444:root"},"Action":"ecr:BatchGetImage"}]}';

/** A step environment whose whole-call deadline is 0.1 s. */
export const SLOW = { AWS_OIDC_HTTP_TIMEOUT_MS: '100' };

/** The sha256 digest docker and ECR give a manifest text. */
export const digestOf = (manifest: string) => `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

/** A single-image manifest (OCI) whose text differs by `seed`. */
export const imageManifest = (seed: string) => JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: `sha256:${seed}` }, layers: [] });

/** The local ECR, the user's keys, and the images each repository holds (`account/region/name` -> records). */
export interface LocalEcr {
  aws: LocalAws;
  keys: AwsKeys;
  images: Map<string, ImageRecord[]>;
  /** Stores `manifest` in repository `repo` of `account` (default OTHER) with `tags`; its record. */
  push(repo: string, manifest: string, tags: string[], account?: string): ImageRecord;
  close(): Promise<void>;
}

const find = (list: ImageRecord[], id: ImageId) => list.find((i) => (id.imageDigest === undefined || i.digest === id.imageDigest) && (id.imageTag === undefined || i.tags.includes(id.imageTag)));

/** Starts the local AWS with the user and the in-memory images, and points the SDK at it (undone by close). */
export async function startLocalEcr(): Promise<LocalEcr> {
  const aws = await LocalAws.start();
  const user = aws.addUser({ account: OWN, name: 'ci' });
  aws.allowEcr({ account: OTHER, principalArn: `arn:aws:iam::${OWN}:user/ci` });
  const images = new Map<string, ImageRecord[]>();
  const listOf = (account: string, region: string, repo: string) => {
    const key = `${account}/${region}/${repo}`;
    if (!images.has(key)) images.set(key, []);
    return images.get(key)!;
  };
  const write = (account: string, region: string, repo: string, reference: string, manifest: string, mediaType: string): ImageRecord => {
    const list = listOf(account, region, repo);
    const digest = digestOf(manifest);
    let rec = list.find((i) => i.digest === digest);
    if (!rec) list.push(rec = { digest, mediaType, manifest, tags: [], size: 0, pushedAt: aws.time() });
    if (!reference.startsWith('sha256:')) {
      for (const other of list) other.tags = other.tags.filter((t) => t !== reference);
      rec.tags.push(reference);
    }
    return rec;
  };
  aws.setImageSource(
    async (account, region, repo, id) => find(listOf(account, region, repo), id),
    async (account, region, repo) => listOf(account, region, repo).filter((i) => i.tags.length > 0),
    async (account, region, repo, reference, manifest, mediaType) => { write(account, region, repo, reference, manifest, mediaType); },
  );
  for (const name of ['AWS_ENDPOINT_URL_ECR', 'AWS_ENDPOINT_URL_ECR_PUBLIC', 'AWS_ENDPOINT_URL_STS']) vi.stubEnv(name, aws.url);
  return {
    aws, keys: user, images,
    push(repo, manifest, tags, account = OTHER) {
      aws.ensureRepository({ account, region: REGION, name: repo });
      const rec = write(account, REGION, repo, digestOf(manifest), manifest, JSON.parse(manifest).mediaType as string);
      for (const t of tags) write(account, REGION, repo, t, manifest, rec.mediaType);
      return rec;
    },
    async close() {
      vi.unstubAllEnvs();
      await aws.close();
    },
  };
}

/** One request the scripted ECR got: the action (X-Amz-Target without its prefix) and the JSON body. */
export interface Asked { action: string; body: Record<string, unknown> }

/** Runs `use` with ECR and ECR Public at `handle`'s server on 127.0.0.1, then points them back at the local ECR. */
async function withEcrAt(back: LocalEcr, handle: RequestListener, use: () => Promise<unknown>): Promise<void> {
  const server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const ecrs = ['AWS_ENDPOINT_URL_ECR', 'AWS_ENDPOINT_URL_ECR_PUBLIC'];
  for (const name of ecrs) vi.stubEnv(name, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    await use();
  } finally {
    for (const name of ecrs) vi.stubEnv(name, back.aws.url);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/**
 * Runs `use` with the SDK pointed at an ECR (and ECR Public) on 127.0.0.1 that answers each request with
 * `answer(asked)` (status 200 and that JSON; an object with `__type` is an error, status 400); returns what it
 * was asked.
 */
export async function withScriptedEcr(back: LocalEcr, answer: (asked: Asked) => object, use: () => Promise<unknown>): Promise<Asked[]> {
  const asked: Asked[] = [];
  await withEcrAt(back, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).once('end', () => {
      const one = { action: String(req.headers['x-amz-target']).replace(/^.*\./, ''), body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> };
      asked.push(one);
      const reply = answer(one);
      res.writeHead('__type' in reply ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(reply));
    });
  }, use);
  return asked;
}

/**
 * Runs `call` against an ECR (and ECR Public) that reads each request and never answers; returns what it rejects
 * with once the server has seen every request it got closed by the client (a call that gave up must not leave
 * its request open: the step's process would wait for it). Fails the test when `call` resolves.
 */
export async function unanswered(back: LocalEcr, call: () => Promise<unknown>): Promise<Error> {
  const open = new Set<ServerResponse>();
  let allClosed = () => {};
  const closed = new Promise<void>((r) => { allClosed = r; });
  let err: Error | undefined;
  await withEcrAt(back, (req, res) => {
    open.add(res);
    req.resume();
    res.once('close', () => { open.delete(res); if (open.size === 0 && err) allClosed(); });
  }, async () => {
    err = await rejection(call());
    if (open.size === 0) allClosed();
    await closed;
  });
  return err!;
}
