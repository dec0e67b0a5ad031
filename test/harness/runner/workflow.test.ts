// Fidelity: workflow expansion (matrix names, requires, order, refusals).
import { describe, expect, it } from 'vitest';
import { expandWorkflow, loadConfig } from './index.ts';

const JOBS = `version: 2.1
jobs:
  test:
    parameters:
      node: {type: string}
      os: {type: enum, enum: [linux, arm], default: linux}
    docker: [{image: "cimg/node:<< parameters.node >>"}]
    steps: [run: echo << parameters.node >> << parameters.os >>]
  deploy:
    parameters: {env: {type: string, default: dev}}
    docker: [{image: cimg/base:stable}]
    steps: [run: deploy << parameters.env >>]
`;

describe('expandWorkflow', () => {
  it('names matrix jobs <job>-<v1>-<v2>, and a requires on the job name waits for every instance', () => {
    const cfg = loadConfig(`${JOBS}workflows:
  ci:
    jobs:
      - deploy:
          requires: [test]
          context: [aws-prod]
          filters: {branches: {only: main}}
      - test:
          matrix:
            parameters:
              node: ["20.1", "22.3"]
              os: [linux, arm]
            exclude:
              - {node: "20.1", os: arm}
`);
    const jobs = expandWorkflow(cfg, 'ci');
    expect(jobs.map((j) => j.name)).toEqual(['test-20.1-linux', 'test-22.3-linux', 'test-22.3-arm', 'deploy']);
    expect(jobs[2]).toEqual({ name: 'test-22.3-arm', job: 'test', params: { node: '22.3', os: 'arm' }, requires: [] });
    expect(jobs[3]).toEqual({
      name: 'deploy', job: 'deploy', params: {}, requires: ['test-20.1-linux', 'test-22.3-linux', 'test-22.3-arm'],
      context: ['aws-prod'], filters: { branches: { only: 'main' } },
    });
  });

  it('uses a name with << matrix.x >> and an alias for requires', () => {
    const cfg = loadConfig(`${JOBS}workflows:
  ci:
    jobs:
      - test:
          name: unit-<< matrix.node >>
          matrix: {alias: units, parameters: {node: ["20", "22"]}}
      - deploy: {name: ship, env: prod, requires: [units]}
      - hold: {type: approval, requires: [ship]}
`);
    expect(expandWorkflow(cfg, 'ci')).toEqual([
      { name: 'unit-20', job: 'test', params: { node: '20' }, requires: [] },
      { name: 'unit-22', job: 'test', params: { node: '22' }, requires: [] },
      { name: 'ship', job: 'deploy', params: { env: 'prod' }, requires: ['unit-20', 'unit-22'] },
      { name: 'hold', job: 'hold', params: {}, requires: ['ship'], type: 'approval' },
    ]);
  });

  it('orders jobs topologically whatever the declaration order', () => {
    const cfg = loadConfig(`${JOBS}workflows:
  ci:
    jobs:
      - deploy: {name: c, requires: [b]}
      - deploy: {name: b, requires: [a]}
      - deploy: {name: a}
`);
    expect(expandWorkflow(cfg, 'ci').map((j) => j.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses unknown requires, cycles, duplicate names and bad job arguments', () => {
    const wf = (jobs: string): (() => unknown) => () => expandWorkflow(loadConfig(`${JOBS}workflows:\n  ci:\n    jobs:\n${jobs}`), 'ci');
    expect(wf('      - deploy: {requires: [nope]}\n')).toThrow('deploy: requires job "nope" but "nope" is not part of this workflow.');
    expect(wf('      - deploy: {name: a, requires: [b]}\n      - deploy: {name: b, requires: [a]}\n')).toThrow('The following jobs are unreachable: a, b');
    expect(wf('      - deploy\n      - deploy\n')).toThrow('Duplicate job name deploy');
    expect(wf('      - test\n')).toThrow("Error calling workflow: 'ci'\nError calling job: 'test'\nMissing required argument(s): node");
  });
});
