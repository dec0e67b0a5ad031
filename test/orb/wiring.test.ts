// The wiring check (WIRE001-WIRE007): each direction in which a parameter's declaration, its ORB_PARAM_*
// variable and its parser can disagree breaks the small orb once, and the check names file, command and
// parameter. The analysis of the runtime's TypeScript is in runtime-reads.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { checkOrb } from '../../tools/check-orb.ts';
import type { Finding } from '../../tools/check-orb.ts';
import { SMALL_RUNTIME } from './fixtures/small-runtime.ts';
import { editYaml, removeOrb, writeOrb } from './fixtures/small-orb.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test edits reach deep into YAML
type Edit = [string, (d: Any) => void];
const CMD = 'commands/assume-role-with-oidc.yml';
const JOB = 'jobs/build-and-push.yml';
const PARSER = 'src/commands/assume-role-with-oidc/params.ts';
const ENTRY = 'src/scripts/assume-role-with-oidc.ts';
const AUDIENCE = { description: 'The token audience.', type: 'string', default: '' };

/** The small parser with one more line in the object it returns (and optional lines before the function). */
function parser(field: string, before = ''): string {
  const text = (SMALL_RUNTIME[PARSER] ?? '').replace('    regionVariable: regionVariable(raw),\n', `    regionVariable: regionVariable(raw),\n    ${field}\n`);
  return text.replace('export function parseParams', `${before}export function parseParams`);
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeOrb(d);
});

function wiring(runtime: Record<string, string | null>, edits: Edit[], overrides: Record<string, string | null> = {}): Finding[] {
  const dir = writeOrb(overrides, runtime);
  dirs.push(dir);
  for (const [rel, edit] of edits) editYaml(dir, rel, edit);
  return checkOrb({ srcDir: dir }).filter((f) => f.rule.startsWith('WIRE'));
}

const declare: Edit = [CMD, (d) => { d.parameters.audience = AUDIENCE; }];
const pass: Edit = [CMD, (d) => { d.steps[0].run.environment.ORB_PARAM_AUDIENCE = '<< parameters.audience >>'; }];
const read = { [PARSER]: parser("audience: stringParam(raw, 'audience'),") };

const cases: [string, Record<string, string | null>, Edit[], [string, RegExp, RegExp][]][] = [
  ['declared, not passed, not read', {}, [declare],
    [['WIRE001', /assume-role-with-oidc\.yml:\/parameters\/audience$/, /command 'assume-role-with-oidc' declares parameter 'audience', but it is not passed to its run step/]]],
  ['passed and read, not declared', read, [pass],
    [['WIRE002', /environment\/ORB_PARAM_AUDIENCE$/, /command 'assume-role-with-oidc' passes ORB_PARAM_AUDIENCE to its runtime, but declares no parameter for it/]]],
  ['declared and passed, never read', {}, [declare, pass],
    [['WIRE003', /environment\/ORB_PARAM_AUDIENCE$/, /passes ORB_PARAM_AUDIENCE \(parameter 'audience'\), but its runtime .* never reads it/]]],
  ['read, neither declared nor passed', read, [],
    [['WIRE004', /steps\/0\/run\/environment$/, /reads ORB_PARAM_AUDIENCE \(src\/commands\/assume-role-with-oidc\/params\.ts:\d+\), but the run step does not pass it/]]],
  ['declared and read, the environment line forgotten', read, [declare],
    [['WIRE001', /parameters\/audience$/, /'audience'/], ['WIRE004', /environment$/, /ORB_PARAM_AUDIENCE/]]],
  ['passed under the wrong variable', {}, [[CMD, (d) => { d.steps[0].run.environment.ORB_PARAM_TOKEN_VERSION = '<< parameters.role-arn >>'; }]],
    [['WIRE006', /environment\/ORB_PARAM_TOKEN_VERSION$/, /passes "<< parameters\.role-arn >>" as ORB_PARAM_TOKEN_VERSION; it must carry '<< parameters\.token-version >>'/],
      ['WIRE001', /parameters\/token-version$/, /'token-version'/]]],
  ['a name the parser takes from the raw object\'s keys', { [PARSER]: parser('extra: Object.keys(raw).map((name) => stringParam(raw, name)),') }, [],
    [['WIRE005', /^src\/commands\/assume-role-with-oidc\/params\.ts:\d+$/, /command 'assume-role-with-oidc' \(commands\/assume-role-with-oidc\.yml\): cannot check: .*'name'.*write the parameter name as a string literal/]]],
  ['raw read with a key from outside', { [PARSER]: parser('extra: raw[process.argv[2] ?? \'\'],') }, [],
    [['WIRE005', /params\.ts:\d+$/, /cannot check: an ORB_PARAM_ name is made from 'process\.argv\[2\]'/]]],
  ['a runtime entry that does not exist', { [ENTRY]: null }, [],
    [['WIRE005', /steps\/0\/run\/command$/, /includes scripts\/assume-role-with-oidc\.sh, but there is no runtime entry src\/scripts\/assume-role-with-oidc\.ts/]]],
  ['a job parameter declared but never used', {}, [[JOB, (d) => { d.parameters.region = AUDIENCE; }]],
    [['WIRE001', /jobs\/build-and-push\.yml:\/parameters\/region$/, /job 'build-and-push' declares parameter 'region', but no step uses it: it does nothing/]]],
  ['a job parameter used but not declared', {}, [[JOB, (d) => { d.steps[1]['assume-role-with-oidc']['session-duration'] = '<< parameters.session-duration >>'; }]],
    [['WIRE002', /steps\/1\/assume-role-with-oidc\/session-duration$/, /job 'build-and-push' uses parameter 'session-duration', which it does not declare/]]],
  ['a job passing a parameter on under another name', {}, [[JOB, (d) => { d.parameters['deploy-role'] = d.parameters['role-arn']; delete d.parameters['role-arn']; d.steps[1]['assume-role-with-oidc']['role-arn'] = '<< parameters.deploy-role >>'; }]],
    [['WIRE006', /assume-role-with-oidc\/role-arn$/, /passes its parameter 'deploy-role' to 'role-arn' of command 'assume-role-with-oidc'/]]],
  ['a job not passing on a parameter the command takes', {}, [[JOB, (d) => { d.parameters['session-duration'] = { description: 'd', type: 'integer', default: 900 }; d.steps[2].when.steps[0].run.command = 'echo << parameters.session-duration >>'; }]],
    [['WIRE007', /steps\/1\/assume-role-with-oidc$/, /declares parameter 'session-duration' and calls command 'assume-role-with-oidc', which takes 'session-duration', without passing it on/]]],
];

