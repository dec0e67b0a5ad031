// Fidelity: orbs (packed and inline, with their own orbs), steps and executor parameters,
// commands calling commands, recursion.
import { describe, expect, it } from 'vitest';
import { expandJob, loadConfig } from './index.ts';
import { DOCKER_LINE, oneJob, stepCommands, VERSION_LINE } from './test-jobs.ts';



describe('steps parameters, orbs and commands', () => {
  const orb = `version: 2.1
orbs:
  inner:
    commands:
      say: {parameters: {w: {type: string}}, steps: [run: "inner << parameters.w >>"]}
commands:
  outer:
    parameters: {after: {type: steps, default: []}}
    steps: [helper, inner/say: {w: x}, << parameters.after >>]
  helper:
    steps: [run: orb-helper]
executors:
  default:
    parameters: {tag: {type: string, default: lts}}
    docker: [{image: "cimg/node:<< parameters.tag >>"}]
    environment: {FROM_EXECUTOR: e, SHARED: executor}
    working_directory: /tmp/w
jobs:
  build:
    parameters: {executor: {type: executor, default: default}}
    executor: << parameters.executor >>
    environment: {SHARED: job}
    steps: [outer]
`;

  it('splices a steps parameter, expanding it in the scope it was written in', () => {
    const yaml = `${VERSION_LINE}orbs: {my-orb: acme/my-orb@1.0.0}
commands:
  helper: {steps: [run: user-helper]}
jobs:
  j:
${DOCKER_LINE}    steps:
      - my-orb/outer:
          after: [helper, run: "<< pipeline.git.branch >>"]
`;
    expect(stepCommands(yaml, { orbs: { 'acme/my-orb@1.0.0': orb } })).toEqual(['orb-helper', 'inner x', 'user-helper', 'main']);
  });

  it('expands an orb job with its executor, merging executor and job environment', () => {
    const cfg = loadConfig(`${VERSION_LINE}orbs: {o: acme/my-orb@1.0.0}\n`, { orbs: { o: orb } });
    const j = expandJob(cfg, 'o/build');
    expect(j.executor).toEqual({ type: 'docker', image: 'cimg/node:lts' });
    expect(j.environment).toEqual({ FROM_EXECUTOR: 'e', SHARED: 'job' });
    expect(j.workingDirectory).toBe('/tmp/w');
    expect(j.steps.map((s) => s.command)).toEqual(['orb-helper', 'inner x']);
  });

  it('resolves an executor argument in the caller\'s scope', () => {
    const cfg = loadConfig(
      `${VERSION_LINE}orbs: {o: acme/my-orb@1.0.0}
executors:
  mine: {machine: {image: ubuntu-2404:current}, resource_class: large}
`,
      { orbs: { o: orb } },
    );
    expect(expandJob(cfg, 'o/build', { executor: 'mine' }).executor).toEqual({ type: 'machine', image: 'ubuntu-2404:current', resourceClass: 'large' });
    expect(expandJob(cfg, 'o/build', { executor: { name: 'o/default', tag: '22.11' } }).executor.image).toBe('cimg/node:22.11');
    expect(() => expandJob(cfg, 'o/build', { executor: 'default' })).toThrow('Cannot find a definition for executor named default');
  });

  it('accepts an inline orb and refuses an orb with no source', () => {
    expect(stepCommands(oneJob(`      - o/helper\n`, { top: `orbs:\n  o:\n    commands: {helper: {steps: [run: inline]}}\n` }))).toEqual(['inline']);
    expect(() => loadConfig(`${VERSION_LINE}orbs: {o: acme/none@1.0.0}\n`)).toThrow("Cannot find orb 'acme/none@1.0.0'");
  });

  it('resolves a URL orb through the source given for its URL, and refuses a plain-http URL as CircleCI does', () => {
    const url = 'https://orbs.example.com/acme/my-orb/v1/orb.yml';
    expect(stepCommands(oneJob(`      - o/helper\n`, { top: `orbs:\n  o: ${url}\n` }), { orbs: { [url]: orb } })).toEqual(['orb-helper']);
    expect(() => loadConfig(`${VERSION_LINE}orbs: {o: "${url}"}\n`)).toThrow(`Cannot find orb '${url}'`);
    expect(() => loadConfig(`${VERSION_LINE}orbs: {o: "http://orbs.example.com/orb.yml"}\n`, { orbs: { 'http://orbs.example.com/orb.yml': orb } }))
      .toThrow(/Invalid orb reference for 'o'.*https URL of a URL orb/);
  });

  it('takes a whole packed orb inline (version, description, display and examples beside its components)', () => {
    const packed = `version: 2.1\ndescription: d\ndisplay: {home_url: "https://example.com"}\nexamples:\n  e: {description: x, usage: {version: 2.1}}\n${orb.replace(/^version: 2.1\n/, '')}`;
    const inline = `orbs:\n  o:\n${packed.replace(/^(?=.)/gm, '    ')}`;
    expect(stepCommands(oneJob(`      - o/outer\n`, { top: inline }))).toEqual(['orb-helper', 'inner x']);
  });

  it('refuses recursion between commands', () => {
    const yaml = `${VERSION_LINE}commands:
  a: {steps: [b]}
  b: {steps: [run: x, a]}
jobs:
  j:
${DOCKER_LINE}    steps: [a]
`;
    expect(() => stepCommands(yaml)).toThrow(/Error calling command: 'a'\nError calling command: 'b'\nError calling command: 'a'\nCircular command reference: a -> b -> a/);
  });
});
