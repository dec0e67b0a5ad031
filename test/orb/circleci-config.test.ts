// The project's own .circleci/: nothing here can run them on CircleCI, so the runner loads both and
// expands every job of every workflow (as CircleCI's compiler would, refusing what it refuses), the
// orb checks validate test-deploy.yml's use of the orb, and the pipeline's promises are checked on
// the expanded jobs: what config.yml runs, tag pipelines reaching the release, publishing only after
// every test, unique test resources removed in post-steps that always run, and no token on argv.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkExamples } from '../../tools/orb/examples.ts';
import { formatFinding } from '../../tools/orb/findings.ts';
import { buildModel, type Component } from '../../tools/orb/model.ts';
import { validateAgainst } from '../../tools/orb/schema.ts';
import { loadOrbSource } from '../../tools/orb/source.ts';
import { PACKED_ORB } from '../harness/rig.ts';
import { expandJob, expandWorkflow, loadConfig, type ExpandedJob } from '../harness/runner/index.ts';

const CONFIG = readFileSync('.circleci/config.yml', 'utf8');
const TEST_DEPLOY = readFileSync('.circleci/test-deploy.yml', 'utf8');
const ORB = readFileSync(PACKED_ORB, 'utf8');
/**
 * A stand-in for circleci/orb-tools@12.3.3, of which the pipeline uses only the default executor (the official
 * circleci/circleci-cli image): the runner expands jobs from the orbs it is given, and nothing here reaches the registry.
 */
const ORB_TOOLS = { 'circleci/orb-tools@12.3.3': 'version: 2.1\nexecutors:\n  default:\n    docker:\n      - image: circleci/circleci-cli:stand-in\n' };

type Entry = { name: string; job: string; requires: string[]; params: Record<string, unknown> };
type RawEntry = { filters?: { tags?: { only?: string }; branches?: { only?: string; ignore?: string } }; 'post-steps'?: unknown[] };

/** Every workflow entry of the config with its expanded job, and the raw entry (filters are not evaluated by the runner). */
function expandAll(text: string, orbs: Record<string, string>): { entry: Entry; job: ExpandedJob; raw: RawEntry }[] {
  const cfg = loadConfig(text, { orbs });
  const doc = parse(text, { merge: true }) as { workflows: Record<string, { jobs: Record<string, RawEntry>[] }> };
  const out: { entry: Entry; job: ExpandedJob; raw: RawEntry }[] = [];
  for (const wf of Object.keys(cfg.workflows)) {
    const rawEntries = doc.workflows[wf]!.jobs.map((e) => Object.values(e)[0] ?? {});
    const entries = expandWorkflow(cfg, wf) as Entry[];
    for (const entry of entries) {
      const raw = rawEntries.find((r) => (r as { name?: string }).name === entry.name)
        ?? rawEntries.find((r, i) => Object.keys(doc.workflows[wf]!.jobs[i]!)[0] === entry.job && !(r as { name?: string }).name)
        ?? rawEntries.find((r) => typeof (r as { name?: string }).name === 'string' && entry.name.startsWith(((r as { name: string }).name).split('<<')[0]!))
        ?? {};
      out.push({ entry, job: expandJob(cfg, entry.job, entry.params), raw });
    }
  }
  return out;
}
const commands = (job: ExpandedJob) => job.steps.map((s) => (s as { command?: string }).command ?? '').join('\n');

describe('.circleci/config.yml', () => {
  const jobs = expandAll(CONFIG, ORB_TOOLS);
  const byName = (n: string) => jobs.find((j) => j.entry.name === n)!;

  it('expands in the runner: every job of every workflow', () => {
    expect(jobs.map((j) => j.entry.name)).toEqual(['lint', 'build', 'test', 'publish-dev', 'continue-to-test-deploy']);
    for (const { entry, job } of jobs) expect(job.steps.length, entry.name).toBeGreaterThan(1);
    console.log(`config.yml: ${jobs.length} jobs, ${jobs.reduce((n, j) => n + j.job.steps.length, 0)} steps expanded`);
  });

  it('runs lint, typecheck, build, pack, the orb checks, the docs drift check and every test', () => {
    expect(commands(byName('lint').job)).toMatch(/npm run lint[\s\S]*npm run typecheck/);
    expect(commands(byName('build').job)).toMatch(/npm run pack[\s\S]*npm run check[\s\S]*tools\/docs\.ts --check/);
    // The tests run as on a fresh clone: .ci/run installs Debian's packages and starts the docker engine.
    expect(commands(byName('test').job)).toMatch(/--privileged .* bash \.ci\/run/);
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/npm test/);
  });

  it('publishes dev:<revision> only after every check, then continues with test-deploy.yml', () => {
    expect(byName('publish-dev').entry.requires).toEqual(['lint', 'build', 'test']);
    expect(commands(byName('publish-dev').job)).toContain('orb publish dist/orb.yml "aws-oidc/aws-oidc@dev:${CIRCLE_SHA1}"');
    expect(commands(byName('continue-to-test-deploy').job)).toContain('.circleci/test-deploy.yml');
    expect((parse(CONFIG) as { setup?: boolean }).setup).toBe(true);
  });

  it('every job runs for release tags, so a release tag reaches test-deploy.yml; the dev publish and the continuation only on main and release tags', () => {
    const publishing = ['publish-dev', 'continue-to-test-deploy'];
    for (const { entry, raw } of jobs) {
      expect(raw.filters, entry.name).toEqual(publishing.includes(entry.name)
        ? { branches: { only: 'main' }, tags: { only: '/^v\\d+\\.\\d+\\.\\d+$/' } } : { tags: { only: '/.*/' } });
    }
  });
});

