// Fidelity: interpolation, escaping, when/unless, step forms.
import { describe, expect, it } from 'vitest';
import { ConfigError, expandJob, loadConfig } from './index.ts';
import { DOCKER_LINE, oneJob, stepCommands, VERSION_LINE } from './test-jobs.ts';



describe('escaping << like CircleCI 2.1', () => {
  it('refuses an unescaped heredoc with CircleCI\'s message', () => {
    const yaml = oneJob(`      - run: |\n          cat <<EOF\n          hi\n          EOF\n`);
    try {
      expandJob(loadConfig(yaml), 'j');
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toBe(
        "Error calling job: 'j'\nUnclosed '<<' tag in string: 'cat <<EOF\nhi\nEOF\n'\n('<<' must be escaped as '\\<<' in config v2.1+)",
      );
    }
  });

  it('refuses an unpacked <<include()>>, which only the orb packer understands', () => {
    expect(() => stepCommands(oneJob(`      - run: <<include(scripts/x.sh)>>\n`))).toThrow("Unclosed '<<' tag");
  });

  it('turns \\<< into << and leaves other text alone', () => {
    const yaml = oneJob(`      - run: |\n          cat \\<<EOF > out\n          a \\<<< b << pipeline.git.branch >> $HOME\n          EOF\n`);
    expect(stepCommands(yaml)).toEqual(['cat <<EOF > out\na <<< b main $HOME\nEOF\n']);
  });

  it('does not interpolate again what came out of a parameter', () => {
    const yaml = `${VERSION_LINE}commands:
  c:
    parameters: {text: {type: string}}
    steps: [run: echo << parameters.text >>]
jobs:
  j:
${DOCKER_LINE}    steps:
      - c: {text: "\\\\<< parameters.text >>"}
`;
    expect(stepCommands(yaml)).toEqual(['echo << parameters.text >>']);
  });
});

describe('interpolation', () => {
  it('fills pipeline values and pipeline parameters, keeping types when the whole value is one reference', () => {
    const yaml = `${VERSION_LINE}parameters:
  deploy: {type: boolean, default: false}
  target: {type: string, default: staging}
jobs:
  j:
${DOCKER_LINE}    environment:
      DEPLOY: << pipeline.parameters.deploy >>
      NUM: << pipeline.number >>
    steps:
      - run: echo << pipeline.id >> << pipeline.number >> << pipeline.git.revision >> << pipeline.parameters.target >> << pipeline.project.git_url >>
`;
    const cfg = loadConfig(yaml, {
      pipelineParameters: { deploy: true },
      pipelineValues: { id: 'pid', number: 42, 'git.revision': 'abc' },
    });
    const j = expandJob(cfg, 'j');
    expect(j.steps[0]?.command).toBe('echo pid 42 abc staging https://github.com/acme/app');
    // CircleCI hands booleans to environment variables as 1/0.
    expect(j.environment).toEqual({ DEPLOY: '1', NUM: '42' });
    expect(() => loadConfig(yaml, { pipelineParameters: { deploy: 'yes' } })).toThrow('expected type: boolean');
    expect(() => loadConfig(yaml, { pipelineParameters: { other: 1 } })).toThrow('Unexpected argument(s): other');
  });

  it('refuses an unknown pipeline value and an undeclared pipeline parameter', () => {
    expect(() => stepCommands(oneJob(`      - run: echo << pipeline.nope >>\n`))).toThrow('Unknown pipeline value: pipeline.nope');
    expect(() => stepCommands(oneJob(`      - run: echo << pipeline.parameters.nope >>\n`))).toThrow(
      'Arguments referenced without declared parameters: pipeline.parameters.nope',
    );
  });

  it('supports mustache sections on a parameter', () => {
    const yaml = `${VERSION_LINE}commands:
  c:
    parameters: {v: {type: boolean, default: false}}
    steps: [run: "x<<# parameters.v >> -v<</ parameters.v >><<^ parameters.v >> -q<</ parameters.v >>"]
jobs:
  j:
${DOCKER_LINE}    steps: [c, {c: {v: true}}]
`;
    expect(stepCommands(yaml)).toEqual(['x -q', 'x -v']);
  });
});

