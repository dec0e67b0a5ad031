// The bundled CLI as another CI system would use it: a token file minted by the rig's issuer, exchanged at the
// rig's local STS by `aws-oidc assume-role`, and `aws-oidc doctor` on matching and refused token/policy pairs.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { createSts } from '../../src/lib/aws/sts.ts';
import { ORG_ID, PROD_ACCOUNT, PROJECT_ID, REGION, ACCOUNT } from '../harness/rig.ts';
import { useRig } from '../harness/use-rig.ts';

const CLI = resolve('dist/cli.cjs');
const rig = useRig();
const dir = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
const PROD_ROLE = `arn:aws:iam::${PROD_ACCOUNT}:role/production-deploy`;
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
});

/** Runs the CLI against the local STS; stderr (never meant to hold a secret) joins the rig's leak scan. */
async function cli(args: string[], opts: { input?: string; env?: Record<string, string>; secretStdout?: boolean } = {}) {
  const r = await execa(process.execPath, [CLI, ...args], {
    reject: false, env: { AWS_ENDPOINT_URL_STS: rig.aws.url, AWS_PROFILE: '', ...opts.env }, ...(opts.input === undefined ? {} : { input: opts.input }),
  });
  rig.outputs.push(r.stderr, ...(opts.secretStdout ? [] : [r.stdout]));
  return r;
}

/** A token of a job on `branch`, in a 0600 file. */
async function tokenFile(branch: string): Promise<{ path: string; token: string }> {
  const token = await rig.issuer.mint(rig.identity(branch));
  const path = join(dir, `token-${branch.replace(/\W/g, '-')}`);
  writeFileSync(path, token, { mode: 0o600 });
  return { path, token };
}

const exported = (text: string, name: string) => new RegExp(`^export ${name}='([^']*)'$`, 'm').exec(text)?.[1] ?? '';