describe('.circleci/test-deploy.yml', () => {
  const jobs = expandAll(TEST_DEPLOY, { 'aws-oidc': ORB, ...ORB_TOOLS });
  const tests = jobs.filter((j) => j.job.steps.some((s) => s.name === 'Assume AWS role with CircleCI OIDC'));
  const publish = jobs.filter((j) => j.entry.job === 'publish');

  it('expands in the runner against the packed orb: every job of every workflow', () => {
    expect(jobs.map((j) => j.entry.name)).toEqual(['assume-role-v2', 'assume-role-v1', 'assume-role-mint', 'chain-and-profiles', 'image-docker', 'image-machine',
      'pack', 'publish-dev-alpha', 'publish-release']);
    console.log(`test-deploy.yml: ${jobs.length} jobs, ${tests.length} of them against AWS with the orb`);
  });

  it('passes the orb checks for a config that uses the orb (schema, imports, names, arguments)', () => {
    const model = buildModel(loadOrbSource('src/orb'));
    const usage = parse(TEST_DEPLOY, { merge: true }) as Record<string, unknown>;
    // A config may have keys an example's usage may not: top-level anchor holders (already resolved by the
    // parse) and the config's own commands (the checks below still see every job and workflow).
    const configOnly = ['filters', 'dev-filters', 'release-filters', 'cleanup-repo', 'commands'];
    expect(Object.keys(usage).filter((k) => configOnly.includes(k)).sort()).toEqual([...configOnly].sort());
    const data = { description: 'the project\'s test-deploy.yml', usage: Object.fromEntries(Object.entries(usage).filter(([k]) => !configOnly.includes(k))) };
    expect(validateAgainst('example', '.circleci/test-deploy.yml', data).map(formatFinding)).toEqual([]);
    const c: Component = { kind: 'examples', name: 'test-deploy', file: '.circleci/test-deploy.yml', base: [], data, params: {} };
    expect(checkExamples({ ...model, byKind: { ...model.byKind, examples: new Map([['test-deploy', c]]) } }, 'aws-oidc').map(formatFinding)).toEqual([]);
  });

  it('tests the orb that config.yml published for this revision', () => {
    expect((parse(TEST_DEPLOY) as { orbs: Record<string, string> }).orbs['aws-oidc']).toBe('aws-oidc/aws-oidc@dev:<< pipeline.git.revision >>');
  });

  it('publishes only after every test and the pack: dev:alpha on main, the release on vX.Y.Z tags only', () => {
    const testNames = tests.map((j) => j.entry.name);
    for (const p of publish) expect([...p.entry.requires].sort(), p.entry.name).toEqual([...testNames, 'pack'].sort());
    const dev = publish.find((p) => p.entry.name === 'publish-dev-alpha')!;
    const release = publish.find((p) => p.entry.name === 'publish-release')!;
    expect(dev.entry.params['version']).toBe('dev:alpha');
    expect(dev.raw.filters).toEqual({ branches: { only: 'main' } });
    expect(release.raw.filters).toEqual({ tags: { only: '/^v\\d+\\.\\d+\\.\\d+$/' }, branches: { ignore: '/.*/' } });
    const semver = new RegExp(release.raw.filters!.tags!.only!.slice(1, -1));
    expect(['v1.2.3', 'v10.0.1'].every((t) => semver.test(t))).toBe(true);
    expect(['v1.2', 'v1.2.3-rc1', '1.2.3'].some((t) => semver.test(t))).toBe(false);
    for (const t of tests) expect(t.raw.filters?.tags?.only, t.entry.name).toBe('/.*/');
  });

  it('each image job pushes to its own repository, named after the pipeline, and deletes it in a post-step that always runs', () => {
    const images = jobs.filter((j) => j.entry.job === 'image');
    expect(images).toHaveLength(2);
    const number = 1; // the runner's default pipeline number
    for (const { entry, job } of images) {
      const repo = `aws-oidc-it/p${number}-${entry.name}`;
      expect(entry.params['repo']).toBe(repo);
      const last = job.steps.at(-1) as { name: string; when?: string; command?: string };
      expect(last).toMatchObject({ name: 'Delete the test repository', when: 'always' });
      // The cleanup names the same repository through $CIRCLE_JOB, which is the entry's name.
      expect(last.command?.trimEnd().replace('$CIRCLE_JOB', entry.name)).toMatch(new RegExp(`DeleteRepositoryCommand[\\s\\S]*' "${repo}"$`));
    }
  });

  it('no token on a command line: the CircleCI CLI reads CIRCLECI_CLI_TOKEN from the context', () => {
    for (const text of [CONFIG, TEST_DEPLOY]) {
      expect(text).not.toMatch(/--token/);
      expect(text).toMatch(/orb publish/);
    }
    for (const p of publish) expect(commands(p.job)).toMatch(/^circleci orb publish dist\/orb\.yml "aws-oidc\/aws-oidc@\$\{version\}"$/m);
  });
});
