// One table for every kind of value: what each accepts and refuses, as every command and the CLI check it.
import { describe, expect, it } from 'vitest';
import { commaList, isKind, KINDS, lineList, wordList, type KindName } from '../../../src/lib/grammar.ts';
import { parseParams as parseAssume } from '../../../src/commands/assume-role-with-oidc/params.ts';
import { parseParams as parseEcrLogin } from '../../../src/commands/ecr-login/params.ts';
import { parseParams as parseBuild } from '../../../src/commands/build-and-push/params.ts';
import { parseParams as parseStitch } from '../../../src/commands/create-manifest-list/params.ts';
import { parseParams as parsePromote } from '../../../src/commands/promote-image/params.ts';
import { parseParams as parsePush } from '../../../src/commands/push-image/run.ts';
import { parseAssumeFlags } from '../../../src/commands/assume-from-file/run.ts';
import { orbParams } from '../../support/params.ts';

const TABLE: [KindName, string[], string[]][] = [
  ['profileName', ['default', 'staging-deploy', 'prj-prd-admin', 'ci=prod', 'a.b@c+d,e_f', 'x'.repeat(64)], ['', 'a b', 'a/b', 'a]b', 'x'.repeat(65), 'ä']],
  ['accountId', ['123456789012', '000000000000'], ['', '12345678901', '1234567890123', '12345678901a', ' 123456789012']],
  ['roleArn', ['arn:aws:iam::123456789012:role/deploy', 'arn:aws-cn:iam::123456789012:role/path/to/r', 'arn:aws-us-gov:iam::123456789012:role/r+=,.@-_'],
    ['arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::12345678901:role/r', 'arn:aws:sts::123456789012:role/r', 'arn:aws:iam::123456789012:role/', 'arn:aws:iam::123456789012:role/a b', 'xarn:aws:iam::123456789012:role/r']],
  ['region', ['us-east-1', 'ap-northeast-1', 'cn-north-1', 'us-gov-west-1', 'ap-southeast-10'], ['', 'us-east', 'US-EAST-1', 'useast1', 'us-east-1a', 'xus-east-1']],
  ['sessionName', ['ci', 'circleci-webapp-42', 'a+b=c,d.e@f_g'], ['x', 'a b', 'x'.repeat(65)]],
  ['repository', ['webapp', 'team/api', 'a.b_c-d/e', 'ab', 'my.team/api', 'web.app'], ['a', 'Web', 'team//api', '-x', 'x/', 'a'.repeat(257), 'a b', 'ab._']],
  ['tag', ['latest', 'v1.2.3', '_x', 'A'.repeat(128)], ['', '.x', '-x', 'a:b', 'A'.repeat(129)]],
  ['digest', [`sha256:${'a'.repeat(64)}`], ['sha256:abc', `sha512:${'a'.repeat(64)}`, `sha256:${'A'.repeat(64)}`, `xsha256:${'a'.repeat(64)}`, `sha256:${'a'.repeat(64)}x`]],
];

describe('the value kinds', () => {
  it.each(TABLE)('%s', (kind, good, bad) => {
    for (const v of good) expect(isKind(kind, v), `${kind} accepts ${JSON.stringify(v)}`).toBe(true);
    for (const v of bad) expect(isKind(kind, v), `${kind} refuses ${JSON.stringify(v)}`).toBe(false);
  });

  it('covers every kind', () => {
    expect(TABLE.map(([k]) => k).sort()).toEqual(Object.keys(KINDS).sort());
  });

  it.each(Object.keys(KINDS) as KindName[])('%s is described for a refusal ("is not a/an ...") and its example is one of the kind', (kind) => {
    expect(KINDS[kind].what).toMatch(/^an? [a-zA-Z0-9]/);
    expect(isKind(kind, KINDS[kind].example)).toBe(true);
  });
});

describe('the three list grammars', () => {
  it.each([
    ['a,b', ['a', 'b']], ['a b', ['a', 'b']], ['a\nb', ['a', 'b']], [' a , b\n\nc ', ['a', 'b', 'c']], ['', []], [',,', []],
  ])('wordList(%j) is %j', (text, words) => expect(wordList(text)).toEqual(words));

  it.each([
    ['k=v\nk2=a b', ['k=v', 'k2=a b']], ['  one, two  \r\n# a comment\n\nthree', ['one, two', 'three']], ['', []],
  ])('lineList(%j) is %j', (text, lines) => expect(lineList(text)).toEqual(lines));

  it.each([
    ['team, cost center\nowner', ['team', 'cost center', 'owner']], [' a ,, b ', ['a', 'b']], ['', []],
  ])('commaList(%j) is %j', (text, items) => expect(commaList(text)).toEqual(items));
});

describe('every command takes a value of a kind the same way (the profile name ci=prod was taken by one step and refused by the next)', () => {
  const base = { region: 'us-east-1', 'role-arn': 'arn:aws:iam::123456789012:role/deploy', repo: 'webapp', tag: 'v1', sources: 'v1-amd64 v1-arm64', 'source-repo': 'webapp', 'source-tag': 'v1' };
  const env = { AWS_REGION: 'us-east-1' };
  const parsers: [string, (p: Record<string, string>) => { profileName: string }][] = [
    ['assume-role-with-oidc', (p) => parseAssume(orbParams(p), env)],
    ['ecr-login', (p) => parseEcrLogin(orbParams(p), env)],
    ['build-and-push', (p) => parseBuild(orbParams(p), env, process.cwd())],
    ['create-manifest-list', (p) => parseStitch(orbParams(p), env)],
    ['promote-image', (p) => parsePromote(orbParams(p), env).target],
    ['promote-image (source side)', (p) => parsePromote(orbParams({ ...p, 'source-profile-name': p['profile-name'] ?? '' }), env).source],
    ['push-image', (p) => parsePush(orbParams(p), env)],
    ['the CLI (aws-oidc assume-role)', (p) => parseAssumeFlags(p, false, env)],
  ];
  it.each(parsers)('%s accepts ci=prod and refuses "ci prod" with the same words', (_command, parse) => {
    expect(parse({ ...base, 'profile-name': 'ci=prod' }).profileName).toBe('ci=prod');
    expect(() => parse({ ...base, 'profile-name': 'ci prod' })).toThrow(new RegExp(`(parameter (source-)?|--)profile-name: is not ${KINDS.profileName.what.replace(/[()+]/g, '\\$&')} \\(got "ci prod"\\)`));
  });
});
