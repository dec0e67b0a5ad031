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
    expect(thrown(() => parse('--build-arg DOCKER_HOST=tcp://x'), ParamError).message).toMatch(/^parameter extra-build-args: DOCKER_HOST cannot be a build arg here/);
    expect(thrown(() => parse('--label "a=b'), ParamError).message).toBe('parameter extra-build-args: has an unclosed double quote (got "--label \\"a=b")');
  });

});
