// The static analysis behind the wiring check: which ORB_PARAM_* variables an entry reads, through which
// forms the names may travel, and which forms it refuses as "cannot check".
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRuntime } from '../../tools/orb/runtime-program.ts';
import { readsOfEntry, type RuntimeReads } from '../../tools/orb/runtime-reads.ts';

const HELPERS = `export type RawParams = Readonly<Record<string, string | undefined>>;
export function paramEnvName(param: string): string { return \`ORB_PARAM_\${param.toUpperCase().replace(/-/g, '_')}\`; }
export function stringParam(raw: RawParams, param: string): string { return raw[paramEnvName(param)] ?? ''; }
export function listParam(raw: RawParams, param: string): string[] { return stringParam(raw, param).split(','); }
export function regionParam(raw: RawParams, param = 'region'): string { return listParam(raw, param)[0] ?? ''; }
export function retryParams(raw: RawParams) { return [stringParam(raw, 'retry-max-attempts'), stringParam(raw, 'retry-max-seconds')]; }
`;

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** Analyses src/scripts/step.ts of a temp project whose src/lib/params.ts holds HELPERS. */
function readsOf(entry: string, stepEnv: Record<string, string> = {}): RuntimeReads & { names: string[] } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'reads-test-'));
  roots.push(root);
  for (const [rel, text] of [['src/lib/params.ts', HELPERS], ['src/scripts/step.ts', entry]] as const) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  const rt = loadRuntime(root);
  const out = readsOfEntry(rt, rt.program.getSourceFile(path.join(rt.srcRoot, 'scripts', 'step.ts'))!, stepEnv);
  return { ...out, names: [...new Set(out.reads.map((r) => r.envName))].sort() };
}

const IMPORT = "import { listParam, paramEnvName, regionParam, retryParams, stringParam, type RawParams } from '../lib/params.ts';\nconst raw: RawParams = process.env;\n";

