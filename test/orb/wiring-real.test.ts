// The wiring check on the real orb and its real runtime: it holds today, it reads each command's own
// branch of a shared runtime, and a copy of the project with one wire cut (as a newcomer might forget it
// when adding a parameter) fails it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkOrb } from '../../tools/check-orb.ts';
import type { Finding } from '../../tools/check-orb.ts';
import { loadRuntime } from '../../tools/orb/runtime-program.ts';
import { readsOfEntry } from '../../tools/orb/runtime-reads.ts';

const wiringOf = (findings: Finding[]) => findings.filter((f) => f.rule.startsWith('WIRE'));

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A copy of the project's src/ (without generated scripts) and wrapper, with text edits, checked. */
function cutCopy(edits: [string, (text: string) => string][]): Finding[] {
  const root = mkdtempSync(path.join(os.tmpdir(), 'wiring-real-'));
  roots.push(root);
  cpSync('src', path.join(root, 'src'), { recursive: true, filter: (from) => !from.startsWith(path.join('src', 'orb', 'scripts')) });
  cpSync('tools/wrapper.ts', path.join(root, 'tools', 'wrapper.ts'));
  cpSync('tools/sh', path.join(root, 'tools', 'sh'), { recursive: true });
  for (const [rel, edit] of edits) {
    const file = path.join(root, rel);
    const before = readFileSync(file, 'utf8');
    const after = edit(before);
    expect(after, `the edit of ${rel} changed nothing`).not.toBe(before);
    writeFileSync(file, after);
  }
  return wiringOf(checkOrb({ srcDir: path.join(root, 'src', 'orb') }));
}

describe('the wiring of the real orb', () => {
  it('holds: declarations, ORB_PARAM_* variables and what the runtime reads agree for every command and job', () => {
    expect(wiringOf(checkOrb({ srcDir: 'src/orb' }))).toEqual([]);
  });

  it('reads each image command\'s own parser: create-manifest-list and build-and-push have their own entries', () => {
    const rt = loadRuntime('.');
    const names = (command: string) => new Set(readsOfEntry(rt, rt.program.getSourceFile(path.join(rt.srcRoot, 'scripts', `${command}.ts`))!, {}).reads.map((r) => r.envName));
    const stitch = names('create-manifest-list');
    const build = names('build-and-push');
    expect(stitch.has('ORB_PARAM_SOURCES') && !stitch.has('ORB_PARAM_DOCKERFILE')).toBe(true);
    expect(build.has('ORB_PARAM_DOCKERFILE') && !build.has('ORB_PARAM_SOURCES')).toBe(true);
    for (const shared of ['ORB_PARAM_REPO', 'ORB_PARAM_TAG', 'ORB_PARAM_REGION', 'ORB_PARAM_RETRY_MAX_SECONDS']) expect(stitch.has(shared) && build.has(shared), shared).toBe(true);
  });

  const cuts: [string, [string, (t: string) => string][], [string, RegExp][]][] = [
    ['a parameter whose environment line is forgotten', [['src/orb/commands/assume-role-with-oidc.yml', (t) => t.replace(/\n {8}ORB_PARAM_AUDIENCE: .*/, '')]],
      [['WIRE001', /'audience'/], ['WIRE004', /command 'assume-role-with-oidc''s runtime reads ORB_PARAM_AUDIENCE \(src\/commands\/assume-role-with-oidc\/params\.ts:\d+\)/]]],
    ['a parameter declared and passed that the parser never reads', [['src/orb/commands/ecr-login.yml', (t) => t
      .replace('parameters:\n', 'parameters:\n  registry-alias:\n    type: string\n    default: ""\n    description: An alias.\n')
      .replace('      environment:\n', '      environment:\n        ORB_PARAM_REGISTRY_ALIAS: << parameters.registry-alias >>\n')]],
    [['WIRE003', /command 'ecr-login' passes ORB_PARAM_REGISTRY_ALIAS \(parameter 'registry-alias'\), but its runtime/]]],
    ['a parameter the parser reads that the YAML lacks', [['src/commands/ecr-login/params.ts', (t) => t.replace("dockerConfig,\n", "dockerConfig, alias: stringParam(raw, env, 'registry-alias'),\n")]],
      [['WIRE004', /command 'ecr-login''s runtime reads ORB_PARAM_REGISTRY_ALIAS \(src\/commands\/ecr-login\/params\.ts:\d+\)/]]],
    ["a command whose run step forgets the wrapper's install-node", [['src/orb/commands/create-manifest-list.yml', (t) => t.replace(/\n {8}ORB_PARAM_INSTALL_NODE: .*/, '')]],
      [['WIRE001', /command 'create-manifest-list' declares parameter 'install-node', but it is not passed/], ['WIRE004', /command 'create-manifest-list''s runtime reads ORB_PARAM_INSTALL_NODE \(tools\/sh\/[\w-]+\.sh:\d+\)/]]],
  ];
  it.each(cuts)('fails for %s', (_name, edits, expected) => {
    const findings = cutCopy(edits);
    for (const [rule, message] of expected) {
      expect(findings.some((f) => f.rule === rule && message.test(f.message)), `${rule} ${message}\n${JSON.stringify(findings, null, 1)}`).toBe(true);
    }
    expect(findings.every((f) => expected.some(([rule]) => rule === f.rule)), JSON.stringify(findings, null, 1)).toBe(true);
  });
});
