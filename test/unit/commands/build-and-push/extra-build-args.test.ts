// extra-build-args: split like a shell, $VAR and ${VAR} expanded as in every other parameter (outside '...'
// and after no backslash), never evaluated; a --build-arg's value goes to docker's environment, not its argv.
import { describe, expect, it } from 'vitest';
import { parseParams } from '../../../../src/commands/build-and-push/params.ts';
import { ParamError } from '../../../../src/lib/errors.ts';
import { orbParams } from '../../../support/params.ts';
import { thrown } from '../../../support/rejection.ts';

const ENV = { CIRCLE_SHA1: 'abc1234', AWS_REGION: 'ap-northeast-1', PCLOUDKEY: 'pcloud-value-0451', NET: 'none', SPACED: 'a b  c' };
const parse = (extra: string, more: Record<string, string> = {}) =>
  parseParams(orbParams({ repo: 'webapp', 'extra-build-args': extra, ...more }), ENV, '/project');

describe('extra-build-args', () => {
  it.each<[string, string, string[], [string, string][]]>([
    ['a --build-arg from a context variable: its value goes to build args (docker\'s environment)', '--build-arg "GREETING=${PCLOUDKEY}"', [], [['GREETING', 'pcloud-value-0451']]],
    ['--build-arg=NAME=value and a bare $VAR', '--build-arg=KEY=$PCLOUDKEY-x', [], [['KEY', 'pcloud-value-0451-x']]],
    ['a --build-arg without a value stays as docker takes it', '--build-arg FROM_ENV --build-arg=ALSO', ['--build-arg', 'FROM_ENV', '--build-arg', 'ALSO'], []],
    ['other flags: expanded unquoted and in "..."', '--network $NET --label "net=${NET}"', ['--network', 'none', '--label', 'net=none'], []],
    ['not in \'...\' nor after a backslash', `--label 'a=$NET' --label b=\\$NET --label "c=\\\${NET}"`, ['--label', 'a=$NET', '--label', 'b=$NET', '--label', 'c=${NET}'], []],
    ['a value with spaces stays one word (never split again)', '--label x=$SPACED', ['--label', 'x=a b  c'], []],
    ['$(...), backticks and a lone $ stay text', '--label "a=$(id) `id` $ 5$"', ['--label', 'a=$(id) `id` $ 5$'], []],
  ])('%s', (_name, extra, argv, buildArgs) => {
    const p = parse(extra, { 'build-args': '' });
    expect(p.extraBuildArgs).toEqual(argv);
    expect(p.buildArgs).toEqual(buildArgs);
  });

  it('adds its build args after those of build-args', () => {
    expect(parse('--build-arg B=2', { 'build-args': 'A=1' }).buildArgs).toEqual([['A', '1'], ['B', '2']]);
  });

  it('an unset variable is an error naming it and the parameter', () => {
    const err = thrown(() => parse('--build-arg "GREETING=${MISSING_KEY}"'), ParamError);
    expect(err.param).toBe('extra-build-args');
    expect(err.message).toBe('parameter extra-build-args: refers to $MISSING_KEY, which is not set in this job (got "GREETING=${MISSING_KEY}")');
    expect(err.hint).toMatch(/set MISSING_KEY in a context/);
  });

  it('refuses a --build-arg that docker would read as its own setting, and an unclosed quote', () => {
    expect(thrown(() => parse('--build-arg DOCKER_HOST=$NET'), ParamError).message).toMatch(/^parameter extra-build-args: DOCKER_HOST cannot take its value from a variable here/);
    expect(thrown(() => parse('--label "a=b'), ParamError).message).toBe('parameter extra-build-args: has an unclosed double quote (got "--label \\"a=b")');
  });

  const OWN = ['HTTPS_PROXY', 'https_proxy', 'No_Proxy', 'ALL_PROXY', 'ftp_proxy', 'HTTP_PROXY', 'NODE_OPTIONS', 'LD_PRELOAD', 'DOCKER_HOST', 'BUILDKIT_PROGRESS', 'BUILDX_CONFIG', 'SSL_CERT_FILE', 'PATH', 'HOME'];
  const both = (name: string, value: string) => [[{ 'extra-build-args': `--build-arg ${name}=${value}` }, 'extra-build-args'], [{ 'build-args': `${name}=${value}` }, 'build-args']] as const;

  it.each(OWN)('keeps %s, which docker or the credential helper reads itself, out of docker\'s environment: from a variable it is refused with a fix', (name) => {
    for (const [more, param] of [...both(name, '$PCLOUDKEY'), ...both(name, '"x${NET}"')]) {
      const err = thrown(() => parseParams(orbParams({ repo: 'webapp', ...more }), ENV, '/project'), ParamError);
      expect(err.param).toBe(param);
      expect(err.message).toBe(`parameter ${param}: ${name} cannot take its value from a variable here: build arg values reach docker through its environment, where ${name} steers docker itself (got "${name}")`);
      expect(err.hint).toBe(`set ${name} in the job's environment and write --build-arg ${name} (no value) in extra-build-args: docker fills it from its own environment`);
      expect(`${err.message} ${err.hint}`).not.toContain('pcloud-value');
    }
  });

  it.each(OWN)('%s with a value written in the config (no password in it) goes on docker\'s command line, not in its environment', (name) => {
    for (const [more] of both(name, 'http://buildproxy:3128')) {
      const p = parseParams(orbParams({ repo: 'webapp', ...more }), ENV, '/project');
      expect(p.buildArgs).toEqual([]);
      expect(p.extraBuildArgs).toEqual(['--build-arg', `${name}=http://buildproxy:3128`]);
    }
    // Without a value docker fills it from the job's own environment: nothing is added.
    expect(parse(`--build-arg ${name}`).extraBuildArgs).toEqual(['--build-arg', name]);
  });

  it.each(['HTTPS_PROXY', 'http_proxy', 'ALL_PROXY'])('%s with a user:password written in the config is refused: it would be on docker\'s command line', (name) => {
    for (const [more, param] of both(name, 'http://builder:s3cret-pass@proxy:3128')) {
      const err = thrown(() => parseParams(orbParams({ repo: 'webapp', ...more }), ENV, '/project'), ParamError);
      expect(err.param).toBe(param);
      expect(err.message).toBe(`parameter ${param}: ${name}'s value holds a user:password, which would be on docker's command line (got "${name}")`);
      expect(err.hint).toBe(`set ${name} in the job's environment and write --build-arg ${name} with no value`);
      expect(`${err.message} ${err.hint}`).not.toContain('s3cret');
    }
  });

  it('other names keep their values out of argv, and the order of build-args stays', () => {
    const p = parse('--build-arg B=$NET --build-arg NODE_ENV=production', { 'build-args': 'A=1\nHTTPS_PROXY=http://p:3128' });
    expect(p.buildArgs).toEqual([['A', '1'], ['B', 'none']]);
    expect(p.extraBuildArgs).toEqual(['--build-arg', 'HTTPS_PROXY=http://p:3128', '--build-arg', 'NODE_ENV=production']);
  });

  it.each([['A B=1', '"--build-arg=A B=1"', 'A B'], ['1-x=2', '--build-arg 1-x=2', '1-x'], ['bare', '--build-arg 9X', '9X'], ['a flag taken as the name', '--build-arg --network host', '--network']])(
    'refuses a name that is not a build arg name (%s), as build-args does', (_n, extra, name) => {
      const err = thrown(() => parse(extra), ParamError);
      expect(err.message).toBe(`parameter extra-build-args: is not a build arg name (got ${JSON.stringify(name)})`);
    });

  it('a trailing --build-arg is an error (it would take the build context as its name)', () => {
    const err = thrown(() => parse('--network none --build-arg'), ParamError);
    expect(err.message).toBe('parameter extra-build-args: ends with --build-arg and no NAME=value (got "--build-arg")');
  });

  it('"--build-arg K=$SECRET" as one word is an error that shows no value, and never reaches argv', () => {
    const err = thrown(() => parse('"--build-arg K=$PCLOUDKEY"'), ParamError);
    expect(err.message).toBe('parameter extra-build-args: holds --build-arg and its value in one word (got "--build-arg K=...")');
    expect(`${err.message} ${err.hint}`).not.toContain('pcloud-value');
  });

  it.each([['${NET:-bridge}'], ['${#NET}'], ['${NET/x/y}'], ['${NET']])('refuses %s, a ${...} form that is not expanded, naming it', (form) => {
    const err = thrown(() => parse(`--build-arg "A=${form}"`), ParamError);
    expect(err.message).toBe(`parameter extra-build-args: uses a \${...} form that is not expanded here (got ${JSON.stringify(form)})`);
    expect(thrown(() => parse('', { 'build-args': `A=${form}` }), ParamError).param).toBe('build-args');
  });
});