describe('readsOfEntry', () => {
  const cases: [string, string, string[]][] = [
    ['helpers calling helpers, and a shared helper with fixed names', "stringParam(raw, 'role-arn'); listParam(raw, 'tags'); retryParams(raw);", ['ORB_PARAM_RETRY_MAX_ATTEMPTS', 'ORB_PARAM_RETRY_MAX_SECONDS', 'ORB_PARAM_ROLE_ARN', 'ORB_PARAM_TAGS']],
    ["a parameter's default value, and an explicit one", "regionParam(raw); regionParam(raw, 'ecr-region');", ['ORB_PARAM_ECR_REGION', 'ORB_PARAM_REGION']],
    ['direct reads of the raw object', 'console.log(raw.ORB_PARAM_ROLE_CHAIN, raw["ORB_PARAM_AUDIENCE"]);', ['ORB_PARAM_AUDIENCE', 'ORB_PARAM_ROLE_CHAIN']],
    ['a const name, and both names of a conditional', "const NAME = 'profile-name';\nstringParam(raw, NAME); stringParam(raw, process.argv[2] ? 'repo' : 'repository');", ['ORB_PARAM_PROFILE_NAME', 'ORB_PARAM_REPO', 'ORB_PARAM_REPOSITORY']],
    ['a local helper closing over the parser', "function parse(r: RawParams) {\n  const list = (param: string, fallback = '') => (r[paramEnvName(param)] ?? '') || fallback;\n  return [list('tag', 'latest'), list('sources')];\n}\nparse(raw);", ['ORB_PARAM_SOURCES', 'ORB_PARAM_TAG']],
    ['calls inside callbacks and object literals', "const deps = { read: () => stringParam(raw, 'docker-config') };\n[1].forEach(() => stringParam(raw, 'builder'));\nconsole.log(deps);", ['ORB_PARAM_BUILDER', 'ORB_PARAM_DOCKER_CONFIG']],
    ['a table of literal names, looped over or mapped', "const NAMES = ['sbom', 'push'] as const;\nfor (const n of NAMES) stringParam(raw, n);\n['labels', 'target'].map((n) => stringParam(raw, n));", ['ORB_PARAM_LABELS', 'ORB_PARAM_PUSH', 'ORB_PARAM_SBOM', 'ORB_PARAM_TARGET']],
    ['a class: its constructor and methods', "class Input {\n  constructor(readonly raw: RawParams, readonly region = stringParam(raw, 'region')) { this.repo = stringParam(raw, 'repo'); }\n  repo: string;\n  tag() { return stringParam(this.raw, 'tag'); }\n}\nnew Input(raw).tag();", ['ORB_PARAM_REGION', 'ORB_PARAM_REPO', 'ORB_PARAM_TAG']],
    ['not: an object key that fakes a raw object, or a name in a message', "console.log({ ORB_PARAM_FAKE: 'x' }, 'set ORB_PARAM_MESSAGE');", []],
  ];
  it.each(cases)('finds %s', (_name, body, names) => {
    const found = readsOf(IMPORT + body);
    expect(found.unchecked).toEqual([]);
    expect(found.names).toEqual(names);
  });

  it('records where each name is written', () => {
    const found = readsOf(`${IMPORT}\nstringParam(raw, 'role-arn');\n`);
    expect(found.reads).toEqual([{ envName: 'ORB_PARAM_ROLE_ARN', where: 'src/scripts/step.ts:4' }]);
  });

  it('takes only the branch the step\'s environment selects for process.env switches', () => {
    const body = "if (process.env.AWS_OIDC_STEP === 'stitch') stringParam(raw, 'sources');\nelse stringParam(raw, 'dockerfile');\nif (process.env.MODE !== 'x') stringParam(raw, 'path');";
    expect(readsOf(IMPORT + body, { AWS_OIDC_STEP: 'stitch' }).names).toEqual(['ORB_PARAM_PATH', 'ORB_PARAM_SOURCES']);
    expect(readsOf(IMPORT + body, { MODE: 'x' }).names).toEqual(['ORB_PARAM_DOCKERFILE']);
  });

  const refused: [string, string, RegExp][] = [
    ['a loop over something other than an array literal', 'for (const n of Object.keys(raw)) stringParam(raw, n);', /cannot check: .*'Object\.keys\(raw\)', which is not an array literal of names/],
    ['a callback parameter', 'Object.keys(raw).map((n) => stringParam(raw, n));', /'n', which is a parameter of a callback/],
    ['a loop variable that is not const', "for (let n of ['a']) { n = n + process.argv[2]; stringParam(raw, n); }", /cannot check: .*'n'/],
    ['a helper passed as a value', "['a'].map((n: string) => n).forEach(console.log);\nconst pick = (name: string) => stringParam(raw, name);\n['x'].map(pick);", /'name', which is a parameter of a function used as a value/],
    ['a let variable', "let name = 'a';\nname = process.argv[2] ?? 'b';\nstringParam(raw, name);", /'name', which is not a string literal, a const holding one/],
    ['a built name from outside', 'console.log(raw[`ORB_PARAM_${process.argv[2]}`]);', /cannot check: an ORB_PARAM_ name is made from 'process\.argv\[2\]'/],
    ['a name built without upper-casing', "const get = (p: string) => raw[`ORB_PARAM_${p}`];\nget('role-arn');", /builds 'ORB_PARAM_role-arn', which is not an ORB_PARAM_<NAME> variable name/],
    ['a spread argument', "const args = [raw, 'a'] as const;\nstringParam(...args);", /through a spread or rest argument/],
  ];
  it.each(refused)('refuses %s as "cannot check"', (_name, body, message) => {
    const found = readsOf(IMPORT + body);
    expect(found.unchecked.map((u) => u.message), JSON.stringify(found.unchecked)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    for (const u of found.unchecked) expect(u.where).toMatch(/^src\/(scripts\/step|lib\/params)\.ts:\d+$/);
  });
});
