// Fidelity: the parameter refusals CircleCI's compiler makes, with its wording.
import { describe, expect, it } from 'vitest';
import { ConfigError, expandJob, loadConfig } from './index.ts';

const CONFIG = `
version: 2.1
commands:
  deploy:
    parameters:
      region: {type: string}
      verbose: {type: boolean, default: false}
      retries: {type: integer, default: 3}
      tier: {type: enum, enum: [dev, prod], default: dev}
      secret-var: {type: env_var_name, default: AWS_SECRET}
    steps:
      - run: echo << parameters.region >> << parameters.verbose >> << parameters.retries >> << parameters.tier >> $<< parameters.secret-var >>
jobs:
  ok:
    docker: [{image: cimg/base:stable}]
    steps:
      - deploy: {region: eu-west-1, verbose: true, retries: 5, tier: prod, secret-var: MY_KEY}
`;

function jobWith(args: string): string {
  return `${CONFIG}
  bad:
    docker: [{image: cimg/base:stable}]
    steps:
      - deploy: ${args}
`;
}

function refusal(yaml: string, job = 'bad'): string {
  try {
    expandJob(loadConfig(yaml), job);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parameters', () => {
  it('binds typed arguments and interpolates them as text', () => {
    const job = expandJob(loadConfig(CONFIG), 'ok');
    expect(job.steps[0]?.command).toBe('echo eu-west-1 true 5 prod $MY_KEY');
  });

  it('uses defaults for omitted optional parameters', () => {
    const job = expandJob(loadConfig(jobWith('{region: us-east-1}')), 'bad');
    expect(job.steps[0]?.command).toBe('echo us-east-1 false 3 dev $AWS_SECRET');
  });

  it.each([
    ['an unknown argument', '{region: x, colour: red}', 'Unexpected argument(s): colour'],
    ['a missing required argument', '{verbose: true}', 'Missing required argument(s): region'],
    ['a string for a boolean', '{region: x, verbose: "yes please"}', 'Type error for argument verbose: expected type: boolean, actual value: "yes please" (type string)'],
    ['a quoted "true" for a boolean', '{region: x, verbose: "true"}', 'Type error for argument verbose: expected type: boolean, actual value: "true" (type string)'],
    ['a float for an integer', '{region: x, retries: 2.5}', 'Type error for argument retries: expected type: integer, actual value: "2.5" (type float)'],
    ['a string for an integer', '{region: x, retries: "3"}', 'Type error for argument retries: expected type: integer, actual value: "3" (type string)'],
    ['an integer for a string', '{region: 3600}', 'Type error for argument region: expected type: string, actual value: "3600" (type integer)'],
    ['an enum value not in the list', '{region: x, tier: staging}', 'Type error for argument tier: expected type: enum ("dev" "prod"), actual value: "staging" (type string)'],
    ['an invalid env_var_name', '{region: x, secret-var: 1BAD}', 'Type error for argument secret-var: expected type: env_var_name, actual value: "1BAD" (type string)'],
    ['an env_var_name with a $', '{region: x, secret-var: $KEY}', 'expected type: env_var_name'],
  ])('refuses %s', (_what, args, message) => {
    const msg = refusal(jobWith(args));
    expect(msg).toContain("Error calling job: 'bad'\nError calling command: 'deploy'\n");
    expect(msg).toContain(message);
  });

  it('reads YAML 1.1 booleans like CircleCI (yes/on are true; a lone y stays a string)', () => {
    expect(expandJob(loadConfig(jobWith('{region: x, verbose: yes}')), 'bad').steps[0]?.command).toContain(' true ');
    expect(refusal(jobWith('{region: x, verbose: y}'))).toContain('actual value: "y" (type string)');
  });

  it('refuses a reference to an undeclared parameter', () => {
    const yaml = `
version: 2.1
jobs:
  bad:
    parameters:
      x: {type: string, default: a}
    docker: [{image: cimg/base:stable}]
    steps:
      - run: echo << parameters.y >>
`;
    expect(refusal(yaml)).toBe("Error calling job: 'bad'\nArguments referenced without declared parameters: y");
  });

  it('refuses job arguments the job does not declare, and checks job parameter types', () => {
    const cfg = loadConfig(`
version: 2.1
jobs:
  j:
    parameters:
      flag: {type: boolean, default: false}
    docker: [{image: cimg/base:stable}]
    steps: [run: echo << parameters.flag >>]
`);
    expect(() => expandJob(cfg, 'j', { nope: 1 })).toThrow('Unexpected argument(s): nope');
    expect(() => expandJob(cfg, 'j', { flag: 'true' })).toThrow('expected type: boolean');
    expect(expandJob(cfg, 'j', { flag: true }).steps[0]?.command).toBe('echo true');
  });

  it('refuses a declaration without a valid type', () => {
    const yaml = `
version: 2.1
jobs:
  bad:
    parameters:
      x: {type: number, default: 1}
    docker: [{image: cimg/base:stable}]
    steps: [run: echo hi]
`;
    expect(refusal(yaml)).toContain('Parameter x of job bad has an invalid type "number"');
  });

  it('refuses an unknown job, command and executor by name', () => {
    const yaml = `
version: 2.1
jobs:
  bad:
    executor: nowhere
    steps: [nothing-here]
`;
    expect(() => expandJob(loadConfig(yaml), 'missing')).toThrow('Cannot find a definition for job named missing');
    expect(refusal(yaml)).toContain('Cannot find a definition for executor named nowhere');
  });
});