describe('aws-oidc assume-role against the local STS', () => {
  it('writes a 0600 profile whose keys are the production role, for a token of main', async () => {
    const { path } = await tokenFile('main');
    const env = { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') };
    const r = await cli(['assume-role', '--token-file', path, '--role-arn', PROD_ROLE, '--region', REGION, '--profile-name', 'prod', '--role-session-name', 'other-ci-42'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`Assumed arn:aws:sts::${PROD_ACCOUNT}:assumed-role/production-deploy/other-ci-42`);
    expect(statSync(env.AWS_SHARED_CREDENTIALS_FILE).mode & 0o777).toBe(0o600);
    expect(readFileSync(env.AWS_CONFIG_FILE, 'utf8')).toContain(`[profile prod]\nregion = ${REGION}\n`);
    const ini = readFileSync(env.AWS_SHARED_CREDENTIALS_FILE, 'utf8');
    const value = (k: string) => new RegExp(`^${k} = (.+)$`, 'm').exec(ini)?.[1] ?? '';
    const who = await createSts(REGION, rig.aws.url, {}).getCallerIdentity({
      accessKeyId: value('aws_access_key_id'), secretAccessKey: value('aws_secret_access_key'), sessionToken: value('aws_session_token'),
    });
    expect(who.arn).toBe(`arn:aws:sts::${PROD_ACCOUNT}:assumed-role/production-deploy/other-ci-42`);
  });

  it('prints export lines only on stdout with --print-exports, the token read from stdin', async () => {
    const { token } = await tokenFile('feature/x');
    const r = await cli(['assume', '--token-file', '-', '--role-arn', DEPLOY_ROLE, '--region', REGION, '--print-exports', '--session-duration', '900'], { input: token, secretStdout: true });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(exported(r.stdout, 'AWS_REGION')).toBe(REGION);
    const creds = { accessKeyId: exported(r.stdout, 'AWS_ACCESS_KEY_ID'), secretAccessKey: exported(r.stdout, 'AWS_SECRET_ACCESS_KEY'), sessionToken: exported(r.stdout, 'AWS_SESSION_TOKEN'), expiration: new Date() };
    expect(rig.aws.issuedSecrets).toContain(creds.secretAccessKey);
    expect(r.stderr).not.toContain(creds.secretAccessKey);
    const expiry = Date.parse(exported(r.stdout, 'AWS_CREDENTIAL_EXPIRATION')) - rig.clock.now();
    expect(expiry).toBeGreaterThan(800_000);
    expect(expiry).toBeLessThanOrEqual(900_000);
    expect((await createSts(REGION, rig.aws.url, {}).getCallerIdentity(creds)).arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/aws-oidc-cli`);
  });

  it('a feature branch token is refused by the production role, explained, and nothing is printed on stdout', async () => {
    const { path, token } = await tokenFile('feature/x');
    const r = await cli(['assume-role', '--token-file', path, '--role-arn', PROD_ROLE, '--region', REGION, '--print-exports'], { secretStdout: true });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/AssumeRoleWithWebIdentity for .*production-deploy failed: AccessDenied[\s\S]*vcs-ref\/refs\/heads\/feature\/x/);
    expect(r.stderr).not.toContain(token);
  });
});

describe('aws-oidc doctor on the token/policy pairs the local STS decides', () => {
  let policyFile = '';
  beforeAll(async () => {
    // The policy as the CLI prints it, for main only; the rig's production role trusts the same.
    const r = await cli(['trust-policy', '--org-id', ORG_ID, '--project-id', PROJECT_ID, '--account-id', PROD_ACCOUNT, '--branch', 'main', '--issuer-url', rig.issuer.url]);
    expect(r.exitCode, r.stderr).toBe(0);
    policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, r.stdout);
  });

  it('admits the token of main (exit 0), as STS does', async () => {
    const r = await cli(['doctor', '--token-file', (await tokenFile('main')).path, '--policy-file', policyFile]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('result: the policy admits this token');
    expect(r.stdout).not.toMatch(/MISMATCH|warning/);
  });

  it('refuses the token of feature/x (exit 1) at the sub condition, with both values and the fix', async () => {
    const r = await cli(['doctor', '--token-file', (await tokenFile('feature/x')).path, '--policy-file', policyFile]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`MISMATCH ${rig.issuer.hostPath}:sub (StringLike)`);
    expect(r.stdout).toMatch(/token: {2}"org\/.*\/vcs-ref\/refs\/heads\/feature\/x"\n/);
    expect(r.stdout).toMatch(/policy: org\/.*\/user\/\*\/vcs-origin\/\*\/vcs-ref\/refs\/heads\/main\n/);
    expect(r.stdout).toContain('--branch feature/x');
    expect(r.stdout).toContain('result: the policy refuses this token (1 mismatch)');
  });

  it('reads an IAM role as get-role prints it (URL-encoded document), and a wrong audience', async () => {
    const doc = (JSON.parse(readFileSync(policyFile, 'utf8')) as { trustPolicy: object }).trustPolicy;
    const roleFile = join(dir, 'role.json');
    writeFileSync(roleFile, JSON.stringify({ Role: { RoleName: 'production-deploy', AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(doc)) } }));
    const token = await rig.issuer.mint(rig.identity('main'), { audience: 'sts.amazonaws.com' });
    const r = await cli(['doctor', '--token-file', '-', '--policy-file', roleFile], { input: token });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`MISMATCH ${rig.issuer.hostPath}:aud (StringEquals)\n    token:  "sts.amazonaws.com"\n    policy: ${ORG_ID}\n`);
    // STS refuses it too (the provider's audience list does not have it).
    const sts = await cli(['assume-role', '--token-file', '-', '--role-arn', PROD_ROLE, '--region', REGION, '--print-exports'], { input: token, secretStdout: true });
    expect(sts.exitCode).toBe(1);
    expect(sts.stderr).toMatch(/InvalidIdentityToken|AccessDenied/);
  });
});

describe('aws-oidc doctor checks the signature with the issuer\'s keys, and says when it did not', () => {
  let policyFile = '';
  const jwksUrl = () => `${rig.issuer.url}/.well-known/jwks-pub.json`;
  beforeAll(async () => {
    const r = await cli(['trust-policy', '--org-id', ORG_ID, '--project-id', PROJECT_ID, '--account-id', PROD_ACCOUNT, '--issuer-url', rig.issuer.url]);
    expect(r.exitCode, r.stderr).toBe(0);
    policyFile = join(dir, 'policy-any-branch.json');
    writeFileSync(policyFile, r.stdout);
  });

  it('--jwks-url (the issuer\'s jwks_uri) and --jwks-file (the same keys saved): verified with the issuer\'s kid, exit 0', async () => {
    const { path } = await tokenFile('main');
    const byUrl = await cli(['doctor', '--token-file', path, '--policy-file', policyFile, '--jwks-url', jwksUrl()]);
    expect(byUrl.exitCode, byUrl.stdout + byUrl.stderr).toBe(0);
    expect(byUrl.stdout).toMatch(new RegExp(`^signature: verified with key \\S+ \\(RS256\\) of ${jwksUrl().replace(/[.]/g, '\\.')}$`, 'm'));
    expect(byUrl.stdout).toContain('result: the policy admits this token, and its signature verifies');
    const keys = join(dir, 'jwks.json');
    writeFileSync(keys, await (await fetch(jwksUrl())).text());
    const byFile = await cli(['doctor', '--token-file', path, '--policy-file', policyFile, '--jwks-file', keys]);
    expect(byFile.exitCode, byFile.stdout).toBe(0);
    expect(byFile.stdout).toContain(`of ${keys}`);
  });

  it('a token signed with a key the issuer does not publish: SIGNATURE FAILED, exit 1, though the policy admits its claims', async () => {
    const token = await rig.issuer.mint(rig.identity('main'), { signWithForeignKey: true });
    const r = await cli(['doctor', '--token-file', '-', '--policy-file', policyFile, '--jwks-url', jwksUrl()], { input: token });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^SIGNATURE FAILED: the signature does not verify with the key for kid "\S+" of /m);
    expect(r.stdout).toContain('result: the policy admits this token\'s claims, but its signature failed: STS refuses it (InvalidIdentityToken)');
    // STS agrees: the same token is refused.
    const sts = await cli(['assume-role', '--token-file', '-', '--role-arn', PROD_ROLE, '--region', REGION, '--print-exports'], { input: token, secretStdout: true });
    expect(sts.exitCode).toBe(1);
    expect(sts.stderr).toContain('InvalidIdentityToken');
  });

  it('without keys: the claims are checked and the report says the signature was not', async () => {
    const r = await cli(['doctor', '--token-file', (await tokenFile('main')).path, '--policy-file', policyFile]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('signature: not checked (give --jwks-file or --jwks-url): doctor checks the token\'s claims against the policy, not who signed it');
  });

  it('an expired token: EXPIRED, with how long ago', async () => {
    const token = await rig.issuer.mint(rig.identity('main'), { iat: Math.floor(Date.now() / 1000) - 7200 });
    const r = await cli(['doctor', '--token-file', '-', '--policy-file', policyFile], { input: token });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^MISMATCH exp: EXPIRED 1h( \d+s)? ago$/m);
    expect(r.stdout).toMatch(/fix: {4}the token expired 1h( \d+s)? ago; get a fresh one/);
  });

  it('empty standard input: said to be empty', async () => {
    const r = await cli(['doctor', '--token-file', '-', '--policy-file', policyFile], { input: '' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('aws-oidc doctor: --token-file - (stdin): stdin was empty, so there is no token to read\n  fix: pipe the token in, e.g. printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc ... --token-file -');
  });

  it('a device, or more than 1 MiB on stdin, as the token: one line each, no crash', async () => {
    const dev = await cli(['doctor', '--token-file', '/dev/zero', '--policy-file', policyFile]);
    expect(dev.exitCode).toBe(1);
    expect(dev.stderr.split('\n')[0]).toBe('aws-oidc doctor: --token-file /dev/zero: cannot read it (it is a character device, not a regular file)');
    const big = await cli(['doctor', '--token-file', '-', '--policy-file', policyFile], { input: 'a'.repeat((1 << 20) + 1) });
    expect(big.exitCode).toBe(1);
    expect(big.stderr.split('\n')[0]).toMatch(/^aws-oidc doctor: --token-file -: cannot read it \(it is larger than 1 MiB/);
  });
});
