import { describe, expect, it } from 'vitest';
import { parseParams } from '../../../../src/commands/clean-up/params.ts';
import { orbParams } from '../../../support/params.ts';

const env = { HOME: '/home/circleci' };

describe('clean-up parameters', () => {
  it('keeps nothing by default; docker-config falls back to DOCKER_CONFIG, then ~/.docker', () => {
    expect(parseParams(orbParams(), env)).toEqual({ keepRuntime: false, keepNode: false, keepResults: false, dockerConfig: '/home/circleci/.docker' });
    expect(parseParams(orbParams(), { ...env, DOCKER_CONFIG: '/d' }).dockerConfig).toBe('/d');
    expect(parseParams(orbParams({ 'keep-runtime': 'true', 'keep-node': '1', 'keep-results': 'false', 'docker-config': '/x' }), env))
      .toEqual({ keepRuntime: true, keepNode: true, keepResults: false, dockerConfig: '/x' });
  });

  it.each([
    ['keep-runtime', 'yes', /parameter keep-runtime: must be true or false \(got "yes"\)/],
    ['keep-node', 'on', /parameter keep-node: must be true or false/],
    ['docker-config', '/a\nb', /parameter docker-config: has a line break/],
  ])('refuses %s: %j', (name, value, message) => {
    expect(() => parseParams(orbParams({ [name]: value }), env)).toThrow(message);
  });
});
