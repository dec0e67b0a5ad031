// Whether the classic docker build runs on BuildKit, told from `docker version` (a table of the dockers
// that exist), and the check that a classic build made the platform asked for.
import { describe, expect, it } from 'vitest';
import { checkPlatform, classicBuildKit, platformArgv, VERSION_ARGV } from '../../../../src/commands/build-and-push/buildkit.ts';
import { ParamError } from '../../../../src/lib/errors.ts';
import { thrown } from '../../../support/rejection.ts';

describe('classicBuildKit', () => {
  it.each<[string, string, boolean, Record<string, string>, boolean]>([
    ['Debian\'s docker.io 20.10 CLI and engine', '20.10.24+dfsg1 linux 1.41', false, {}, true],
    ['the first CLI and engine with BuildKit (18.09, API 1.39)', '18.09.0 linux 1.39', false, {}, true],
    ['CLI 22.06, the last with its own BuildKit client', '22.06.0-beta.0 linux 1.42', false, {}, true],
    ['CLI 18.06: no BuildKit client', '18.06.3-ce linux 1.38', false, {}, false],
    ['CLI 20.10 talking to an 18.06 engine (API 1.38): no BuildKit in the engine', '20.10.24 linux 1.38', false, {}, false],
    ['a Windows engine has no BuildKit', '20.10.24 windows 1.41', false, {}, false],
    ['CLI 28 without buildx: DOCKER_BUILDKIT=1 is an error there', '28.2.2 linux 1.41', false, {}, false],
    ['CLI 23 with buildx: docker build is buildx', '23.0.0 linux 1.42', true, {}, true],
    ['docker version failed (no engine)', '', false, {}, false],
    ['podman\'s docker: not a docker CLI version', '4.3.1 linux 4.3.1', false, {}, false],
    ['DOCKER_BUILDKIT=0 in the step\'s environment turns it off', '20.10.24 linux 1.41', false, { DOCKER_BUILDKIT: '0' }, false],
    ['DOCKER_BUILDKIT=false as well', '20.10.24 linux 1.41', false, { DOCKER_BUILDKIT: 'false' }, false],
    ['DOCKER_BUILDKIT=1 changes nothing', '20.10.24 linux 1.41', false, { DOCKER_BUILDKIT: '1' }, true],
  ])('%s', (_name, version, hasBuildx, env, expected) => {
    expect(classicBuildKit(`${version}\n`, hasBuildx, env)).toBe(expected);
  });

  it('asks docker version for exactly the three fields it reads', () => {
    expect(VERSION_ARGV).toEqual(['version', '--format', '{{.Client.Version}} {{.Server.Os}} {{.Server.APIVersion}}']);
  });
});

describe('checkPlatform', () => {
  const IMAGE = '111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/webapp:v1';

  it('passes the platform asked for; a variant counts only when the parameter names one', () => {
    expect(() => checkPlatform('linux/arm64', 'linux/arm64\n', IMAGE)).not.toThrow();
    expect(() => checkPlatform('linux/arm64', 'linux/arm64/v8', IMAGE)).not.toThrow();
    expect(() => checkPlatform('linux/arm/v7', 'linux/arm/v7', IMAGE)).not.toThrow();
    expect(() => checkPlatform('linux/arm/v7', 'linux/arm/v6', IMAGE)).toThrow(ParamError);
  });

  it('refuses an image made for another platform, naming the parameter, both platforms and the fix', () => {
    const err = thrown(() => checkPlatform('linux/arm64', 'linux/amd64\n', IMAGE), ParamError);
    expect(err.message).toBe(`parameter platform: the classic docker build made ${IMAGE} for linux/amd64, so it was not pushed (got "linux/arm64")`);
    expect(err.hint).toBe('build with buildx and QEMU emulation (docker run --privileged --rm tonistiigi/binfmt --install arm64), ' +
      'or run this job on a linux/arm64 resource class; a FROM --platform in the final stage also wins');
  });

  it('reads os/arch[/variant] from docker image inspect', () => {
    expect(platformArgv(IMAGE)).toEqual(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}}', IMAGE]);
  });
});
