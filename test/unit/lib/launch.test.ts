// The launchers' command lines: the loader's text from globalThis (refused when missing or not fit for one
// single-quoted config line), and the credential_process line as the AWS CLI (shlex) and the AWS SDKs (sh -c,
// after their INI parser) read it: the same words, the loader text untouched.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSharedConfigFiles } from '@smithy/core/config';
import { LOADER_KEY, launchWords, stepLaunch } from '../../../src/lib/launch.ts';
import { credentialProcessLine } from '../../../src/commands/assume-role-with-oidc/refresh.ts';
import { LOADER_GLOBAL, loaderScript } from '../../../tools/loader.ts';
import { OrbError } from '../../../src/lib/errors.ts';
import { thrown } from '../../support/rejection.ts';

const slot = globalThis as Record<symbol, unknown>;
afterEach(() => { delete slot[LOADER_KEY]; });
const LOADER = loaderScript('assume-role-with-oidc', 'a'.repeat(64));

describe('stepLaunch', () => {
  it('gives the node, the runtime and the loader text the loader left', () => {
    slot[LOADER_KEY] = LOADER;
    expect(stepLaunch({ AWS_OIDC_RUNTIME: '/h/.aws-oidc/runtime/x.cjs' }, 'self-refresh')).toEqual({ node: process.execPath, runtime: '/h/.aws-oidc/runtime/x.cjs', loader: LOADER });
  });

  it.each([
    ['no runtime variable', {}, LOADER, /^self-refresh needs the runtime the orb leaves in the job home, and this runtime was not started by the orb's loader$/],
    ['no loader text', { AWS_OIDC_RUNTIME: '/r.cjs' }, undefined, /was not started by the orb's loader/],
    ['a quote in the loader', { AWS_OIDC_RUNTIME: '/r.cjs' }, "{a('x')}", /cannot be written into a launcher/],
    ['a line break in the loader', { AWS_OIDC_RUNTIME: '/r.cjs' }, '{a}\n{b}', /cannot be written into a launcher/],
    ['a comment mark after a blank', { AWS_OIDC_RUNTIME: '/r.cjs' }, '{a("x ;y")}', /cannot be written into a launcher/],
  ])('refuses %s', (_what, env, loader, message) => {
    if (loader !== undefined) slot[LOADER_KEY] = loader;
    expect(thrown(() => stepLaunch(env, 'self-refresh')).message).toMatch(message);
  });

  it('refuses a loader slot that holds no text, or empty text, and says what to do', () => {
    for (const loader of [42, '', { text: LOADER }]) {
      slot[LOADER_KEY] = loader;
      const err = thrown(() => stepLaunch({ AWS_OIDC_RUNTIME: '/r.cjs' }, 'ecr-login'), OrbError);
      expect([err.message, err.hint]).toEqual(["ecr-login needs the runtime the orb leaves in the job home, and this runtime was not started by the orb's loader", 'run this step through the orb command']);
    }
    slot[LOADER_KEY] = '{a}\n{b}';
    expect(thrown(() => stepLaunch({ AWS_OIDC_RUNTIME: '/r.cjs' }, 'ecr-login'), OrbError).hint).toBe('use the orb as published, unedited');
  });

  it('reads the loader where the loader leaves it: the registered symbol the loader names', () => {
    expect(LOADER_KEY).toBe(Symbol.for(LOADER_GLOBAL));
    expect(LOADER_KEY.description).toBe('aws-oidc.loader');
  });
});

describe('the credential_process line', () => {
  const launch = { node: '/usr/local/bin/node', runtime: '/home/circleci/.aws-oidc/runtime/assume-role-with-oidc.cjs', loader: LOADER };
  const config = '/home/circleci/.aws-oidc/profiles/deploy.json';

  it('is env, the runtime variable, node -e with the loader, then the runtime\'s arguments', () => {
    expect(credentialProcessLine(launch, config)).toBe(`env NODE_DEBUG= NODE_DEBUG_NATIVE= AWS_OIDC_RUNTIME=${launch.runtime} ${launch.node} -e '${LOADER}' -- --credential-process ${config}`);
    expect(launchWords(launch, (p) => `<${p}>`)).toBe(`env NODE_DEBUG= NODE_DEBUG_NATIVE= AWS_OIDC_RUNTIME=<${launch.runtime}> <${launch.node}> -e '${LOADER}' --`);
  });

  it('refuses paths with blanks, quotes or backslashes, which the AWS CLI and sh would split or change', () => {
    for (const bad of ['/home/my user/x', "/home/o'brien/x", '/home/a"b/x', '/home/a\\b/x']) {
      expect(thrown(() => credentialProcessLine({ ...launch, runtime: bad }, config)).message).toMatch(/the path has spaces or quotes/);
      expect(thrown(() => credentialProcessLine(launch, bad)).message).toMatch(/the path has spaces or quotes/);
    }
  });

  it('reaches the program as the same words through the SDKs\' INI parser and sh -c, and through Python\'s shlex (the AWS CLI)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'launch-'));
    const line = credentialProcessLine(launch, config);
    writeFileSync(join(dir, 'config'), `[profile deploy]\ncredential_process = ${line}\nregion = us-east-1\n`);
    const parsed = await loadSharedConfigFiles({ filepath: join(dir, 'credentials'), configFilepath: join(dir, 'config') });
    expect(parsed.configFile['deploy']?.['credential_process']).toBe(line);
    const words = ['env', 'NODE_DEBUG=', 'NODE_DEBUG_NATIVE=', `AWS_OIDC_RUNTIME=${launch.runtime}`, launch.node, '-e', LOADER, '--', '--credential-process', config];
    const viaSh = execFileSync('/bin/sh', ['-c', `print() { for a in "$@"; do printf '%s\\0' "$a"; done; }; print ${line}`], { encoding: 'utf8' });
    expect(viaSh.split('\0').slice(0, -1)).toEqual(words);
    const viaShlex = execFileSync('python3', ['-c', 'import shlex, sys, json; print(json.dumps(shlex.split(sys.argv[1])))', line], { encoding: 'utf8' });
    expect(JSON.parse(viaShlex)).toEqual(words);
  });
});
