import { describe, expect, it } from 'vitest';
import { rejection } from '../../../support/rejection.ts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helperAnswer, helperDir, helperGet, helperList, installHelperProgram, normaliseHost, type HelperDeps } from '../../../../src/commands/ecr-login/helper.ts';
import type { RegistryEntry } from '../../../../src/commands/ecr-login/docker-config.ts';
import type { ResolvedKeys } from '../../../../src/lib/aws/credentials.ts';
import type { RegistryLogin } from '../../../../src/lib/aws/ecr.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { Log, Secrets } from '../../../../src/lib/log.ts';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
/**
 * docker-credential-helpers' ErrCredentialsNotFound text, written out here and never imported: docker's CLI compares
 * a failing helper's stdout (trimmed) with exactly this, and only then reads the failure as "no credentials".
 */
const NOT_FOUND_LITERAL = 'credentials not found in native keychain';
const ROLE = 'arn:aws:sts::123456789012:assumed-role/deploy';
const KEYS: ResolvedKeys = { accessKeyId: 'ASIAKEY', secretAccessKey: 'secret', sessionToken: 'token', source: 'the environment' };

function login(over: Partial<RegistryLogin> = {}): RegistryLogin {
  return { registryId: '123456789012', host: HOST, proxyEndpoint: `https://${HOST}`, username: 'AWS', password: 'ecr-password', expiresAt: new Date('2030-01-01T00:00:00Z'), ...over };
}

function entry(over: Partial<RegistryEntry> = {}): RegistryEntry {
  return { host: HOST, registryId: '123456789012', region: 'eu-west-1', profile: '', identityArn: `${ROLE}/s1`, public: false, ...over };
}

/** Fake deps recording every call; each port can be overridden. */
function fakeDeps(map: Record<string, RegistryEntry>, over: Partial<HelperDeps> = {}) {
  const calls: string[] = [];
  const deps: HelperDeps = {
    env: {},
    log: new Log(() => {}, { secrets: new Secrets() }),
    registries: () => map,
    resolveKeys: async (profile) => { calls.push(`resolveKeys(${profile})`); return KEYS; },
    callerIdentity: async (_k, region) => { calls.push(`callerIdentity(${region})`); return { arn: `${ROLE}/s2`, account: '123456789012' }; },
    getTokens: async (_k, region, ids) => { calls.push(`getTokens(${region},${ids.join(',')})`); return [login()]; },
    getPublicToken: async () => { calls.push('getPublicToken'); return login({ registryId: 'public', host: 'public.ecr.aws', password: 'public-password' }); },
    ...over,
  };
  return { deps, calls };
}


describe('normaliseHost', () => {
  it.each([
    [HOST, HOST],
    [`  ${HOST}\n`, HOST],
    [`https://${HOST}`, HOST],
    [`https://${HOST}/v2/`, HOST],
    [`${HOST}/some/path`, HOST],
    ['localhost:5000', 'localhost:5000'],
    ['http://localhost:5000/v2', 'localhost:5000'],
    ['public.ecr.aws', 'public.ecr.aws'],
  ])('%j -> %s', (input, host) => {
    expect(normaliseHost(input)).toBe(host);
  });
});

