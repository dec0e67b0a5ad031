// The notes a step prints when it exports to $BASH_ENV from an sh step (the wrapper sets AWS_OIDC_SHELL), and none in bash.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bashEnvWriter, shStepNotes } from '../../../src/lib/sh-steps.ts';
import { Log } from '../../../src/lib/log.ts';
import { manifestPath } from '../../../src/lib/job-manifest.ts';

const KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CREDENTIAL_EXPIRATION'];

describe('shStepNotes', () => {
  it('says nothing in bash, or when the wrapper did not say (the runtime run bare)', () => {
    expect(shStepNotes({ AWS_OIDC_SHELL: 'bash' }, KEYS)).toEqual([]);
    expect(shStepNotes({}, KEYS)).toEqual([]);
    expect(shStepNotes({ AWS_OIDC_SHELL: 'sh' }, [])).toEqual([]);
  });

  it('names the exports and the profile way for credentials', () => {
    expect(shStepNotes({ AWS_OIDC_SHELL: 'sh' }, KEYS)).toEqual([
      `note: this step runs in sh, not bash, and later sh steps do not read $BASH_ENV: they will not see ${KEYS.join(', ')}.`,
      '  For the AWS CLI, the SDKs and Terraform in later sh steps, write a profile instead: profile-name: default (used when nothing names a profile), or another name with AWS_PROFILE set to it in the job\'s environment.',
    ]);
  });

  it('says how a later sh step finds the credential helper, and where the other values are', () => {
    const notes = shStepNotes({ AWS_OIDC_SHELL: 'sh' }, ['PATH', 'AWS_ECR_REGISTRY', 'AWS_ECR_REGISTRY_111111111111']);
    expect(notes[1]).toContain('begin later sh steps that run docker with export PATH="$HOME/.aws-oidc/bin:$PATH", or set credential-helper: false');
    expect(notes[2]).toBe('  AWS_ECR_REGISTRY, AWS_ECR_REGISTRY_111111111111: read them from the step\'s JSON result in $AWS_OIDC_RESULTS_DIR (default ~/.aws-oidc/results).');
    expect(notes).toHaveLength(3);
  });

  it('gives the profile way when credentials are among other exports', () => {
    const notes = shStepNotes({ AWS_OIDC_SHELL: 'sh' }, ['AWS_ECR_REGISTRY', 'AWS_ACCESS_KEY_ID']);
    expect(notes[1]).toMatch(/^ {2}For the AWS CLI, the SDKs and Terraform in later sh steps, write a profile instead/);
    expect(notes[2]).toMatch(/^ {2}AWS_ECR_REGISTRY: read them from the step's JSON result/);
  });
});

describe('bashEnvWriter', () => {
  it('appends the exports, then prints the notes for what was set (not for what was unset)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sh-steps-')), 'bash-env');
    writeFileSync(file, '');
    let out = '';
    bashEnvWriter({ BASH_ENV: file, AWS_OIDC_SHELL: 'sh' }, new Log((t) => { out += t; }))({ AWS_ECR_IMAGE_REF: 'r', AWS_PROFILE: null });
    expect(readFileSync(file, 'utf8')).toBe("export AWS_ECR_IMAGE_REF='r'\nunset AWS_PROFILE\n");
    expect(out).toBe('note: this step runs in sh, not bash, and later sh steps do not read $BASH_ENV: they will not see AWS_ECR_IMAGE_REF.\n'
      + '  AWS_ECR_IMAGE_REF: read them from the step\'s JSON result in $AWS_OIDC_RESULTS_DIR (default ~/.aws-oidc/results).\n');
  });

  it('records the AWS_* exports in the job\'s manifest for clean-up, and records nothing when there is no BASH_ENV to write', () => {
    const home = mkdtempSync(join(tmpdir(), 'sh-steps-'));
    const job = { HOME: home, CIRCLE_WORKFLOW_JOB_ID: '7c4e1d8a-0b5f-4e52-9d1a-3f2b6c8e9a01' };
    const log = new Log(() => {});
    expect(() => bashEnvWriter(job, log)({ AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE' })).toThrow(/BASH_ENV is not set/);
    expect(existsSync(manifestPath(job) as string)).toBe(false);
    const file = join(home, 'bash-env');
    bashEnvWriter({ ...job, BASH_ENV: file }, log)({ AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', ECR_TAG: 'v1', AWS_PROFILE: null });
    expect(readFileSync(manifestPath(job) as string, 'utf8')).toBe('["export","AWS_ACCESS_KEY_ID"]\n');
  });
});
