// A parameter set to a secret variable ($AWS_SECRET_ACCESS_KEY, ${CIRCLE_OIDC_TOKEN_V2}, ...) is refused
// without quoting the value, whole or in part, in every command's parser: the ParamError names the variable.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { orbParams } from '../../support/params.ts';
import { ParamError, shown } from '../../../src/lib/errors.ts';
import { Log, MIN_PART } from '../../../src/lib/log.ts';
import { expandVars, kindParam, stepParams, type Env, type ParamSource } from '../../../src/lib/params.ts';
import { parseParams as assumeRole } from '../../../src/commands/assume-role-with-oidc/params.ts';
import { parseParams as ecrLogin } from '../../../src/commands/ecr-login/params.ts';
import { parseParams as buildAndPush } from '../../../src/commands/build-and-push/params.ts';
import { parseParams as pushImage } from '../../../src/commands/push-image/run.ts';
import { parseParams as createManifestList } from '../../../src/commands/create-manifest-list/params.ts';
import { parseParams as promoteImage } from '../../../src/commands/promote-image/params.ts';

/** Base64 text that looks random and is the same every run. */
const b64 = (n: number, seed: string, enc: BufferEncoding = 'base64url') =>
  Buffer.concat(Array.from({ length: Math.ceil(n / 32) }, (_, i) => createHash('sha256').update(`${seed}/${i}`).digest())).subarray(0, n).toString(enc);
const jwt = (seed: string) => `eyJ${b64(30, `${seed}h`)}.eyJ${b64(300, `${seed}p`)}.${b64(256, `${seed}s`)}`;

const ENV: Env = {
  AWS_ACCESS_KEY_ID: 'ASIAQ7EXAMPLEKEY4242',
  AWS_SECRET_ACCESS_KEY: `wJ/+${b64(27, 'secret', 'base64')}`.slice(0, 40),
  AWS_SESSION_TOKEN: `IQoJb3JpZ2luX2VjE${b64(600, 'session', 'base64')}`,
  CIRCLE_OIDC_TOKEN: jwt('v1'),
  CIRCLE_OIDC_TOKEN_V2: jwt('v2'),
  NPM_TOKEN: `npm_${b64(27, 'npm')}`,
  AWS_REGION: 'eu-west-1',
  CIRCLE_SHA1: '0123abc',
};

/** Every MIN_PART-long piece of `secret` that `text` holds. */
const piecesIn = (text: string, secret: string) =>
  Array.from({ length: secret.length - MIN_PART + 1 }, (_, i) => secret.slice(i, i + MIN_PART)).filter((p) => text.includes(p));

/** The ParamError `parse` throws. */
function refusal(parse: () => unknown): ParamError {
  try {
    parse();
  } catch (err) {
    if (err instanceof ParamError) return err;
    throw err;
  }
  throw new Error('the parser took the value');
}

type Parse = (src: ParamSource, env: Env) => unknown;
const ROLE = { 'role-arn': 'arn:aws:iam::123456789012:role/deploy' };

