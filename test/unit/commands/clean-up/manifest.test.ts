import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest, takeManifests } from '../../../../src/commands/clean-up/manifest.ts';
import { manifestPath, recordWritten } from '../../../../src/lib/job-manifest.ts';

describe('parseManifest', () => {
  it('takes each known record once, in order, and names the lines that are not one', () => {
    const text = [
      '["ini","/h/.aws/config","profile ci"]', '["file","/h/.aws-oidc/results/a.json"]', '["ini","/h/.aws/config","profile ci"]', '',
      'not json', '["rm","-rf","/"]', '["export","PATH"]', '["node","../../etc"]', '["runtime","../x"]', '["docker","/c.json","proxies","h"]',
      '["ini","/h/.aws/config","x\\ny"]', '["file",""]', '["export","AWS_REGION"]', '["node","22.23.5"]', '["runtime","ecr-login"]',
    ].join('\n');
    expect(parseManifest(text)).toEqual({
      entries: [['ini', '/h/.aws/config', 'profile ci'], ['file', '/h/.aws-oidc/results/a.json'], ['export', 'AWS_REGION'], ['node', '22.23.5'], ['runtime', 'ecr-login']],
      bad: [5, 6, 7, 8, 9, 10, 11, 12],
    });
  });
});

describe('takeManifests', () => {
  const env = () => ({ HOME: mkdtempSync(join(tmpdir(), 'take-')), CIRCLE_WORKFLOW_JOB_ID: 'job-1' });

  it('moves the manifest aside (a step that writes now starts a new one) and reads one a stopped clean-up left', () => {
    const e = env();
    recordWritten(e, [['export', 'AWS_REGION']]);
    writeFileSync(`${manifestPath(e)!}.clean-up-7`, '["export","AWS_PROFILE_X"]\n');
    const taken = takeManifests(e, 9)!;
    recordWritten(e, [['export', 'AWS_LATER']]);
    expect(parseManifest(taken.text).entries).toEqual([['export', 'AWS_PROFILE_X'], ['export', 'AWS_REGION']]);
    taken.done();
    expect(readdirSync(join(e.HOME, '.aws-oidc', 'jobs'))).toEqual(['job-1']);
  });

  it('is undefined without a manifest or without a job id; refuses a manifest that is a link', () => {
    const e = env();
    expect(takeManifests(e, 1)).toBeUndefined();
    expect(takeManifests({ HOME: e.HOME }, 1)).toBeUndefined();
    mkdirSync(join(e.HOME, '.aws-oidc', 'jobs'), { recursive: true });
    writeFileSync(join(e.HOME, 'elsewhere'), '["file","/etc/passwd"]\n');
    symlinkSync(join(e.HOME, 'elsewhere'), manifestPath(e)!);
    expect(() => takeManifests(e, 1)).toThrow(/refusing to read the job's manifest .*symbolic link/);
    expect(existsSync(join(e.HOME, 'elsewhere'))).toBe(true);
  });
});
