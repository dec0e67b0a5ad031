// The hostile and invalid input corpus: one row per case, for every parameter of every command and of the build-and-push job.
// A value that could run something if a shell ever evaluated it tries to touch the case's canary file instead.
import { ACCOUNT } from '../harness/rig.ts';

export type Target = 'assume-role-with-oidc' | 'ecr-login' | 'build-and-push' | 'create-manifest-list' | 'job build-and-push';

/**
 * What must happen, and who decides: `refused` names the parameter the orb's step must name in its error
 * ("parameter <name>:", or `message`); `config` names the argument CircleCI's config compiler refuses (a wrong type
 * never reaches a step; `message`, else "Type error for argument <name>:"); `works` means the step succeeds with the
 * value taken literally (the test then checks what arrived where).
 */
export type Expect = { refused: string; message?: RegExp } | { config: string; message?: RegExp } | { works: 'literally' };

export interface HostileCase {
  title: string;
  target: Target;
  /** The parameter under test (the table counts parameters covered). */
  param: string;
  /** Parameter values given the case's canary path; the target's required parameters are added when missing. */
  params: (canary: string) => Record<string, string | number | boolean>;
  expect: Expect;
  /** Project variables for the job. */
  env?: (canary: string) => Record<string, string>;
  /** For works cases: a literal the docker argv of the job must hold as one word. */
  argvHas?: (canary: string) => string[];
}

export const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const CFN = 'arn:aws:iam::222222222222:role/cfn-deploy';

/** The ways a value might be executed, each touching `c`. */
export const sub = (c: string) => `$(touch ${c})`;
export const tick = (c: string) => `\`touch ${c}\``;
export const semi = (c: string) => `x; touch ${c}`;
const amp = (c: string) => `x && touch ${c} #`;
const pipe = (c: string) => `x | touch ${c}`;
const nl = (c: string) => `x\ntouch ${c}`;
const quote = (c: string) => `x' ; touch ${c} ; echo '`;
const dquote = (c: string) => `x" ; touch ${c} ; echo "`;
const LONG = 'a'.repeat(100 * 1024);

const refused = (p: string): Expect => ({ refused: p });
const config = (p: string): Expect => ({ config: p });
const works: Expect = { works: 'literally' };

const assume = (param: string, title: string, params: HostileCase['params'], expect: Expect, extra: Partial<HostileCase> = {}): HostileCase =>
  ({ title, target: 'assume-role-with-oidc', param, params, expect, ...extra });
const ecr = (param: string, title: string, params: HostileCase['params'], expect: Expect, extra: Partial<HostileCase> = {}): HostileCase =>
  ({ title, target: 'ecr-login', param, params, expect, ...extra });
const bp = (param: string, title: string, params: HostileCase['params'], expect: Expect, extra: Partial<HostileCase> = {}): HostileCase =>
  ({ title, target: 'build-and-push', param, params, expect, ...extra });
const ml = (param: string, title: string, params: HostileCase['params'], expect: Expect): HostileCase =>
  ({ title, target: 'create-manifest-list', param, params, expect });
const job = (param: string, title: string, params: HostileCase['params'], expect: Expect): HostileCase =>
  ({ title, target: 'job build-and-push', param, params, expect });

