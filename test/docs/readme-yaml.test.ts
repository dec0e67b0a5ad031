// Every ```yaml block of README.md parses as CircleCI reads YAML, and each complete config in it (version, and jobs or
// workflows) runs every one of its jobs through the demo, as `npm run demo -- config.yml --job NAME` would, with the
// job succeeding and nothing leaked. The roles file README shows is one the demo takes, and the command lines of
// "Trying a config locally" and "Before the orb is in the registry" run as written, a written config standing in for
// the user's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDemoArgs } from '../harness/demo/args.ts';
import { jobChoices, loadDemoConfig } from '../harness/demo/config.ts';
import { machineProbe } from '../harness/demo/needs.ts';
import { rolesFromFile } from '../harness/demo/roles.ts';
import { runDemo } from '../harness/demo/run.ts';
import { ACCOUNT, PACKED_ORB } from '../harness/rig.ts';
import { isPlainMap } from '../harness/runner/interpolate.ts';
import { parseYaml } from '../harness/runner/scope.ts';

const README = readFileSync('README.md', 'utf8');
const work = mkdtempSync(join(tmpdir(), 'readme-yaml-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// What the configs' ${VARS} stand for, as a user passes them with --env.
const VALUES: Record<string, string> = { DEPLOY_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/deploy` };
// The path README's command lines use for the user's own config.
const USER_CONFIG = '~/src/webapp/.circleci/config.yml';

/** Every fenced block of `lang`, with the README line it starts on. */
function fenced(lang: string): { line: number; text: string }[] {
  return [...README.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))]
    .map((m) => ({ line: README.slice(0, m.index).split('\n').length, text: m[1]! }));
}
const yamlBlocks = fenced('yaml');
const isConfig = (doc: unknown): boolean => isPlainMap(doc) && doc.version !== undefined && (doc.jobs !== undefined || doc.workflows !== undefined);
const section = (title: string): string => {
  const start = README.indexOf(`## ${title}\n`);
  expect(start, title).toBeGreaterThanOrEqual(0);
  return README.slice(start, README.indexOf('\n## ', start + 1));
};

/** Runs the demo in this process; its exit status and what it printed. */
async function demo(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io = { write: (s: string) => { out += s; }, error: (s: string) => { out += s; }, probe: machineProbe(process.env), base: work };
  const code = await runDemo(parseDemoArgs(argv, work), io);
  return { code, out };
}

describe('README yaml blocks', () => {
  it('every one parses as CircleCI reads YAML', () => {
    expect(yamlBlocks.length).toBeGreaterThanOrEqual(10);
    for (const b of yamlBlocks) expect(() => parseYaml(b.text, `README.md line ${b.line}`), `README.md line ${b.line}`).not.toThrow();
  });

  it('every complete config runs each of its jobs through the demo: the job succeeds and the leak scan finds nothing', async () => {
    const configs = yamlBlocks.filter((b) => isConfig(parseYaml(b.text, 'README')));
    expect(configs.length).toBeGreaterThanOrEqual(2);
    const orbText = readFileSync(PACKED_ORB, 'utf8');
    for (const c of configs) {
      const vars = [...new Set([...c.text.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!))];
      for (const v of vars) expect(VALUES, `README.md line ${c.line} names $${v}: give it a value in VALUES`).toHaveProperty(v);
      const path = join(work, `line-${c.line}.yml`);
      writeFileSync(path, c.text);
      const jobs = jobChoices(loadDemoConfig(c.text, orbText).cfg).map((j) => j.name);
      expect(jobs.length, `README.md line ${c.line}`).toBeGreaterThan(0);
      for (const job of jobs) {
        const r = await demo([path, '--job', job, ...vars.flatMap((v) => ['--env', `${v}=${VALUES[v]}`])]);
        expect([r.code, r.out.trimEnd().split('\n').at(-1)], `README.md line ${c.line}, job ${job}:\n${r.out}`)
          .toEqual([0, `job "${job}" succeeded; leak scan: 0 secrets in step output or tool arguments, 0 secret files readable by others`]);
      }
    }
  });

  it('the roles file of "Trying a config locally" is one the demo takes', () => {
    const shown = yamlBlocks.filter((b) => b.text.startsWith('roles:\n'));
    expect(shown).toHaveLength(1);
    const path = join(work, 'roles.yml');
    writeFileSync(path, shown[0]!.text);
    expect(rolesFromFile(path, 'roles.yml').roles.map((r) => r.arn)).toHaveLength(4);
  });
});

describe('README command lines', () => {
  const userConfig = join(work, 'user-config.yml');
  const lines = (title: string, prefix: string) => [...section(title).matchAll(/^```sh\n([\s\S]*?)^```$/gm)]
    .flatMap((m) => m[1]!.split('\n')).filter((l) => l.startsWith(prefix)).map((l) => l.replace(/\s+#.*$/, ''));

  it('each `npm run demo` line of "Trying a config locally" runs as written', async () => {
    writeFileSync(userConfig, fenced('yaml').find((b) => b.text.includes('context: aws'))!.text);
    const demos = lines('Trying a config locally', 'npm run demo');
    expect(demos.length).toBeGreaterThanOrEqual(2);
    for (const line of demos) {
      const argv = line.replace(/^npm run demo( -- )?/, '').split(/\s+/).filter(Boolean).map((a) => (a === USER_CONFIG ? userConfig : a));
      const r = await demo(argv);
      expect(r.code, `${line}\n${r.out}`).toBe(0);
    }
  });

  it('each tools/inline-orb.ts line of "Before the orb is in the registry" writes what the demo then runs', async () => {
    const inline = lines('Before the orb is in the registry', 'npx tsx tools/inline-orb.ts');
    expect(inline).toHaveLength(2);
    for (const line of inline) {
      const [cmd, out] = line.split(' > ');
      const args = cmd!.split(/\s+/).slice(2).map((a) => (a === USER_CONFIG ? userConfig : a));
      const text = execFileSync(process.execPath, ['--import', 'tsx', ...args.map((a) => (a.endsWith('.ts') ? resolve(a) : a))], { encoding: 'utf8', env: { ...process.env, TSX_DISABLE_CACHE: '1' } });
      writeFileSync(join(work, out!.trim()), text);
      const doc = parseYaml(text, line) as { orbs: Record<string, unknown> };
      expect(isPlainMap(doc.orbs['aws-oidc']), line).toBe(true);
    }
    const r = await demo([join(work, 'config.yml'), '--env', `DEPLOY_ROLE_ARN=${VALUES.DEPLOY_ROLE_ARN}`]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('  orb aws-oidc: inline, as written in the config\n');
  });
});
