// The warning for a profile written while the job's environment has keys of its own: it names the variables that
// are set (never their values) and the two ways to act as the role.
import { describe, expect, it } from 'vitest';
import { staticKeysWarning } from '../../../../src/commands/assume-role-with-oidc/static-keys.ts';

describe('staticKeysWarning', () => {
  it('names each variable that is set, and only those', () => {
    expect(staticKeysWarning({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID0001', AWS_SECRET_ACCESS_KEY: 'secret-value-1234' }, 'deploy'))
      .toMatch(/^warning: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY are set in this job's environment/);
    expect(staticKeysWarning({ AWS_SESSION_TOKEN: 'token-value-5678' }, 'deploy')).toMatch(/^warning: AWS_SESSION_TOKEN is set /);
  });

  it('says why AWS_PROFILE loses and gives both fixes, with the profile name, and no value', () => {
    const text = staticKeysWarning({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID0001', AWS_SECRET_ACCESS_KEY: 'secret-value-1234' }, 'prod-ro') ?? '';
    expect(text).toContain('the AWS CLI and SDKs prefer keys in the environment over AWS_PROFILE: AWS_PROFILE=prod-ro would act as those keys, not as the role');
    expect(text).toContain('Use --profile prod-ro (the AWS CLI\'s --profile wins over keys in the environment), or set export-to: both');
    expect(text).not.toMatch(/AKIAEXAMPLEKEYID0001|secret-value-1234/);
  });

  it('is undefined without keys in the environment (empty counts as unset)', () => {
    expect(staticKeysWarning({ AWS_PROFILE: 'x', AWS_REGION: 'us-east-1' }, 'deploy')).toBeUndefined();
    expect(staticKeysWarning({ AWS_ACCESS_KEY_ID: '' }, 'deploy')).toBeUndefined();
  });
});
