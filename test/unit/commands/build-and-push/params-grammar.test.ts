// build-and-push's word grammars, value by value at their edges: platforms, build arg names and the names docker
// reads itself, label keys, KMS keys and BuildKit secrets. Each rule comes from the tool that takes the value:
// docker's --platform (os/arch[/variant]), a Dockerfile ARG name, a label key, the KMS key forms ECR's
// encryptionConfiguration accepts, and BuildKit's --secret id=...,env=|src=....
import { describe, expect, it } from 'vitest';
import { parseParams } from '../../../../src/commands/build-and-push/params.ts';
import { orbParams } from '../../../support/params.ts';

const ENV = { CIRCLE_SHA1: 'abc1234', AWS_REGION: 'eu-west-1', PROXY_URL: 'http://proxy.internal:3128' };
const parse = (p: Record<string, string>) => parseParams(orbParams({ repo: 'webapp', ...p }), ENV, '/project');
const refused = (p: Record<string, string>) => {
  try {
    parse(p);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
};

describe('platform: os/arch[/variant], lower case', () => {
  it.each(['linux/amd64', 'linux/arm64/v8', 'windows/amd64', 'linux/arm/v7', 'linux/x86_64', 'freebsd/riscv64'])('takes %s', (platform) => {
    expect(parse({ platform }).platforms).toEqual([platform]);
  });
  it.each(['linux', 'Linux/amd64', 'linux/', '/amd64', 'linux/amd64/', 'linux/arm64/v8/x', 'x;linux/amd64', 'linux/amd64;x', 'linux/arm/v_7', 'li-nux/amd64'])('refuses %s', (platform) => {
    expect(refused({ platform })).toMatch(/^parameter platform: is not a platform \(os\/arch\[\/variant\]\)/);
  });
});

describe('build arg names', () => {
  it.each(['A', '_X', 'APP_ENV', 'a1_b2', 'app_env'])('takes %s', (name) => {
    expect(parse({ 'build-args': `${name}=1` }).buildArgs).toEqual([[name, '1']]);
  });
  it.each(['1A', 'A-B', 'A.B', 'A B', '$A', 'É'])('refuses %j', (name) => {
    expect(refused({ 'build-args': `${name}=1` })).toMatch(/^parameter build-args: (is not a build arg name|each line must be KEY=VALUE)/);
  });
});

describe('names docker or its helpers read themselves, from a variable', () => {
  it.each(['HTTP_PROXY', 'https_proxy', 'NO_PROXY', 'ALL_PROXY', 'FTP_PROXY', 'PATH', 'HOME', 'NODE_OPTIONS', 'LD_PRELOAD', 'DOCKER_HOST', 'BUILDKIT_PROGRESS', 'BUILDX_BUILDER', 'SSL_CERT_FILE', 'node_env'])('refuses %s=$PROXY_URL', (name) => {
    expect(refused({ 'build-args': `${name}=$PROXY_URL` })).toContain(`${name} cannot take its value from a variable here`);
  });
  it.each(['MY_HTTP_PROXY', 'HTTP_PROXY_URL', 'PATHS', 'MYPATH', 'HOMEDIR', 'NODE', 'XNODE_ENV', 'HTTPSS_PROXY', 'SOCKS_PROXY'])('takes %s=$PROXY_URL, a name docker does not read', (name) => {
    expect(parse({ 'build-args': `${name}=$PROXY_URL` }).buildArgs).toEqual([[name, 'http://proxy.internal:3128']]);
  });
});

describe('label keys', () => {
  it.each(['team', 'org.opencontainers.image.source', 'a/b', 'x-y_z', '9lives'])('takes %s', (key) => {
    expect(parse({ labels: `${key}=v` }).labels).toEqual([[key, 'v']]);
  });
  it.each(['.team', '-team', '/team', 'te am', 'team!', 'tëam'])('refuses %j', (key) => {
    expect(refused({ labels: `${key}=v` })).toMatch(/^parameter labels: each line must be key=VALUE/);
  });
});

describe('repo-kms-key: a key id, a multi-Region key id, an alias, or the ARN of a key or alias', () => {
  const ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
  it.each([
    ID, `mrk-${'0123456789abcdef'.repeat(2)}`, 'alias/ecr', 'alias/team/ecr_key-1', `alias/${'a'.repeat(250)}`,
    `arn:aws:kms:us-east-1:123456789012:key/${ID}`, 'arn:aws:kms:eu-west-1:123456789012:alias/ecr', `arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/${ID}`,
    `arn:aws:kms:us-east-1:123456789012:key/${'k'.repeat(64)}`,
  ])('takes %s', (key) => {
    expect(parse({ 'repo-kms-key': key }).repoKmsKey).toBe(key);
  });
  it.each([
    ID.toUpperCase(), ID.slice(1), `${ID}0`, `x${ID}`, ID.replace(/-/g, ''), `1234abc-12ab-34cd-56ef-1234567890ab1`,
    '1234abcd-12a-34cd-56ef-1234567890ab', '1234abcd-12ab-34c-56ef-1234567890ab', '1234abcd-12ab-34cd-56e-1234567890ab', '1234abcd-12ab-34cd-56ef-1234567890a',
    '1234abcg-12ab-34cd-56ef-1234567890ab', '1234abcd-12ag-34cd-56ef-1234567890ab', '1234abcd-12ab-34cg-56ef-1234567890ab', '1234abcd-12ab-34cd-56eg-1234567890ab', '1234abcd-12ab-34cd-56ef-1234567890ag',
    `mrk-${'0'.repeat(31)}`, `mrk-${'0'.repeat(33)}`, `mrk-${'g'.repeat(32)}`, 'alias/', `alias/${'a'.repeat(251)}`, 'alias/a b', 'alias/a.b',
    `arn:aws:kms:us-east-1:12345678901:key/${ID}`, `arn:aws:kms:us-east-1:123456789012:key/`, `arn:aws:kms:us-east-1:123456789012:key/${'k'.repeat(65)}`,
    `arn:aws:kms:us-east-1:123456789012:key/a_b`, 'arn:aws:kms:us-east-1:123456789012:alias/', `arn:aws:kms::123456789012:key/${ID}`,
    `arn:aws:s3:us-east-1:123456789012:key/${ID}`, `arn:aws:kms:US-EAST-1:123456789012:key/${ID}`, `arn:aws:kms:us-east-1:123456789012:keys/${ID}`,
    `arn:aws:kms:us-east-1:123456789012:alias/a.b`, `arn:aws:kms:us-east-1:123456789012:alias/${'a'.repeat(251)}`, 'mrk-', 'ecr',
  ])('refuses %s', (key) => {
    expect(refused({ 'repo-kms-key': key })).toMatch(/^parameter repo-kms-key: is not a KMS key id, key ARN or alias/);
  });
});

describe('secrets: id=<id>,env=<VARIABLE> or id=<id>,src=<file>, one a line', () => {
  it('takes both forms, line by line', () => {
    expect(parse({ secrets: 'id=npmrc,src=.npmrc\nid=gh.token-1,env=GITHUB_TOKEN' }).secrets).toEqual(['id=npmrc,src=.npmrc', 'id=gh.token-1,env=GITHUB_TOKEN']);
  });
  it.each(['npmrc', 'id=npmrc', 'id=,src=.npmrc', 'id=a b,src=x', 'src=.npmrc,id=npmrc', 'id=npmrc,file=.npmrc', 'id=npmrc,src=', 'id=npmrc,src=a,b', 'id=npmrc,src=a b',
    'x id=npmrc,src=.npmrc', 'id=npmrc,src=.npmrc x', 'id=npmrc,env=A,src=b'])('refuses %j', (line) => {
    expect(refused({ secrets: line })).toMatch(/^parameter secrets: each line must be id=<id>,env=<VARIABLE> or id=<id>,src=<file>/);
  });
});