describe('when / unless', () => {
  const cfg = `${VERSION_LINE}commands:
  c:
    parameters:
      flag: {type: boolean, default: false}
      env: {type: string, default: dev}
    steps:
      - when: {condition: << parameters.flag >>, steps: [run: flag-on]}
      - unless: {condition: << parameters.flag >>, steps: [run: flag-off]}
      - when:
          condition:
            and:
              - equal: [prod, << parameters.env >>]
              - not: << parameters.flag >>
          steps: [run: prod-quiet]
      - when:
          condition:
            or:
              - matches: {pattern: "rel-[0-9]+", value: << parameters.env >>}
              - equal: [dev, << parameters.env >>]
          steps: [run: release-or-dev]
      - when:
          condition: {matches: {pattern: "rel", value: << parameters.env >>}}
          steps: [run: partial-match]
      - when: {condition: "", steps: [run: empty-string]}
      - when: {condition: 0, steps: [run: zero]}
jobs:
  j:
${DOCKER_LINE}    steps:
      - c
      - c: {flag: true, env: prod}
      - c: {env: prod}
      - c: {env: rel-12}
`;

  it('evaluates literals, parameters and logic statements (matches is a whole-value match)', () => {
    expect(stepCommands(cfg)).toEqual(['flag-off', 'release-or-dev', 'flag-on', 'flag-off', 'prod-quiet', 'flag-off', 'release-or-dev']);
  });
});

describe('step forms', () => {
  it('reads run shorthand and map form, and the built-in steps', () => {
    const yaml = oneJob(`      - checkout
      - run: echo short
      - run:
          command: |
            echo one
            echo two
          shell: /bin/sh -e
          environment: {A: 1, B: false}
          background: true
          when: always
          working_directory: sub
          no_output_timeout: 30s
      - run: {name: Named, command: echo named}
      - setup_remote_docker: {docker_layer_caching: true}
      - persist_to_workspace: {root: ., paths: [dist]}
      - attach_workspace: {at: ws}
      - save_cache: {key: k, paths: [x]}
      - restore_cache: {keys: [k]}
      - store_artifacts: {path: out}
      - store_test_results: {path: results}
      - add_ssh_keys
`);
    const steps = expandJob(loadConfig(yaml), 'j').steps;
    expect(steps.map((s) => s.kind)).toEqual([
      'checkout', 'run', 'run', 'run', 'setup_remote_docker', 'persist_to_workspace', 'attach_workspace',
      'save_cache', 'restore_cache', 'store_artifacts', 'store_test_results', 'add_ssh_keys',
    ]);
    // CircleCI titles an unnamed run step with its full command.
    expect(steps[1]).toEqual({ kind: 'run', name: 'echo short', command: 'echo short' });
    expect(steps[2]).toEqual({
      kind: 'run', name: 'echo one\necho two\n', command: 'echo one\necho two\n', shell: '/bin/sh -e',
      environment: { A: '1', B: '0' }, background: true, when: 'always', workingDirectory: 'sub', noOutputTimeout: '30s',
    });
    expect(steps[3]?.name).toBe('Named');
    expect(steps[4]?.raw).toEqual({ docker_layer_caching: true });
  });

  it('refuses unknown run keys, a step with two keys, and a job without an executor', () => {
    expect(() => stepCommands(oneJob(`      - run: {command: x, colour: red}\n`))).toThrow('extraneous key [colour] is not permitted');
    expect(() => stepCommands(oneJob(`      - run:\n        name: mis-indented\n`))).toThrow('A step must have exactly one key');
    expect(() => expandJob(loadConfig(`${VERSION_LINE}jobs:\n  j:\n    steps: [run: x]\n`), 'j')).toThrow('exactly one of docker, machine, macos or executor');
  });

  it('defaults the working directory, parallelism and applies the job shell', () => {
    const j = expandJob(loadConfig(`${VERSION_LINE}jobs:\n  j:\n${DOCKER_LINE}    shell: /bin/sh -eu\n    parallelism: 3\n    steps: [run: x]\n`), 'j');
    expect(j.workingDirectory).toBe('~/project');
    expect(j.parallelism).toBe(3);
    expect(j.steps[0]?.shell).toBe('/bin/sh -eu');
  });
});