describe('a secret variable in a parameter is named, never quoted', () => {
  it.each<[string, Record<string, string>, string, string, Parse]>([
    ['ecr-login', { 'account-id': '$AWS_SECRET_ACCESS_KEY' }, 'account-id', 'AWS_SECRET_ACCESS_KEY', ecrLogin],
    ['ecr-login', { region: '${CIRCLE_OIDC_TOKEN_V2}' }, 'region', 'CIRCLE_OIDC_TOKEN_V2', ecrLogin],
    ['ecr-login', { 'profile-name': '$AWS_SESSION_TOKEN' }, 'profile-name', 'AWS_SESSION_TOKEN', ecrLogin],
    ['assume-role-with-oidc', { 'role-arn': '$AWS_SECRET_ACCESS_KEY' }, 'role-arn', 'AWS_SECRET_ACCESS_KEY', assumeRole],
    ['assume-role-with-oidc', { ...ROLE, 'role-session-name': '${CIRCLE_OIDC_TOKEN_V2}' }, 'role-session-name', 'CIRCLE_OIDC_TOKEN_V2', assumeRole],
    ['assume-role-with-oidc', { ...ROLE, 'session-policy': '$AWS_SESSION_TOKEN' }, 'session-policy', 'AWS_SESSION_TOKEN', assumeRole],
    ['assume-role-with-oidc', { ...ROLE, 'sts-endpoint': '$CIRCLE_OIDC_TOKEN' }, 'sts-endpoint', 'CIRCLE_OIDC_TOKEN', assumeRole],
    ['assume-role-with-oidc', { ...ROLE, 'source-identity': '$AWS_SECRET_ACCESS_KEY' }, 'source-identity', 'AWS_SECRET_ACCESS_KEY', assumeRole],
    ['assume-role-with-oidc', { ...ROLE, 'role-chain': '${NPM_TOKEN}' }, 'role-chain (line 1)', 'NPM_TOKEN', assumeRole],
    ['build-and-push', { repo: '$AWS_SECRET_ACCESS_KEY' }, 'repo', 'AWS_SECRET_ACCESS_KEY', (s, e) => buildAndPush(s, e, '/project')],
    ['build-and-push', { repo: 'webapp', tag: '${CIRCLE_OIDC_TOKEN_V2}' }, 'tag', 'CIRCLE_OIDC_TOKEN_V2', (s, e) => buildAndPush(s, e, '/project')],
    ['build-and-push', { repo: 'webapp', platform: '$AWS_SESSION_TOKEN' }, 'platform', 'AWS_SESSION_TOKEN', (s, e) => buildAndPush(s, e, '/project')],
    ['push-image', { repo: '${AWS_SECRET_ACCESS_KEY}' }, 'repo', 'AWS_SECRET_ACCESS_KEY', pushImage],
    ['push-image', { repo: 'webapp', tag: '$CIRCLE_OIDC_TOKEN_V2' }, 'tag', 'CIRCLE_OIDC_TOKEN_V2', pushImage],
    ['create-manifest-list', { repo: 'webapp', sources: 'a-amd64 $AWS_SECRET_ACCESS_KEY' }, 'sources', 'AWS_SECRET_ACCESS_KEY', createManifestList],
    ['promote-image', { 'source-repo': 'webapp', 'source-tag': '$CIRCLE_OIDC_TOKEN_V2' }, 'source-tag', 'CIRCLE_OIDC_TOKEN_V2', promoteImage],
    ['promote-image', { 'source-repo': 'webapp', 'source-tag': 'v1', tag: 'prod', 'source-account-id': '$AWS_SESSION_TOKEN' }, 'source-account-id', 'AWS_SESSION_TOKEN', promoteImage],
  ])('%s %j', (_command, params, param, name, parse) => {
    const err = refusal(() => parse(orbParams(params), ENV));
    const secret = ENV[name]!;
    expect(err.param).toBe(param);
    expect(`${err.message}\n${err.hint ?? ''}`).toContain(`the value of $${name}`);
    expect(piecesIn(`${err.message}\n${err.hint ?? ''}`, secret)).toEqual([]);
  });

  it('says the value of the variable, or a value holding part of it; a key id shows its last four characters', () => {
    const env = { ...ENV, ROLE: 'deploy' };
    const arn = (text: string) => refusal(() => kindParam(stepParams({ ORB_PARAM_ROLE_ARN: text }), env, 'role-arn', 'roleArn')).message;
    expect(arn('$AWS_SECRET_ACCESS_KEY')).toMatch(/\(got the value of \$AWS_SECRET_ACCESS_KEY, not shown\)$/);
    expect(arn('arn:aws:iam::${AWS_SECRET_ACCESS_KEY}')).toMatch(/\(got a value holding \(part of\) the value of \$AWS_SECRET_ACCESS_KEY, not shown\)$/);
    expect(arn('$AWS_ACCESS_KEY_ID')).toMatch(/\(got the value of \$AWS_ACCESS_KEY_ID, \*\*\*\*4242\)$/);
    expect(arn('role/$ROLE')).toMatch(/\(got "role\/deploy"\)$/);
    // A slice of a long secret (parsers quote the first 60 characters of a policy) is part of it.
    expandVars('session-policy', '$AWS_SESSION_TOKEN', ENV);
    expect(shown(ENV.AWS_SESSION_TOKEN!.slice(0, 60))).toBe('a value holding (part of) the value of $AWS_SESSION_TOKEN, not shown');
  });

  it('names a secret the step learned at run time (a Log registered it) without a variable', () => {
    const issued = `ecr-${b64(40, 'ecr-password')}`;
    new Log(() => {}).secret(issued);
    expect(shown(issued)).toBe('a secret of this step, not shown');
  });
});
