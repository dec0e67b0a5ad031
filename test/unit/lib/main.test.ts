import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrbError } from '../../../src/lib/errors.ts';
import { main, processLog, resultsDir, resultWriter, runsOn } from '../../../src/lib/main.ts';

/** What the process wrote to stdout and stderr while `fn` ran. */
async function captured(fn: () => Promise<void> | void): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const spy = (stream: 'stdout' | 'stderr') => vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
    out[stream] += String(chunk);
    return true;
  });
  spy('stdout');
  spy('stderr');
  try {
    await fn();
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

afterEach(() => {
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

describe('the one Log of a process', () => {
  it('knows the secret variables of the environment from the start: notes and failures never show them', async () => {
    const token = 'ghp_mainTestTokenValue0123456789';
    const { stdout, stderr } = await captured(() => {
      const log = processLog({ GITHUB_TOKEN: token, HOME: '/home/circleci' }, 'stderr');
      log.info(`docker said: ${token}`);
      log.error(`part ${token.slice(4, 24)} echoed`);
    });
    expect(stdout).toBe('');
    expect(stderr).toBe('docker said: ****\npart **** echoed\n');
  });

  it('main prints a step\'s failure redacted on stderr, and sets exit code 1', async () => {
    const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYmainTestKEY';
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', key);
    const { stdout, stderr } = await captured(async () => {
      main('ecr-login', async (_env, log) => {
        log.info(`note ${key}`);
        throw new OrbError(`ECR said: ${key.replace(/\//g, '_')}`, 'check the keys');
      });
      await new Promise((resolve) => setImmediate(resolve));
    });
    expect(stdout).toBe('note ****\n');
    expect(stderr).toBe('aws-oidc/ecr-login: ECR said: ****\n  fix: check the keys\n');
    expect(process.exitCode).toBe(1);
  });
});

describe('main: the run around a step body', () => {
  it('prints the stack with ORB_DEBUG=1 only', async () => {
    const fail = async (debug: string | undefined) => {
      if (debug !== undefined) vi.stubEnv('ORB_DEBUG', debug);
      return (await captured(async () => {
        main('clean-up', async () => { throw new Error('boom'); });
        await new Promise((resolve) => setImmediate(resolve));
      })).stderr;
    };
    expect(await fail(undefined)).toBe('aws-oidc/clean-up: unexpected error: boom\n');
    expect(await fail('')).toBe('aws-oidc/clean-up: unexpected error: boom\n');
    expect(await fail('1')).toMatch(/^aws-oidc\/clean-up: unexpected error: boom\n[\s\S]*\n\s+at /);
  });

  it('records what the step runs on in the job\'s manifest before the body runs', async () => {
    const home = mkdtempSync(join(tmpdir(), 'main-'));
    const job = '1a2b3c4d-0000-4000-8000-00000000000f';
    vi.stubEnv('HOME', home);
    vi.stubEnv('CIRCLE_WORKFLOW_JOB_ID', job);
    vi.stubEnv('AWS_OIDC_RUNTIME', join(home, '.aws-oidc', 'runtime', 'ecr-login.cjs'));
    let seen = '';
    await captured(async () => {
      main('ecr-login', async () => { seen = readFileSync(join(home, '.aws-oidc', 'jobs', job), 'utf8'); });
      await new Promise((resolve) => setImmediate(resolve));
    });
    expect(seen).toBe('["runtime","ecr-login"]\n');
  });

  it('the one Log sends notes to stdout unless told stderr', async () => {
    const { stdout, stderr } = await captured(() => processLog({}).info('a note'));
    expect([stdout, stderr]).toEqual(['a note\n', '']);
  });
});

describe('where results go', () => {
  it('AWS_OIDC_RESULTS_DIR, else ~/.aws-oidc/results', () => {
    expect(resultsDir({ AWS_OIDC_RESULTS_DIR: '/r', HOME: '/h' })).toBe('/r');
    expect(resultsDir({ AWS_OIDC_RESULTS_DIR: '', HOME: '/h' })).toBe(join('/h', '.aws-oidc', 'results'));
  });

  it('writes <name>.json as indented JSON ending in a newline, 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'main-results-'));
    resultWriter({ AWS_OIDC_RESULTS_DIR: dir })('ecr-login', { registries: ['a'] });
    expect(readFileSync(join(dir, 'ecr-login.json'), 'utf8')).toBe('{\n  "registries": [\n    "a"\n  ]\n}\n');
    expect(statSync(join(dir, 'ecr-login.json')).mode & 0o777).toBe(0o600);
  });
});

describe('runsOn: the Node.js of install-node', () => {
  it.each([
    ['/home/u/.aws-oidc/node/20.19.15/bin/node', [['node', '20.19.15']]],
    ['/home/u/.aws-oidc/node/20.19.5/bin/nodejs', []],
    ['/home/u/.aws-oidc/node/20.19/bin/node', []],
  ])('%s -> %j', (node, expected) => {
    expect(runsOn({ HOME: '/home/u' }, 'ecr-login', node)).toEqual(expected);
  });
});
