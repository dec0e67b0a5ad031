import { describe, expect, it } from 'vitest';
import { doctor, parseSub, providerAccount, renderReport, span, stringLike } from '../../../src/commands/doctor/check.ts';
import { parsePolicy } from '../../../src/commands/doctor/policy.ts';
import { trustPolicy } from '../../../src/commands/trust-policy/generate.ts';
import { ISS, NOW, ORG, PROJECT, claims, cli, fakeToken, sub } from './helpers.ts';

const HOST = ISS.replace('https://', '');
/** The generator's own policy for main, as `aws-oidc trust-policy --format json` prints it. */
const generated = (ref: string | undefined = 'refs/heads/main') =>
  trustPolicy({ orgId: ORG, projectId: PROJECT, partition: 'aws', issuerUrl: ISS, accountId: '123456789012', ...(ref ? { ref } : {}) });
const policyJson = (ref?: string) => JSON.stringify({ provider: generated(ref).provider, trustPolicy: generated(ref).policy });
const statements = (ref?: string) => parsePolicy(policyJson(ref), 'p.json');

describe('stringLike', () => {
  it.each([
    ['org/*/user/*', 'org/a/user/b', true],
    ['org/*', 'org/', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['refs/heads/main', 'refs/heads/main2', false],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
    ['ABC', 'abc', false],
  ])('%s against %s is %s', (pattern, value, expected) => {
    expect(stringLike(pattern, value)).toBe(expected);
  });
});

describe('span', () => {
  it.each([[0, '0s'], [45_000, '45s'], [60_000, '1m'], [725_000, '12m 5s'], [3_600_000, '1h'], [7_500_000, '2h 5m'], [273_600_000, '3d 4h'], [86_430_000, '1d']])('%i ms is %s', (ms, text) => {
    expect(span(ms)).toBe(text);
  });
});

describe('providerAccount', () => {
  it('reads the account of an OIDC provider ARN of any partition', () => {
    expect(providerAccount(`arn:aws:iam::123456789012:oidc-provider/${HOST}`)).toBe('123456789012');
    expect(providerAccount(`arn:aws-cn:iam::210987654321:oidc-provider/${HOST}`)).toBe('210987654321');
    expect(providerAccount('arn:aws:iam::123456789012:role/x')).toBeUndefined();
  });
});

describe('parseSub', () => {
  it('reads the org, project and ref of V2 and V1 subjects', () => {
    expect(parseSub(sub('refs/heads/feature/x'))).toEqual({ org: ORG, project: PROJECT, ref: 'refs/heads/feature/x' });
    expect(parseSub(sub())).toEqual({ org: ORG, project: PROJECT });
    expect(parseSub('repo:acme/app:ref:refs/heads/main')).toBeUndefined();
  });
});

describe('parsePolicy', () => {
  const doc = generated().policy;
  it('takes trust-policy output, a bare document, a single statement and get-role output (URL-encoded too)', () => {
    expect(statements()).toEqual(doc.Statement);
    expect(parsePolicy(JSON.stringify(doc), 'x')).toEqual(doc.Statement);
    expect(parsePolicy(JSON.stringify({ ...doc, Statement: doc.Statement[0] }), 'x')).toEqual(doc.Statement);
    expect(parsePolicy(JSON.stringify({ Role: { AssumeRolePolicyDocument: doc } }), 'x')).toEqual(doc.Statement);
    expect(parsePolicy(JSON.stringify({ Role: { AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(doc)) } }), 'x')).toEqual(doc.Statement);
  });
  it('names the file and the accepted shapes when it is not one', () => {
    expect(() => parsePolicy('{nope', 'bad.json')).toThrow(/--policy-file bad.json: not JSON/);
    expect(() => parsePolicy('{"a": 1}', 'bad.json')).toThrow(/--policy-file bad.json: no trust policy found/);
  });
});