describe('helperGet', () => {
  it('answers docker\'s not-found text for a host the map does not know, calling nothing', async () => {
    const f = fakeDeps({ [HOST]: entry() });
    const err = await rejection(helperGet('ghcr.io', f.deps));
    expect(err).toBeInstanceOf(OrbError);
    expect(err.message).toBe(NOT_FOUND_LITERAL);
    expect(f.calls).toEqual([]);
  });

  it('with a profile entry, skips the identity check and answers docker\'s JSON', async () => {
    const f = fakeDeps({ [HOST]: entry({ profile: 'dev' }) });
    const out = await helperGet(`https://${HOST}`, f.deps);
    expect(JSON.parse(out)).toEqual({ ServerURL: HOST, Username: 'AWS', Secret: 'ecr-password' });
    expect(f.calls).toEqual(['resolveKeys(dev)', 'getTokens(eu-west-1,123456789012)']);
  });

  it('with an env entry and the same role in another session, answers the login', async () => {
    const f = fakeDeps({ [HOST]: entry() });
    const out = JSON.parse(await helperGet(HOST, f.deps)) as { Secret: string };
    expect(out.Secret).toBe('ecr-password');
    expect(f.calls).toContain('callerIdentity(eu-west-1)');
    expect(f.calls).toContain('resolveKeys()');
  });

  it('with an env entry and another role, refuses naming both roles, even when getTokens also fails', async () => {
    const f = fakeDeps({ [HOST]: entry() }, {
      callerIdentity: async () => ({ arn: 'arn:aws:sts::123456789012:assumed-role/intruder/s9', account: '123456789012' }),
      getTokens: async () => { throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' }); },
    });
    const err = await rejection(helperGet(HOST, f.deps));
    expect(err).toBeInstanceOf(OrbError);
    expect(err.message).toContain(`${HOST} was set up by ecr-login for ${ROLE}`);
    expect(err.message).toContain('arn:aws:sts::123456789012:assumed-role/intruder');
    expect(err.message).toContain('profile-name');
  });

  it('passes on the getTokens failure when the identity matches', async () => {
    const denied = new Error('denied');
    const f = fakeDeps({ [HOST]: entry() }, { getTokens: async () => { throw denied; } });
    expect(await rejection(helperGet(HOST, f.deps))).toBe(denied);
  });

  it('passes on the getTokens failure when the identity check itself fails', async () => {
    const denied = new Error('tokens failed');
    const f = fakeDeps({ [HOST]: entry() }, {
      callerIdentity: async () => { throw new Error('sts down'); },
      getTokens: async () => { throw denied; },
    });
    expect(await rejection(helperGet(HOST, f.deps))).toBe(denied);
  });

  it('gives no password when the identity check fails and the tokens do not (fails closed)', async () => {
    const down = new Error('sts throttled');
    const f = fakeDeps({ [HOST]: entry() }, { callerIdentity: async () => { throw down; } });
    expect(await rejection(helperGet(HOST, f.deps))).toBe(down);
  });

  it('uses getPublicToken for a public entry, never the private calls', async () => {
    const f = fakeDeps({ 'public.ecr.aws': entry({ host: 'public.ecr.aws', registryId: 'public', region: 'us-east-1', public: true }) });
    const out = JSON.parse(await helperGet('https://public.ecr.aws', f.deps)) as Record<string, string>;
    expect(out).toEqual({ ServerURL: 'public.ecr.aws', Username: 'AWS', Secret: 'public-password' });
    expect(f.calls).toEqual(['resolveKeys()', 'getPublicToken']);
  });

  it('picks the login for the asked host, else the first', async () => {
    const other = '210987654321.dkr.ecr.eu-west-1.amazonaws.com';
    const f = fakeDeps({ [HOST]: entry({ profile: 'p' }) }, {
      getTokens: async () => [login({ host: other, password: 'wrong' }), login({ password: 'right' })],
    });
    expect((JSON.parse(await helperGet(HOST, f.deps)) as { Secret: string }).Secret).toBe('right');
    const g = fakeDeps({ [HOST]: entry({ profile: 'p' }) }, { getTokens: async () => [login({ host: 'elsewhere', password: 'first' })] });
    expect((JSON.parse(await helperGet(HOST, g.deps)) as { Secret: string }).Secret).toBe('first');
  });

  it('says ECR returned no login when the list is empty', async () => {
    const f = fakeDeps({ [HOST]: entry({ profile: 'p' }) }, { getTokens: async () => [] });
    expect((await rejection(helperGet(HOST, f.deps))).message).toBe(`aws-oidc: ECR returned no login for ${HOST}`);
  });
});

describe('helperList', () => {
  it('lists every host of the map with AWS as user', () => {
    const map = { [HOST]: entry(), 'public.ecr.aws': entry({ host: 'public.ecr.aws', public: true }) };
    expect(JSON.parse(helperList({ registries: () => map }))).toEqual({ [HOST]: 'AWS', 'public.ecr.aws': 'AWS' });
    expect(helperList({ registries: () => ({}) })).toBe('{}');
  });
});

describe('installHelperProgram', () => {
  const launch = (node: string, runtime: string) => ({ node, runtime, loader: '{loader();}' });
  it('writes docker-credential-aws-oidc, mode 0700, running the runtime through its loader with --credential-helper', () => {
    const home = mkdtempSync(join(tmpdir(), 'helper-'));
    const dir = installHelperProgram({ HOME: home }, launch('/usr/bin/node', '/opt/orb/runtime.cjs'));
    expect(dir).toBe(join(home, '.aws-oidc', 'bin'));
    expect(dir).toBe(helperDir({ HOME: home }));
    const file = join(dir, 'docker-credential-aws-oidc');
    expect(statSync(file).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toBe(`#!/bin/sh\nexec env NODE_DEBUG= NODE_DEBUG_NATIVE= AWS_OIDC_RUNTIME='/opt/orb/runtime.cjs' '/usr/bin/node' -e '{loader();}' -- --credential-helper "$@"\n`);
  });

  it('quotes paths with spaces and quotes so the script runs them as one word each', () => {
    const home = mkdtempSync(join(tmpdir(), 'helper space-'));
    // A fake "node" that prints its arguments one per line, and the runtime it was given.
    const fakeNode = join(home, "my node's bin");
    writeFileSync(fakeNode, '#!/bin/sh\necho "<$AWS_OIDC_RUNTIME>"\nfor a in "$@"; do echo "[$a]"; done\n', { mode: 0o755 });
    const runtime = join(home, 'orb runtime', 'runtime.cjs');
    const dir = installHelperProgram({ HOME: home }, launch(fakeNode, runtime));
    const out = execFileSync(join(dir, 'docker-credential-aws-oidc'), ['get'], { encoding: 'utf8' });
    expect(out).toBe(`<${runtime}>\n[-e]\n[{loader();}]\n[--]\n[--credential-helper]\n[get]\n`);
  });

  it('replaces an older helper program', () => {
    const home = mkdtempSync(join(tmpdir(), 'helper-'));
    installHelperProgram({ HOME: home }, launch('/old/node', '/old/runtime.cjs'));
    const dir = installHelperProgram({ HOME: home }, launch('/new/node', '/new/runtime.cjs'));
    const text = readFileSync(join(dir, 'docker-credential-aws-oidc'), 'utf8');
    expect(text).toContain("'/new/node'");
    expect(text).not.toContain('/old/');
  });
});

describe('helperAnswer: the docker-credential-helpers protocol, one row per case', () => {
  // docker sends store this JSON (one line and a newline), and reads every answer and refusal on stdout.
  const stored = (o: object) => `${JSON.stringify(o)}\n`;
  const GOT = `${JSON.stringify({ ServerURL: HOST, Username: 'AWS', Secret: 'ecr-password' })}\n`;
  it.each<[string, string | undefined, string, 0 | 1, string]>([
    ['get: a served host answers the login', 'get', `${HOST}\n`, 0, GOT],
    ['get: a URL with CRLF is the same host', 'get', `https://${HOST}\r\n`, 0, GOT],
    ['get: an unknown host is docker\'s "not found"', 'get', 'ghcr.io\n', 1, 'credentials not found in native keychain\n'],
    ['get: empty input', 'get', '', 1, 'no credentials server URL\n'],
    ['get: blank input', 'get', ' \t\r\n\n', 1, 'no credentials server URL\n'],
    ['store: what docker login sends is accepted, and nothing is kept', 'store', stored({ ServerURL: HOST, Username: 'AWS', Secret: 'pw' }), 0, ''],
    ['store: keys match without regard to case, as in Go', 'store', stored({ serverurl: HOST, USERNAME: 'AWS' }), 0, ''],
    ['store: no ServerURL', 'store', stored({ Username: 'AWS', Secret: 'pw' }), 1, 'no credentials server URL\n'],
    ['store: an empty ServerURL', 'store', stored({ ServerURL: '', Username: 'AWS' }), 1, 'no credentials server URL\n'],
    ['store: null', 'store', 'null\n', 1, 'no credentials server URL\n'],
    ['store: no Username', 'store', stored({ ServerURL: HOST, Secret: 'pw' }), 1, 'no credentials username\n'],
    ['store: ServerURL checked before Username', 'store', '{}', 1, 'no credentials server URL\n'],
    ['store: empty input', 'store', '', 1, 'EOF\n'],
    ['store: not JSON', 'store', 'hello\n', 1, 'invalid character \'h\' looking for beginning of value\n'],
    ['store: a word that starts like null', 'store', 'not json', 1, 'invalid character \'o\' in literal null (expecting \'u\')\n'],
    ['store: cut-off JSON', 'store', '{"ServerURL":', 1, 'unexpected EOF\n'],
    ['store: a member without its colon', 'store', '{"ServerURL" "x"}', 1, 'invalid character \'"\' after object key\n'],
    ['store: a number for Username', 'store', stored({ ServerURL: HOST, Username: 1 }), 1, 'json: cannot unmarshal number into Go struct field Credentials.Username of type string\n'],
    ['store: a string, not an object', 'store', '"x"\n', 1, 'json: cannot unmarshal string into Go value of type credentials.Credentials\n'],
    ['erase: a host is accepted and nothing is erased (nothing was kept)', 'erase', `${HOST}\n`, 0, ''],
    ['erase: empty input', 'erase', '', 1, 'no credentials server URL\n'],
    ['erase: blank input', 'erase', '\r\n', 1, 'no credentials server URL\n'],
    ['list: the served hosts', 'list', '', 0, `{"${HOST}":"AWS"}\n`],
    ['an unknown action keeps our message', 'version', '', 1, 'aws-oidc: unknown credential helper action "version"; docker calls get, store, erase or list\n'],
    ['no action at all', undefined, '', 1, 'aws-oidc: unknown credential helper action ""; docker calls get, store, erase or list\n'],
  ])('%s', async (_name, action, stdin, code, stdout) => {
    const f = fakeDeps({ [HOST]: entry({ profile: 'p' }) });
    expect(await helperAnswer(action, () => stdin, f.deps)).toEqual({ code, stdout });
    // Only a get with a host calls anything: store and erase keep nothing and call nothing.
    if (action !== 'get' || code === 1) expect(f.calls).toEqual([]);
  });

  it('reads no stdin for list or an unknown action', async () => {
    const f = fakeDeps({});
    const unread = () => { throw new Error('stdin was read'); };
    expect((await helperAnswer('list', unread, f.deps)).code).toBe(0);
    expect((await helperAnswer('nope', unread, f.deps)).code).toBe(1);
  });

  it('passes our own failures on with the aws-oidc prefix and the hint', async () => {
    const f = fakeDeps({ [HOST]: entry({ profile: 'p' }) }, { resolveKeys: async () => { throw new OrbError('profile p has no keys', 'run assume-role-with-oidc'); } });
    expect(await helperAnswer('get', () => HOST, f.deps)).toEqual({ code: 1, stdout: 'aws-oidc: profile p has no keys; run assume-role-with-oidc\n' });
    const g = fakeDeps({ [HOST]: entry({ profile: 'p' }) }, { getTokens: async () => { throw new Error('socket hang up'); } });
    expect(await helperAnswer('get', () => HOST, g.deps)).toEqual({ code: 1, stdout: 'aws-oidc: ECR login failed: socket hang up\n' });
  });

  it.each(['ghcr.io', 'https://ghcr.io', 'https://210987654321.dkr.ecr.eu-west-1.amazonaws.com/v2/', '127.0.0.1:5000\r\n', 'https://index.docker.io/v1/'])(
    'get %j, a host the map does not know: exit 1 and exactly docker\'s not-found line on stdout, calling nothing', async (input) => {
      const f = fakeDeps({ [HOST]: entry({ profile: 'p' }) });
      expect(await helperAnswer('get', () => `${input}\n`, f.deps)).toEqual({ code: 1, stdout: 'credentials not found in native keychain\n' });
      expect(f.calls).toEqual([]);
    });

  it('never prints the keys it resolved in a refusal, even when ECR echoes them, whole or in part', async () => {
    const token = 'IQoJb3JpZ2luX2VjEAYaCXVzLWVhc3QtMSJHMEUCIQD';
    const keys: ResolvedKeys = { accessKeyId: 'ASIAPROFILEKEY424242', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY', sessionToken: token, source: 'profile p' };
    const echo = `the key ${keys.secretAccessKey} (url-safe ${keys.secretAccessKey.replace(/\+/g, '-').replace(/\//g, '_')}), token part ${token.slice(4, 24)}, key id ${keys.accessKeyId}`;
    const f = fakeDeps({ [HOST]: entry({ profile: 'p' }) }, { resolveKeys: async () => keys, getTokens: async () => { throw new Error(echo); } });
    const answer = await helperAnswer('get', () => HOST, f.deps);
    expect(answer).toEqual({ code: 1, stdout: 'aws-oidc: ECR login failed: the key **** (url-safe ****), token part ****, key id ****\n' });
  });
});