export const CASES: HostileCase[] = [
  // assume-role-with-oidc
  assume('role-arn', '$(...) in role-arn', (c) => ({ 'role-arn': sub(c) }), refused('role-arn')),
  assume('role-arn', 'backticks after a valid ARN', (c) => ({ 'role-arn': `${DEPLOY}${tick(c)}` }), refused('role-arn')),
  assume('role-arn', '; after a valid ARN', (c) => ({ 'role-arn': `${DEPLOY}; touch ${c}` }), refused('role-arn')),
  assume('role-arn', 'a newline and a command after a valid ARN', (c) => ({ 'role-arn': `${DEPLOY}\ntouch ${c}` }), refused('role-arn')),
  assume('role-arn', 'empty (required)', () => ({ 'role-arn': '' }), refused('role-arn')),
  assume('role-arn', '${NOPE}, a variable that is not set', () => ({ 'role-arn': '${NOPE}' }), refused('role-arn')),
  assume('role-arn', 'a variable whose value is a command', () => ({ 'role-arn': '${EVIL}' }), refused('role-arn'), { env: (c) => ({ EVIL: sub(c) }) }),
  assume('role-arn', '100 KB', () => ({ 'role-arn': `arn:aws:iam::${ACCOUNT}:role/${LONG}` }), refused('role-arn')),
  assume('role-session-name', 'single quotes and ;', (c) => ({ 'role-session-name': quote(c) }), refused('role-session-name')),
  assume('role-session-name', 'unicode', () => ({ 'role-session-name': 'déploiement-日本' }), refused('role-session-name')),
  assume('session-duration', 'a word (wrong type)', () => ({ 'session-duration': 'abc' }), config('session-duration')),
  assume('session-duration', 'beyond 43200', () => ({ 'session-duration': 99999999 }), refused('session-duration')),
  assume('region', '$(...)', (c) => ({ region: sub(c) }), refused('region')),
  assume('region', '${NOPE}', () => ({ region: '${NOPE}' }), refused('region')),
  assume('token-source', 'not one of the enum', (c) => ({ 'token-source': semi(c) }), config('token-source')),
  assume('audience', '$(...) as a minted audience: sent literally, refused by STS', (c) => ({ 'token-source': 'mint', audience: sub(c) }), { refused: 'audience', message: /Incorrect token audience[\s\S]*\n {2}fix: [\s\S]*leave audience empty/ }),
  assume('role-chain', 'a command after the ARN', (c) => ({ 'role-arn': DEPLOY, 'role-chain': `${CFN} ${amp(c)}` }), refused('role-chain')),
  assume('role-chain', 'external-id naming an unset variable', () => ({ 'role-chain': `${CFN} external-id=\${NOPE}` }), refused('role-chain')),
  assume('profile-name', 'path traversal', () => ({ 'profile-name': '../../etc/passwd' }), refused('profile-name')),
  assume('profile-name', 'a newline and an INI section', () => ({ 'profile-name': 'ok\n[default]' }), refused('profile-name')),
  assume('export-to', 'not one of the enum', (c) => ({ 'export-to': pipe(c) }), config('export-to')),
  assume('retry-max-attempts', 'zero', () => ({ 'retry-max-attempts': 0 }), refused('retry-max-attempts')),
  assume('retry-max-attempts', 'a word (wrong type)', (c) => ({ 'retry-max-attempts': sub(c) }), config('retry-max-attempts')),
  assume('retry-max-seconds', 'beyond 900', () => ({ 'retry-max-seconds': 901 }), refused('retry-max-seconds')),
  assume('session-policy', 'not JSON, with a command', (c) => ({ 'session-policy': `{${sub(c)}}` }), refused('session-policy')),
  assume('session-policy', 'a policy whose resource is $(...): taken literally',
    (c) => ({ 'session-policy': JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${sub(c)}/*` }] }) }), works),
  assume('managed-session-policies', 'backticks', (c) => ({ 'managed-session-policies': tick(c) }), refused('managed-session-policies')),
  assume('allowed-account-ids', '; and a command', (c) => ({ 'allowed-account-ids': `${ACCOUNT}; touch ${c}` }), refused('allowed-account-ids')),
  assume('self-refresh', 'a word (wrong type)', () => ({ 'self-refresh': 'maybe' }), config('self-refresh')),
  assume('self-refresh', 'true without a profile', () => ({ 'self-refresh': true }), refused('self-refresh')),
  assume('session-tags', 'a value that is a command', (c) => ({ 'role-chain': CFN, 'session-tags': `team=${sub(c)}` }), refused('session-tags')),
  assume('circleci-session-tags', 'a word (wrong type)', (c) => ({ 'circleci-session-tags': semi(c) }), config('circleci-session-tags')),
  assume('transitive-tag-keys', 'a key no tag has, with a command', (c) => ({ 'role-chain': CFN, 'transitive-tag-keys': tick(c) }), refused('transitive-tag-keys')),
  assume('source-identity', 'double quotes and ;', (c) => ({ 'role-chain': CFN, 'source-identity': dquote(c) }), refused('source-identity')),
  assume('sts-endpoint', 'a URL with a command', (c) => ({ 'sts-endpoint': `https://sts.example.com/${sub(c)}x;touch ${c}` }), refused('sts-endpoint')),
  assume('sts-endpoint', 'plain http to another host', () => ({ 'sts-endpoint': 'http://evil.example.com' }), refused('sts-endpoint')),
  assume('session-tags', 'a 100 KB value', () => ({ 'role-chain': CFN, 'session-tags': `team=${LONG}` }), refused('session-tags')),
  assume('session-policy', '100 KB of JSON', () => ({ 'session-policy': JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${LONG}` }] }) }), refused('session-policy')),
  assume('profile-name', '${NOPE}', () => ({ 'profile-name': '${NOPE}' }), refused('profile-name')),
  assume('audience', 'a newline and a command as a minted audience', (c) => ({ 'token-source': 'mint', audience: nl(c) }), refused('audience')),
  assume('install-node', '$(...) on an executor whose node is too old', (c) => ({ 'install-node': sub(c) }), refused('install-node')),
  assume('install-node-sha256', '$(...) as the pin, on an executor whose node is too old', (c) => ({ 'install-node': '22.23.5', 'install-node-sha256': sub(c) }), refused('install-node-sha256')),

  // ecr-login
  ecr('account-id', '$(...)', (c) => ({ 'account-id': sub(c) }), refused('account-id')),
  ecr('account-id', 'a newline and a command', (c) => ({ 'account-id': nl(c) }), refused('account-id')),
  ecr('account-id', '${NOPE}', () => ({ 'account-id': '${NOPE}' }), refused('account-id')),
  ecr('region', 'backticks', (c) => ({ region: tick(c) }), refused('region')),
  ecr('profile-name', '; and a command', (c) => ({ 'profile-name': semi(c) }), refused('profile-name')),
  ecr('public-registry', 'a word (wrong type)', (c) => ({ 'public-registry': sub(c) }), config('public-registry')),
  ecr('credential-helper', 'a word (wrong type)', () => ({ 'credential-helper': 'yes please' }), config('credential-helper')),
  ecr('docker-config', 'a newline and a command', (c) => ({ 'docker-config': nl(c) }), refused('docker-config')),
  ecr('docker-config', '$(...) as a directory name: taken literally', (c) => ({ 'docker-config': `docker-${sub(c)}` }), works),
  ecr('docker-config', 'a 100 KB path', () => ({ 'docker-config': LONG }), refused('docker-config')),
  ecr('docker-config', '${NOPE}', () => ({ 'docker-config': '${NOPE}/docker' }), refused('docker-config')),
  ecr('retry-max-attempts', 'beyond 20', () => ({ 'retry-max-attempts': 21 }), refused('retry-max-attempts')),
  ecr('retry-max-seconds', 'zero', () => ({ 'retry-max-seconds': 0 }), refused('retry-max-seconds')),
  ecr('install-node', 'backticks on an executor whose node is too old', (c) => ({ 'install-node': tick(c) }), refused('install-node')),

  // build-and-push
  bp('repo', '$(...)', (c) => ({ repo: sub(c) }), refused('repo')),
  bp('repo', 'empty (required)', () => ({ repo: '' }), refused('repo')),
  bp('repo', 'path traversal', () => ({ repo: '../../etc' }), refused('repo')),
  bp('repo', '100 KB', () => ({ repo: LONG }), refused('repo')),
  bp('tag', '; and a command', (c) => ({ tag: `v1;touch ${c}` }), refused('tag')),
  bp('tag', '${NOPE}', () => ({ tag: 'v1,${NOPE}' }), refused('tag')),
  bp('tag', 'unicode', () => ({ tag: 'version-ü' }), refused('tag')),
  bp('dockerfile', 'path traversal', () => ({ dockerfile: '../../../../etc/passwd' }), refused('dockerfile')),
  bp('dockerfile', 'an absolute path outside the project', () => ({ dockerfile: '/etc/passwd' }), refused('dockerfile')),
  bp('dockerfile', 'a newline and a command', (c) => ({ dockerfile: nl(c) }), refused('dockerfile')),
  bp('path', 'path traversal', () => ({ path: '../..' }), refused('path')),
  bp('path', '$(...) with traversal', (c) => ({ path: `../${sub(c)}` }), refused('path')),
  bp('build-args', 'a key that is a command', (c) => ({ 'build-args': `${sub(c)}=1` }), refused('build-args')),
  bp('build-args', 'a value naming an unset variable', () => ({ 'build-args': 'A=${NOPE}' }), refused('build-args')),
  bp('build-args', 'PATH as a key, its value from a variable', () => ({ 'build-args': 'PATH=${BUILD_PATH}' }), refused('build-args'), { env: () => ({ BUILD_PATH: '/tmp' }) }),
  bp('build-args', 'a value that is a command: reaches docker literally, through its environment', (c) => ({ 'build-args': `GREETING=${sub(c)} ${tick(c)}` }), works,
    { argvHas: () => ['--build-arg', 'GREETING'] }),
  bp('secrets', 'a spec with a command', (c) => ({ secrets: `id=x,env=A;touch ${c}` }), refused('secrets')),
  bp('target', '$(...)', (c) => ({ target: sub(c) }), refused('target')),
  bp('platform', 'backticks', (c) => ({ platform: `linux/amd64,${tick(c)}` }), refused('platform')),
  bp('cache-from', 'a tag with a command', (c) => ({ 'cache-from': `cache${sub(c)}` }), refused('cache-from')),
  bp('cache-to', 'a spec with a newline and a command', (c) => ({ 'cache-to': `type=inline\n${sub(c)}` }), refused('cache-to')),
  bp('oci-labels', 'a word (wrong type)', () => ({ 'oci-labels': 'sure' }), config('oci-labels')),
  bp('labels', 'a key that is a command', (c) => ({ labels: `${tick(c)}=x` }), refused('labels')),
  bp('labels', 'a value that is a command: one literal argv word', (c) => ({ labels: `note=${sub(c)}; ${tick(c)}` }), works,
    { argvHas: (c) => [`note=${sub(c)}; ${tick(c)}`] }),
  bp('labels', 'a value naming an unset variable', () => ({ labels: 'team=${NOPE}' }), refused('labels')),
  bp('build-args', 'a 100 KB value (reaches docker through its environment)', () => ({ 'build-args': `GREETING=${LONG}` }), works,
    { argvHas: () => ['--build-arg', 'GREETING'] }),
  bp('provenance', 'a word (wrong type)', (c) => ({ provenance: sub(c) }), config('provenance')),
  bp('sbom', 'a word (wrong type)', () => ({ sbom: 'enabled' }), config('sbom')),
  bp('push', 'a word (wrong type)', (c) => ({ push: semi(c) }), config('push')),
  bp('skip-when-tags-exist', 'a word (wrong type)', () => ({ 'skip-when-tags-exist': 'twice' }), config('skip-when-tags-exist')),
  bp('create-repo', 'a word (wrong type)', () => ({ 'create-repo': 'please' }), config('create-repo')),
  bp('repo-scan-on-push', 'a word (wrong type)', () => ({ 'repo-scan-on-push': 'often' }), config('repo-scan-on-push')),
  bp('repo-tag-mutability', 'not one of the enum', (c) => ({ 'repo-tag-mutability': sub(c) }), config('repo-tag-mutability')),
  bp('repo-encryption-type', 'not one of the enum', () => ({ 'repo-encryption-type': 'ROT13' }), config('repo-encryption-type')),
  bp('repo-kms-key', 'a key with a command', (c) => ({ 'create-repo': true, 'repo-encryption-type': 'KMS', 'repo-kms-key': `alias/x${semi(c)}` }), refused('repo-kms-key')),
  bp('extra-build-args', 'an unclosed quote', () => ({ 'extra-build-args': '--label "a=b' }), refused('extra-build-args')),
  bp('extra-build-args', 'HTTPS_PROXY from a variable (it would steer docker and the credential helper)', () => ({ 'extra-build-args': '--build-arg HTTPS_PROXY=$BUILD_PROXY' }), refused('extra-build-args'), { env: () => ({ BUILD_PROXY: 'http://127.0.0.1:9' }) }),
  bp('extra-build-args', 'a trailing --build-arg (it would take the build context)', () => ({ 'extra-build-args': '--build-arg' }), refused('extra-build-args')),
  bp('extra-build-args', '"--build-arg K=$VALUE" as one word', () => ({ 'extra-build-args': '"--build-arg K=$BUILD_VALUE"' }), refused('extra-build-args'), { env: () => ({ BUILD_VALUE: 'v' }) }),
  bp('extra-build-args', 'a ${VAR:-default} form', () => ({ 'extra-build-args': '--build-arg "K=${BUILD_VALUE:-d}"' }), refused('extra-build-args')),
  bp('extra-build-args', 'a quoted word with $(...), backticks and ;: one literal argv word', (c) => ({ 'extra-build-args': `--label 'x=${sub(c)};${tick(c)}'` }), works,
    { argvHas: (c) => [`x=${sub(c)};${tick(c)}`] }),
  bp('builder', 'not one of the enum', () => ({ builder: 'kaniko' }), config('builder')),
  bp('account-id', '$(...)', (c) => ({ 'account-id': sub(c) }), refused('account-id')),
  bp('region', '; and a command', (c) => ({ region: semi(c) }), refused('region')),
  bp('profile-name', 'path traversal', () => ({ 'profile-name': '../x' }), refused('profile-name')),
  bp('retry-max-attempts', 'a word (wrong type)', () => ({ 'retry-max-attempts': 'many' }), config('retry-max-attempts')),
  bp('retry-max-seconds', 'beyond 600', () => ({ 'retry-max-seconds': 601 }), refused('retry-max-seconds')),
  bp('install-node', '; and a command on an executor whose node is too old', (c) => ({ 'install-node': semi(c) }), refused('install-node')),

  // create-manifest-list
  ml('repo', 'backticks', (c) => ({ repo: tick(c) }), refused('repo')),
  ml('repo', 'empty (required)', () => ({ repo: '' }), refused('repo')),
  ml('tag', '$(...)', (c) => ({ tag: sub(c) }), refused('tag')),
  ml('sources', 'empty (required)', () => ({ sources: '' }), refused('sources')),
  ml('sources', 'a source that is a command', (c) => ({ sources: `amd64 ${sub(c)}` }), refused('sources')),
  ml('sources', 'one source only', () => ({ sources: 'amd64' }), refused('sources')),
  ml('builder', 'not one of the enum', (c) => ({ builder: semi(c) }), config('builder')),
  ml('account-id', '${NOPE}', () => ({ 'account-id': '${NOPE}' }), refused('account-id')),
  ml('region', 'unicode', () => ({ region: 'ap-northeast-１' }), refused('region')),
  ml('profile-name', '$(...)', (c) => ({ 'profile-name': sub(c) }), refused('profile-name')),
  ml('retry-max-attempts', 'zero', () => ({ 'retry-max-attempts': 0 }), refused('retry-max-attempts')),
  ml('retry-max-seconds', 'a word (wrong type)', () => ({ 'retry-max-seconds': 'forever' }), config('retry-max-seconds')),
  ml('install-node', 'a path traversal on an executor whose node is too old', () => ({ 'install-node': '../../../bin' }), refused('install-node')),

  // the build-and-push job
  job('role-arn', '$(...)', (c) => ({ 'role-arn': sub(c) }), refused('role-arn')),
  job('session-duration', 'a word (wrong type)', () => ({ 'session-duration': 'long' }), config('session-duration')),
  job('role-chain', 'a newline and a command', (c) => ({ 'role-chain': nl(c) }), refused('role-chain')),
  job('region', 'backticks', (c) => ({ region: tick(c) }), refused('region')),
  job('account-id', '; and a command', (c) => ({ 'account-id': semi(c) }), refused('account-id')),
  job('repo', '$(...)', (c) => ({ repo: sub(c) }), refused('repo')),
  job('tag', 'a newline and a command', (c) => ({ tag: nl(c) }), refused('tag')),
  job('dockerfile', 'path traversal', () => ({ dockerfile: '../../../etc/shadow' }), refused('dockerfile')),
  job('path', 'an absolute path outside', () => ({ path: '/etc' }), refused('path')),
  job('checkout', 'a word (wrong type)', () => ({ checkout: 'sometimes' }), config('checkout')),
  job('setup-remote-docker', 'a word (wrong type)', (c) => ({ 'setup-remote-docker': sub(c) }), config('setup-remote-docker')),
  job('docker-layer-caching', 'a word (wrong type)', () => ({ 'docker-layer-caching': 'fast' }), config('docker-layer-caching')),
  job('executor', 'an executor that does not exist', (c) => ({ executor: semi(c) }), { config: 'executor', message: /Cannot find a definition for executor named x; touch / }),
  job('build-args', 'a key that is a command', (c) => ({ 'build-args': `${tick(c)}=1` }), refused('build-args')),
  job('extra-build-args', 'an unclosed quote after $(...)', (c) => ({ 'extra-build-args': `${sub(c)} '` }), refused('extra-build-args')),
];