describe('doctor', () => {
  it('admits a matching token: every check ok, no warnings', () => {
    const r = doctor(claims(), statements('refs/heads/main'), NOW);
    expect(r.admitted).toBe(true);
    expect(r.findings.map((f) => f.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('a branch the policy does not admit: the sub key, both values and the fix', () => {
    const r = doctor(claims({ sub: sub('refs/heads/feature/x') }), statements('refs/heads/main'), NOW);
    expect(r.admitted).toBe(false);
    const bad = r.findings.filter((f) => f.status === 'mismatch');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ key: `${HOST}:sub (StringLike)`, token: JSON.stringify(sub('refs/heads/feature/x')), policy: `org/${ORG}/project/${PROJECT}/user/*/vcs-origin/*/vcs-ref/refs/heads/main` });
    expect(bad[0]?.fix).toContain('the token is from refs/heads/feature/x, which the policy does not admit');
    expect(bad[0]?.fix).toContain(`aws-oidc trust-policy --org-id ${ORG} --project-id ${PROJECT} --account-id 123456789012 --branch feature/x`);
  });

  it('a V1 token (no ref) against a policy that pins a branch: use the V2 token', () => {
    const r = doctor(claims({ sub: sub() }), statements('refs/heads/main'), NOW);
    expect(r.findings.find((f) => f.status === 'mismatch')?.fix).toContain('use CIRCLE_OIDC_TOKEN_V2');
  });

  it('another project: says so', () => {
    const other = claims({ sub: `org/${ORG}/project/11111111-2222-4333-8444-555555555555/user/u/vcs-origin/x/vcs-ref/refs/heads/main` });
    expect(doctor(other, statements('refs/heads/main'), NOW).findings.find((f) => f.status === 'mismatch')?.fix).toContain('the policy admits another project');
  });

  it('a wrong audience: the aud key and its fix', () => {
    const r = doctor(claims({ aud: 'sts.amazonaws.com' }), statements(), NOW);
    const bad = r.findings.filter((f) => f.status === 'mismatch');
    expect(bad.map((f) => f.key)).toEqual([`${HOST}:aud (StringEquals)`]);
    expect(bad[0]).toMatchObject({ token: '"sts.amazonaws.com"', policy: ORG });
    expect(bad[0]?.fix).toContain('organization id');
  });

  it('another issuer: the principal and both condition keys fail, naming the token\'s provider', () => {
    const r = doctor(claims({ iss: 'https://oidc.circleci.com/org/other' }), statements(), NOW);
    const bad = r.findings.filter((f) => f.status === 'mismatch');
    expect(bad.map((f) => f.key)).toEqual(['Principal.Federated (the token\'s iss)', `${HOST}:aud (StringEquals)`, `${HOST}:sub (StringLike)`]);
    expect(bad[0]?.fix).toContain('oidc-provider/oidc.circleci.com/org/other');
    expect(bad[1]?.fix).toContain('for this token use oidc.circleci.com/org/other:aud');
  });

  it('an expired token is labelled expired, with how long ago', () => {
    const r = doctor(claims({ exp: NOW / 1000 - 7500 }), statements(), NOW);
    expect(r.admitted).toBe(false);
    expect(r.findings[0]).toMatchObject({ status: 'mismatch', key: 'exp: EXPIRED 2h 5m ago', token: new Date(NOW - 7_500_000).toISOString() });
    expect(r.findings[0]?.fix).toMatch(/^the token expired 2h 5m ago; get a fresh one/);
    expect(doctor(claims({ exp: NOW / 1000 }), statements(), NOW).findings[0]).toMatchObject({ status: 'mismatch', key: 'exp: EXPIRED 0s ago' });
    expect(doctor(claims({ exp: NOW / 1000 + 3000 }), statements(), NOW).findings[0]).toMatchObject({ status: 'ok', key: 'exp: valid for 50m more' });
    // The report labels the current time as now, not as the policy's value.
    expect(renderReport(r)).toContain(`MISMATCH exp: EXPIRED 2h 5m ago\n    token:  ${new Date(NOW - 7_500_000).toISOString()}\n    now:    ${new Date(NOW).toISOString()}\n    fix:`);
  });

  it('the trust-policy command it suggests has the account of the policy\'s provider, or a placeholder', () => {
    const fix = (st: ReturnType<typeof statements>) => doctor(claims({ sub: sub('refs/heads/feature/x') }), st, NOW).findings.find((f) => f.key.includes(':sub'))?.fix;
    expect(fix(statements('refs/heads/main'))).toContain(`aws-oidc trust-policy --org-id ${ORG} --project-id ${PROJECT} --account-id 123456789012 --branch feature/x\``);
    const noAccount = statements('refs/heads/main').map((s) => ({ ...s, Principal: { Federated: `arn:aws:iam::<account>:oidc-provider/${HOST}` } }));
    expect(fix(noAccount)).toContain('--account-id <12-digit account id> --branch feature/x');
  });

  it('no statement for AssumeRoleWithWebIdentity', () => {
    const r = doctor(claims(), [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: 'x' } }], NOW);
    expect(r.findings.at(-1)).toMatchObject({ status: 'mismatch', key: 'Action', policy: 'sts:AssumeRole' });
  });

  it('a policy without aud or sub conditions admits, with warnings', () => {
    const r = doctor(claims(), [{ Effect: 'Allow', Action: ['sts:AssumeRoleWithWebIdentity'], Principal: { Federated: [`arn:aws:iam::1:oidc-provider/${HOST}`] } }], NOW);
    expect(r.admitted).toBe(true);
    expect(r.findings.filter((f) => f.status === 'warning').map((f) => f.key)).toEqual([`${HOST}:aud`, `${HOST}:sub`]);
  });

  it('picks the statement that admits, of several', () => {
    const main = generated('refs/heads/main').policy.Statement[0];
    const dev = generated('refs/heads/dev').policy.Statement[0];
    expect(doctor(claims({ sub: sub('refs/heads/dev') }), [main, dev], NOW).admitted).toBe(true);
  });
});

