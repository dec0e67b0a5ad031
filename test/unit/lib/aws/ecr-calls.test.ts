// The ECR calls of build-and-push and create-manifest-list as the steps make them (ecrCalls): against the strict
// local AWS, each one's answer; passing failures retried with a log line; failures explained with the call,
// the repository, the registry and the region.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecrCalls } from '../../../../src/lib/aws/ecr-calls.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { Log } from '../../../../src/lib/log.ts';
import { rejection } from '../../../support/rejection.ts';
import { imageManifest, OTHER, OWN, REGION, STRANGER, startLocalEcr, type LocalEcr } from '../../../support/local-ecr.ts';

let e: LocalEcr;
const lines: string[] = [];
const calls = () => ecrCalls({}, new Log((text) => { lines.push(text); }), { maxAttempts: 2, totalSeconds: 30 });
const settings = { scanOnPush: false, tagMutability: 'MUTABLE', encryptionType: 'AES256', kmsKey: '' };

beforeAll(async () => { e = await startLocalEcr(); });
afterAll(() => e.close());

describe('ecrCalls: answers', () => {
  it('callerIdentity is the signing user and its account', async () => {
    expect(await calls().callerIdentity(e.keys, REGION)).toMatchObject({ arn: `arn:aws:iam::${OWN}:user/ci`, account: OWN });
  });

  it('createRepository, then describeRepository, in the registry given; unknown is undefined', async () => {
    const c = calls();
    const made = await c.createRepository(e.keys, REGION, OTHER, 'calls', { ...settings, scanOnPush: true });
    expect(made).toMatchObject({ registryId: OTHER, repositoryName: 'calls', scanOnPush: true });
    expect(await c.describeRepository(e.keys, REGION, OTHER, 'calls')).toEqual(made);
    expect(await c.describeRepository(e.keys, REGION, OWN, 'calls')).toBeUndefined();
  });

  it('tagDigests maps the tags the repository has', async () => {
    const { digest } = e.push('calls-tags', imageManifest('calls'), ['v1']);
    expect(await calls().tagDigests(e.keys, REGION, OTHER, 'calls-tags', ['v1', 'v2'])).toEqual(new Map([['v1', digest]]));
  });

  it('proxyEndpoint is the registry endpoint ECR reports for the registry given', async () => {
    expect(await calls().proxyEndpoint(e.keys, REGION, OTHER)).toBe(`https://${OTHER}.dkr.ecr.${REGION}.amazonaws.com`);
    expect(await calls().proxyEndpoint(e.keys, 'cn-north-1', OWN)).toBe(`https://${OWN}.dkr.ecr.cn-north-1.amazonaws.com.cn`);
  });
});

describe('ecrCalls: retries and explained failures', () => {
  it('a passing failure is retried once, with a log line naming the call', async () => {
    e.aws.injectFault('DescribeRepositories', { kind: '503', times: 1 });
    lines.length = 0;
    expect(await calls().describeRepository(e.keys, REGION, OTHER, 'missing')).toBeUndefined();
    expect(lines).toEqual([expect.stringMatching(/^retrying DescribeRepositories \(2\/2\) after ServiceUnavailable \(HTTP 503\), in \d+ ms\n$/)]);
  });

  it.each([
    ['DescribeRepositories', (c: ReturnType<typeof calls>) => c.describeRepository(e.keys, REGION, STRANGER, 'app'), `for app in ECR registry ${STRANGER} (${REGION})`],
    ['CreateRepository', (c: ReturnType<typeof calls>) => c.createRepository(e.keys, REGION, STRANGER, 'app', settings), `for app in ECR registry ${STRANGER} (${REGION})`],
    ['BatchGetImage', (c: ReturnType<typeof calls>) => c.tagDigests(e.keys, REGION, STRANGER, 'app', ['v1']), `for app in ECR registry ${STRANGER} (${REGION})`],
    ['GetAuthorizationToken', (c: ReturnType<typeof calls>) => c.proxyEndpoint(e.keys, REGION, STRANGER), `in ECR registry ${STRANGER} (${REGION})`],
  ])('%s of a registry the identity may not use is refused, naming where', async (call, run, where) => {
    const err = await rejection(run(calls()), OrbError);
    expect(err.message).toMatch(new RegExp(`^${call} ${where.replace(/[()]/g, '\\$&')} was refused: User: arn:aws:iam::${OWN}:user/ci is not authorized to perform: ecr:${call} `));
    expect(err.hint).toMatch(new RegExp(`^allow ecr:${call} to the role`));
  });

  it('a failure that is no refusal names the call and where; the caller\'s own registry is "of the identity"', async () => {
    e.aws.injectFault('CreateRepository', { kind: '503', times: 2 });
    const failed = await rejection(calls().createRepository(e.keys, REGION, '', 'own', settings), OrbError);
    expect(failed.message).toMatch(/^CreateRepository for own in ECR registry of the identity \(eu-west-1\) failed: ServiceUnavailable \(HTTP 503\): .*; CreateRepository failed 2 time\(s\)/);
    e.aws.injectFault('GetCallerIdentity', { kind: '503', times: 2 });
    const sts = await rejection(calls().callerIdentity(e.keys, REGION), OrbError);
    expect(sts.message).toMatch(/^GetCallerIdentity in eu-west-1 failed: ServiceUnavailable \(HTTP 503\)/);
  });
});
