// The stitch's docker commands as data: buildx imagetools, or docker manifest with --insecure only for plain HTTP.
import { describe, expect, it } from 'vitest';
import { stitchArgvs } from '../../../../src/commands/create-manifest-list/argv.ts';

const URI = '111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/webapp';

describe('stitchArgvs', () => {
  it('docker manifest with --insecure for a plain-HTTP registry', () => {
    expect(stitchArgvs('docker', URI, ['abc'], ['abc-amd64', 'abc-arm64'], true)).toEqual([
      ['manifest', 'create', '--insecure', `${URI}:abc`, `${URI}:abc-amd64`, `${URI}:abc-arm64`],
      ['manifest', 'push', '--insecure', '--purge', `${URI}:abc`],
    ]);
  });
  it('buildx imagetools create, one call for all tags', () => {
    expect(stitchArgvs('buildx', URI, ['abc', 'latest'], ['abc-amd64', 'abc-arm64'])).toEqual([
      ['buildx', 'imagetools', 'create', '--tag', `${URI}:abc`, '--tag', `${URI}:latest`, `${URI}:abc-amd64`, `${URI}:abc-arm64`],
    ]);
  });
  it('docker manifest create and push per tag, digests kept as given', () => {
    expect(stitchArgvs('docker', URI, ['abc'], ['abc-amd64', `${URI}@sha256:${'1'.repeat(64)}`])).toEqual([
      ['manifest', 'create', `${URI}:abc`, `${URI}:abc-amd64`, `${URI}@sha256:${'1'.repeat(64)}`],
      ['manifest', 'push', '--purge', `${URI}:abc`],
    ]);
  });
  it('docker manifest: every tag\'s create, without --amend, before the first push', () => {
    expect(stitchArgvs('docker', URI, ['abc', 'latest'], ['abc-amd64', 'abc-arm64'])).toEqual([
      ['manifest', 'create', `${URI}:abc`, `${URI}:abc-amd64`, `${URI}:abc-arm64`],
      ['manifest', 'create', `${URI}:latest`, `${URI}:abc-amd64`, `${URI}:abc-arm64`],
      ['manifest', 'push', '--purge', `${URI}:abc`],
      ['manifest', 'push', '--purge', `${URI}:latest`],
    ]);
  });
});