describe('aws-oidc doctor', () => {
  const files = (token: string, ref?: string) => ({ token, 'p.json': policyJson(ref) });

  it('exit 0 and the claims (never the token) for a matching pair', async () => {
    const token = fakeToken(claims());
    const r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'p.json'], { files: files(token, 'refs/heads/main') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`token claims: iss="${ISS}" aud="${ORG}" sub="${sub('refs/heads/main')}"`);
    expect(r.stdout).toContain('result: the policy admits this token');
    expect(r.stdout + r.stderr).not.toContain(token);
  });

  it('empty stdin is reported as empty, not as a token that does not parse', async () => {
    for (const stdin of ['', '\n  \n']) {
      const r = await cli(['doctor', '--token-file', '-', '--policy-file', 'p.json'], { files: files(''), stdin });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('aws-oidc doctor: --token-file - (stdin): stdin was empty, so there is no token to read\n  fix: pipe the token in, e.g. printenv CIRCLE_OIDC_TOKEN_V2 | aws-oidc ... --token-file -\n');
    }
  });

  it('exit 1 with the mismatch explained, token from stdin', async () => {
    const r = await cli(['doctor', '--token-file', '-', '--policy-file', 'p.json'], { files: files(''), stdin: `${fakeToken(claims({ sub: sub('refs/heads/x') }))}\n` });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/MISMATCH .*:sub \(StringLike\)\n {4}token: {2}.*vcs-ref\/refs\/heads\/x"\n {4}policy: .*\n {4}fix: {4}/);
    expect(r.stdout).toContain('result: the policy refuses this token (1 mismatch)');
  });

  it('names the file that is missing or is not a token', async () => {
    let r = await cli(['doctor', '--token-file', 'nope', '--policy-file', 'p.json'], { files: files('') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('aws-oidc doctor: --token-file nope: cannot read it (ENOENT');
    r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'p.json'], { files: files('not a token') });
    expect(r.stderr).toContain('--token-file token: does not hold a JWT');
    expect(r.stderr).toContain('fix: save the OIDC token alone in the file');
    r = await cli(['doctor', '--policy-file', 'p.json'], { files: files('') });
    expect(r.stderr).toContain('--token-file is required');
    r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'p.json'], { files: files(' \n') });
    expect(r.stderr).toBe('aws-oidc doctor: --token-file token: the file is empty\n  fix: save the OIDC token in it, e.g. printenv CIRCLE_OIDC_TOKEN_V2 > token && chmod 600 token\n');
    r = await cli(['doctor', '--token-file', 'token', '--policy-file', 'missing.json'], { files: files(fakeToken(claims())) });
    expect(r.stderr).toContain('--policy-file missing.json: cannot read it');
  });
});
