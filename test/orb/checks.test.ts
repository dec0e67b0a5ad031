// Each orb check catches one deliberately broken orb, and the clean small orb has no findings at all.
import { afterEach, describe, expect, it } from 'vitest';
import { checkOrb } from '../../tools/check-orb.ts';
import type { Finding } from '../../tools/check-orb.ts';
import { SMALL_ORB, editYaml, removeOrb, writeOrb } from './fixtures/small-orb.ts';

type Data = Record<string, unknown>;
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test edits reach deep into YAML
const CMD = 'commands/assume-role-with-oidc.yml';
const JOB = 'jobs/build-and-push.yml';
const EXE = 'executors/default.yml';
const EX = 'examples/assume-role.yml';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeOrb(d);
});

function broken(overrides: Record<string, string | null>, edits: [string, (d: Any) => void][] = []): Finding[] {
  const dir = writeOrb(overrides);
  dirs.push(dir);
  for (const [rel, edit] of edits) editYaml(dir, rel, edit as (d: Data) => void);
  return checkOrb({ srcDir: dir });
}

// Each case: a name, files to override, YAML edits, then the rule, where and message it must report.
const cases: [string, Record<string, string | null>, [string, (d: Any) => void][], string, RegExp, RegExp][] = [
  ['SCHEMA: integer default that is a string', {}, [[CMD, (d) => { d.parameters['session-duration'].default = 'an hour'; }]], 'SCHEMA', /session-duration\/default$/, /must be integer/],
  ['SCHEMA: enum parameter without its list', {}, [[CMD, (d) => { delete d.parameters['token-version'].enum; }]], 'SCHEMA', /parameters\/token-version$/, /required property 'enum'/],
  ['SCHEMA: unknown parameter type', {}, [[CMD, (d) => { d.parameters['role-arn'].type = 'text'; }]], 'SCHEMA', /role-arn\/type$/, /must be one of/],
  ['SCHEMA: run step without command', {}, [[CMD, (d) => { delete d.steps[0].run.command; }]], 'SCHEMA', /steps\/0\/run$/, /'command'/],
  ['SCHEMA: executor with no image kind', {}, [[EXE, (d) => { delete d.docker; }]], 'SCHEMA', /^executors\/default\.yml$/, /docker, machine, macos/],
  ['SCHEMA: job without steps', {}, [[JOB, (d) => { delete d.steps; }]], 'SCHEMA', /^jobs\/build-and-push\.yml$/, /'steps'/],
  ['SCHEMA: example without usage', {}, [[EX, (d) => { delete d.usage; }]], 'SCHEMA', /^examples\/assume-role\.yml$/, /'usage'/],
  ['SCHEMA: @orb.yml with the wrong version', {}, [['@orb.yml', (d) => { d.version = 2; }]], 'SCHEMA', /@orb\.yml:\/version$/, /must be one of/],
  ['SCHEMA: invalid YAML', { 'jobs/bad.yml': 'steps: [\n' }, [], 'SCHEMA', /^jobs\/bad\.yml$/, /invalid YAML/],
  ['SEM001: undeclared parameter', {}, [[CMD, (d) => { d.steps[0].run.environment.ORB_PARAM_X = '<< parameters.profile-name >>'; }]], 'SEM001', /environment\/ORB_PARAM_X$/, /does not declare/],
  ['SEM001: a job using a command parameter', {}, [[JOB, (d) => { d.steps[2].when.steps[0].run.command = 'echo << parameters.token-version >>'; }]], 'SEM001', /^jobs\/build-and-push\.yml:/, /token-version/],
  ['SEM002: unknown command', {}, [[JOB, (d) => { d.steps.push('assume-role'); }]], 'SEM002', /steps\/3$/, /unknown command 'assume-role'/],
  ['SEM002: orb alias not imported', {}, [[JOB, (d) => { d.steps.push({ 'aws-cli/setup': {} }); }]], 'SEM002', /steps\/3\/aws-cli~1setup$/, /alias 'aws-cli'/],
  ['SEM003: command called without a required parameter', {}, [[JOB, (d) => { d.steps[1] = 'assume-role-with-oidc'; }]], 'SEM003', /steps\/1$/, /requires parameter 'role-arn'/],
  ['SEM003: command called with a wrongly typed value', {}, [[JOB, (d) => { d.steps[1]['assume-role-with-oidc']['export-env'] = 'yes'; }]], 'SEM003', /steps\/1\/assume-role-with-oidc$/, /'export-env' expects a boolean/],
  ['SEM004: unknown executor default', {}, [[JOB, (d) => { d.parameters.executor.default = 'big'; }]], 'SEM004', /executor\/default$/, /unknown executor 'big'/],
  ['SEM004: executor from a non-executor parameter', {}, [[JOB, (d) => { d.executor = '<< parameters.role-arn >>'; }]], 'SEM004', /:\/executor$/, /type is string/],
  ['SEM005: enum default outside the enum', {}, [[CMD, (d) => { d.parameters['token-version'].default = 'v3'; }]], 'SEM005', /token-version\/default$/, /not one of the enum values/],
  ['SEM006: include target missing', { 'scripts/assume-role-with-oidc.sh': null }, [], 'SEM006', /steps\/0\/run\/command$/, /could not open/],
  ['SEM006: include inside other text', {}, [[CMD, (d) => { d.steps[0].run.command = 'bash <<include(scripts/assume-role-with-oidc.sh)>>'; }]], 'SEM006', /run\/command$/, /entire value/],
  ['SEM007: inline heredoc', {}, [[JOB, (d) => { d.steps[2].when.steps[0].run.command = 'cat <<EOF\nhi\nEOF'; }]], 'SEM007', /run\/command$/, /unescaped '<<'/],
  ['SEM008: example that does not import the orb', {}, [[EX, (d) => { d.usage.orbs = { aws: 'circleci/aws-cli@4.1.0' }; }]], 'SEM008', /usage\/orbs$/, /does not import the orb/],
  ['SEM008: example that imports but never uses the orb', {}, [[EX, (d) => { d.usage.jobs.deploy.steps = ['checkout']; d.usage.workflows.main.jobs = ['deploy']; }]], 'SEM008', /:\/usage$/, /never uses it/],
  ['SEM009: example calling a command the orb lacks', {}, [[EX, (d) => { d.usage.jobs.deploy.steps.push('aws/ecr-logon'); }]], 'SEM009', /steps\/1$/, /no command 'ecr-logon'/],
  ['SEM003: example missing a required job parameter', {}, [[EX, (d) => { delete d.usage.workflows.main.jobs[1]['aws/build-and-push']['role-arn']; }]], 'SEM003', /jobs\/1\/aws~1build-and-push$/, /requires parameter 'role-arn'/],
  ['SEM003: example passing an unknown parameter', {}, [[EX, (d) => { d.usage.jobs.deploy.steps[0]['aws/assume-role-with-oidc'].role = 'x'; }]], 'SEM003', /steps\/0\/aws~1assume-role-with-oidc$/, /has no parameter 'role'/],
  ['SEM003: example passing a wrong type', {}, [[EX, (d) => { d.usage.jobs.deploy.steps[0]['aws/assume-role-with-oidc']['session-duration'] = '15m'; }]], 'SEM003', /aws~1assume-role-with-oidc$/, /expects an integer/],
  ['RC001: no source_url', {}, [['@orb.yml', (d) => { delete d.display.source_url; }]], 'RC001', /display\/source_url$/, /source_url/],
  ['RC002: component without description', {}, [[EXE, (d) => { delete d.description; }]], 'RC002', /^executors\/default\.yml$/, /no description/],
  ['RC003: no usage example', { [EX]: null }, [], 'RC003', /^examples\/$/, /no usage example/],
  ['RC004: example file named "example"', { 'examples/basic-example.yml': SMALL_ORB[EX] ?? '' }, [], 'RC004', /^examples\/basic-example\.yml$/, /'example'/],
  ['RC005: short orb description', {}, [['@orb.yml', (d) => { d.description = 'AWS via OIDC.'; }]], 'RC005', /@orb\.yml:\/description$/, /13 < 64/],
  ['RC008: run step without a name', {}, [[JOB, (d) => { delete d.steps[2].when.steps[0].run.name; }]], 'RC008', /when\/steps\/0\/run$/, /no 'name'/],
  ['RC009: long inline command', {}, [[JOB, (d) => { d.steps[2].when.steps[0].run.command = 'aws sts get-caller-identity --output json --query Arn --region us-east-1 --no-cli-pager'; }]], 'RC009', /run\/command$/, /longer than 64/],
  ['RC012: env var default used in a cache key', {}, [[JOB, (d) => { d.parameters['cache-prefix'] = { description: 'p', type: 'string', default: '${CACHE_PREFIX}' }; d.steps.push({ save_cache: { key: 'v1-<< parameters.cache-prefix >>', paths: ['x'] } }); }]], 'RC012', /save_cache\/key$/, /'cache-prefix'/],
];

