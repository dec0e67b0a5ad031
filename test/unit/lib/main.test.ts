import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrbError } from '../../../src/lib/errors.ts';
import { main, processLog } from '../../../src/lib/main.ts';

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