describe('the wiring check', () => {
  it('finds nothing in the small orb, whose parser reads through helpers, a default parameter value and a const', () => {
    expect(wiring({}, [])).toEqual([]);
  });

  it.each(cases)('%s', (_name, runtime, edits, expected) => {
    const findings = wiring(runtime, edits);
    for (const [rule, where, message] of expected) {
      expect(findings.some((f) => f.rule === rule && where.test(f.where) && message.test(f.message)), `${rule} ${where} ${message}\n${JSON.stringify(findings, null, 1)}`).toBe(true);
    }
    expect([...new Set(findings.map((f) => f.rule))].sort()).toEqual([...new Set(expected.map(([rule]) => rule))].sort());
  });

  it('counts what the wrapper reads: a command must pass the wrapper\'s parameters too', () => {
    const wrapper = { 'tools/wrapper.ts': `${SMALL_RUNTIME['tools/wrapper.ts']}\nexport const NODE = 'install_node "$ORB_PARAM_INSTALL_NODE"';\n` };
    expect(wiring(wrapper, [])).toEqual([expect.objectContaining({ rule: 'WIRE004', message: expect.stringMatching(/reads ORB_PARAM_INSTALL_NODE \(tools\/wrapper\.ts:\d+\)/) })]);
    const installNode = { description: 'A Node.js version.', type: 'string', default: '' };
    expect(wiring(wrapper, [[CMD, (d) => { d.parameters['install-node'] = installNode; d.steps[0].run.environment.ORB_PARAM_INSTALL_NODE = '<< parameters.install-node >>'; }]])).toEqual([]);
  });

  it('holds two commands that share one runtime against the branch their AWS_OIDC_STEP selects', () => {
    const entry = `import { parseParams } from '../commands/assume-role-with-oidc/params.ts';
import { stringParam } from '../lib/params.ts';
if (process.env.AWS_OIDC_STEP === 'forget-role') console.log(stringParam(process.env, 'role-arn'));
else console.log(parseParams(process.env));
`;
    const forget = `description: Forget the role.
parameters:
  role-arn: { description: The role., type: string }
steps:
  - run:
      name: Forget the role
      environment:
        AWS_OIDC_STEP: forget-role
        ORB_PARAM_ROLE_ARN: << parameters.role-arn >>
      command: <<include(scripts/assume-role-with-oidc.sh)>>
`;
    expect(wiring({ [ENTRY]: entry }, [], { 'commands/forget-role.yml': forget })).toEqual([]);
    const cut = wiring({ [ENTRY]: entry }, [], { 'commands/forget-role.yml': forget.replace('AWS_OIDC_STEP: forget-role', 'AWS_OIDC_STEP: other') });
    expect(cut.filter((f) => f.rule === 'WIRE004').map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^command 'forget-role'.*ORB_PARAM_SESSION_DURATION/)]));
  });
});