describe('checkOrb', () => {
  it('finds nothing wrong with the clean small orb', () => {
    expect(broken({})).toEqual([]);
  });

  it.each(cases)('%s', (_name, overrides, edits, rule, where, message) => {
    const findings = broken(overrides, edits);
    const hit = findings.filter((f) => f.rule === rule);
    expect(hit, JSON.stringify(findings, null, 1)).not.toHaveLength(0);
    expect(hit.some((f) => where.test(f.where) && message.test(f.message)), JSON.stringify(hit, null, 1)).toBe(true);
  });

  it('RC011 fires only for a release tag whose major version the examples do not show', () => {
    const dir = writeOrb();
    dirs.push(dir);
    expect(checkOrb({ srcDir: dir, releaseTag: 'v1.4.0' }).filter((f) => f.rule === 'RC011')).toEqual([]);
    const hits = checkOrb({ srcDir: dir, releaseTag: 'v2.0.0' }).filter((f) => f.rule === 'RC011');
    expect(hits).toEqual([{ rule: 'RC011', where: 'examples/assume-role.yml:/usage/orbs', message: expect.stringMatching(/'1\.2\.3', not the current major version 2/) }]);
    expect(checkOrb({ srcDir: dir, releaseTag: 'v2.0.0-rc.1' }).filter((f) => f.rule === 'RC011')).toEqual([]);
  });

  it('does not enforce RC010: kebab-case names and parameters are ours on purpose', () => {
    expect(broken({}).some((f) => f.rule === 'RC010')).toBe(false);
  });

  it('reports what the packer refuses: unreadable layout as SCHEMA, dropped keys as PACK', () => {
    const findings = broken({ 'commands/notes.txt': 'hi' });
    expect(findings).toEqual([{ rule: 'SCHEMA', where: 'commands/notes.txt', message: expect.stringMatching(/not a \.yml\/\.yaml file/) }]);
    const unknownKey = broken({}, [[EX, (d) => { d.usage.parameters = {}; }]]);
    expect(unknownKey.some((f) => f.rule === 'PACK' && /usage\.parameters/.test(f.message))).toBe(true);
  });
});

describe('checkOrb on forms `circleci orb pack` would treat otherwise than they read', () => {
  it('reports each of them with the file that has it', () => {
    const nbsp = broken({}, [[CMD, (d) => { d.steps[0].run.command = '<<\u00a0include(scripts/assume-role-with-oidc.sh)>>'; }]]);
    expect(nbsp).toContainEqual({ rule: 'SEM006', where: `${CMD}:/steps/0/run/command`, message: expect.stringMatching(/U\+00A0 space/) });
    const yes = broken({}, [[CMD, (d) => { d.parameters['export-env'].default = 'yes'; }]]);
    expect(yes).toContainEqual({ rule: 'PACK', where: `${CMD}:/parameters/export-env/default`, message: expect.stringMatching(/YAML 1\.1 boolean .* write default: true/) });
    expect(broken({ 'display/logo.yml': 'x: 1\n' })).toEqual([{ rule: 'SCHEMA', where: 'display/', message: expect.stringMatching(/unknown folder/) }]);
  });
});
