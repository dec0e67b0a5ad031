// What the build leaves out of each command's bundle: the SDK parts the orb never uses become stubs that
// say so, and the SDK's notice about its future Node requirement is gone (it would reach docker and the
// AWS CLI through the credential helper's and credential_process's output); of an SDK client's package.json
// only its version (for the User-Agent) is kept.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundle, TRIMMED_MODULES } from '../../../tools/build.ts';

describe('the command bundles', () => {
  it.each(['assume-role-with-oidc', 'ecr-login', 'build-and-push'])('%s has no SDK Node-version notice and no default credential chain', async (command) => {
    const js = await bundle(`src/scripts/${command}.ts`);
    expect(js).not.toContain('NodeVersionSupportWarning');
    expect(js).not.toContain('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED');
    // The default chain is a stub that names itself.
    expect(js).toContain('@aws-sdk/credential-provider-node is not in the orb\'s runtime');
  });

  it('ecr-login\'s profile resolution says which profile kinds it does not serve', async () => {
    const js = await bundle('src/scripts/ecr-login.ts');
    for (const name of ['@aws-sdk/credential-provider-sso', '@aws-sdk/nested-clients/sts', '@smithy/credential-provider-imds']) {
      expect(js).toContain(`${name} is not in the orb's runtime: ${TRIMMED_MODULES[name]?.why ?? ''}`);
    }
  });

  it('keeps of each SDK client\'s package.json only the version its User-Agent sends', async () => {
    const js = await bundle('src/scripts/build-and-push.ts');
    for (const client of ['client-sts', 'client-ecr']) {
      const pkg = JSON.parse(readFileSync(`node_modules/@aws-sdk/${client}/package.json`, 'utf8')) as { version: string; description: string };
      expect(js).toContain(JSON.stringify(pkg.version));
      expect(js).not.toContain(pkg.description);
    }
  });

  it('only the CLI bundles jose (doctor\'s signature check): no orb command carries it inlined', async () => {
    // jose's own error code for a key set without the token's key: in the CLI, so the probe finds jose where it is.
    const probe = 'ERR_JWKS_NO_MATCHING_KEY';
    expect(await bundle('src/scripts/cli.ts')).toContain(probe);
    const commands = readdirSync('src/scripts').filter((f) => f.endsWith('.ts') && f !== 'cli.ts');
    expect(commands.length).toBeGreaterThanOrEqual(7);
    for (const f of commands) expect(await bundle(`src/scripts/${f}`), f).not.toContain(probe);
  }, 60_000);
});
