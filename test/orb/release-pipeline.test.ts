// The release pipeline's supply-chain rules, on .circleci/config.yml and .circleci/test-deploy.yml as YAML:
// every orb pinned to an exact version (our own orb only as the dev:<revision> this pipeline published), no
// download piped into a shell, no download without a SHA-256 check, and the publishing token's context only
// in jobs filtered to main or to release tags. The same rules find each fault of the pipeline before they came in.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** The context that holds the orb-publishing token (CIRCLECI_CLI_TOKEN). */
const PUBLISHING_CONTEXT = 'orb-publishing';
/** The release tags: vMAJOR.MINOR.PATCH, written either way CircleCI's (Java) regular expressions read alike. */
const RELEASE_TAGS = ['/^v\\d+\\.\\d+\\.\\d+$/', '/^v[0-9]+\\.[0-9]+\\.[0-9]+$/'];
/** Our own orb, as test-deploy.yml takes it: the dev version config.yml published for this very revision. */
const OWN_DEV_ORB = 'aws-oidc/aws-oidc@dev:<< pipeline.git.revision >>';

type Map = Record<string, unknown>;
const isMap = (v: unknown): v is Map => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every shell command of a config (run steps in jobs and commands, short and long form), with where it is. */
function commands(doc: Map): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${where}[${i}]`));
    if (!isMap(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'run' && typeof value === 'string') out.push({ where, text: value });
      else if (key === 'run' && isMap(value) && typeof value['command'] === 'string') out.push({ where: `${where}/run${value['name'] ? ` "${String(value['name'])}"` : ''}`, text: value['command'] });
      else walk(value, `${where}/${key}`);
    }
  };
  walk(doc, '');
  return out;
}

/** One pipeline of a command line split at `|`, `;`, `&&`, `||` and line ends (quotes are not parsed: the rules err on the safe side). */
const pipelines = (text: string): string[][] => text.split(/\n|;|&&|\|\|/).map((p) => p.split('|').map((s) => s.trim()));
const SHELLS = /^(sudo\s+)?(\S+=\S*\s+)*(ba|da|z|k)?sh\b/;
const FETCH = /(^|[\s$(`])(curl|wget)\s/;
/** A SHA-256 check in the same command: sha256sum or shasum -a 256 in check mode. */
const CHECKED = /\bsha256sum\s+(--strict\s+)?(-c|--check)\b|\bshasum\s+-a\s*256\s+(-c|--check)\b/;

/** Whether one pipeline fetches into a file or a pipe with curl or wget (an API call whose answer only goes to the log does not). */
function downloads(stages: string[]): boolean {
  return stages.some((stage, i) => /(^|\s)wget\s/.test(` ${stage}`)
    || (/(^|\s)curl\s/.test(` ${stage}`) && (i < stages.length - 1 || /\s(-[a-zA-Z]*[oO]\b|--output\b|--remote-name\b)|\s>/.test(` ${stage}`))));
}

/** Whether a workflow entry's filters keep it to main, to release tags, or to both and nothing else. */
function mainOrReleaseOnly(filters: unknown): boolean {
  if (!isMap(filters)) return false;
  const branches = isMap(filters['branches']) ? filters['branches'] : undefined;
  const tags = isMap(filters['tags']) ? filters['tags'] : undefined;
  const only = (v: unknown) => (Array.isArray(v) && v.length === 1 ? v[0] : v);
  const mainOnly = branches !== undefined && only(branches['only']) === 'main' && branches['ignore'] === undefined;
  const noBranch = branches !== undefined && branches['ignore'] === '/.*/' && branches['only'] === undefined;
  const releaseTags = tags !== undefined && RELEASE_TAGS.includes(String(only(tags['only']))) && tags['ignore'] === undefined;
  // Without a tags filter a job never runs for tags; without a branches filter it runs on every branch.
  return (mainOnly && (tags === undefined || releaseTags)) || (noBranch && releaseTags);
}

/** The rule breaks of one config file, one line each: `file: where: what`. */
function pipelineFindings(file: string, text: string): string[] {
  const doc = parse(text, { merge: true }) as Map;
  const found: string[] = [];
  for (const [alias, ref] of Object.entries(isMap(doc['orbs']) ? doc['orbs'] : {})) {
    if (isMap(ref)) continue; // an inline orb: its text is in the file
    const version = /^[\w-]+\/[\w-]+@(.+)$/.exec(String(ref))?.[1];
    if (String(ref) === OWN_DEV_ORB) continue;
    if (!version || !/^\d+\.\d+\.\d+$/.test(version)) found.push(`${file}: orbs/${alias}: ${String(ref)} is not pinned to an exact version (X.Y.Z)`);
  }
  for (const { where, text: command } of commands(doc)) {
    for (const stages of pipelines(command)) {
      const fetchAt = stages.findIndex((s) => FETCH.test(` ${s}`));
      if (fetchAt >= 0 && stages.slice(fetchAt + 1).some((s) => SHELLS.test(s))) found.push(`${file}: ${where}: a download piped into a shell: ${stages.join(' | ')}`);
    }
    if (/(bash|sh)\s+<\(\s*(curl|wget)|(bash|sh)\s+-c\s+"\$\(\s*(curl|wget)/.test(command)) found.push(`${file}: ${where}: a download run by a shell`);
    if (pipelines(command).some(downloads) && !CHECKED.test(command)) {
      found.push(`${file}: ${where}: a download without a SHA-256 check (sha256sum -c) of what it fetched`);
    }
  }
  for (const [name, wf] of Object.entries(isMap(doc['workflows']) ? doc['workflows'] : {})) {
    const jobs = isMap(wf) && Array.isArray(wf['jobs']) ? wf['jobs'] : [];
    for (const entry of jobs) {
      const [job, cfg] = isMap(entry) ? Object.entries(entry)[0] ?? [String(entry), {}] : [String(entry), {}];
      const contexts = isMap(cfg) ? [cfg['context']].flat() : [];
      if (!contexts.includes(PUBLISHING_CONTEXT)) continue;
      const label = isMap(cfg) && typeof cfg['name'] === 'string' ? cfg['name'] : job;
      if (!mainOrReleaseOnly(isMap(cfg) ? cfg['filters'] : undefined)) {
        found.push(`${file}: workflows/${name}/${label}: the ${PUBLISHING_CONTEXT} context without filters to main or to release tags (vX.Y.Z, branches ignored)`);
      }
    }
  }
  return found;
}

const FILES = ['.circleci/config.yml', '.circleci/test-deploy.yml'];
/** A minimal config around one job's steps and its workflow entry. */
const config = (orbs: string, command: string, entry = '      - j') => `version: 2.1\n${orbs}jobs:\n  j:\n    docker: [{ image: cimg/base:2024.01 }]\n    steps:\n      - run:\n          name: step\n          command: |\n            ${command.split('\n').join('\n            ')}\nworkflows:\n  w:\n    jobs:\n${entry}\n`;

describe('the release pipeline', () => {
  it.each(FILES)('%s keeps every rule', (file) => {
    expect(pipelineFindings(file, readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('publishes with the token only in jobs of main and release tags, both of which exist', () => {
    const entries = FILES.flatMap((file) => {
      const doc = parse(readFileSync(file, 'utf8'), { merge: true }) as { workflows: Record<string, { jobs: Map[] }> };
      return Object.values(doc.workflows).flatMap((w) => w.jobs.map((e) => Object.values(e)[0] as Map));
    }).filter((e) => [e['context']].flat().includes(PUBLISHING_CONTEXT));
    expect(entries.map((e) => e['filters'])).toEqual([
      { branches: { only: 'main' }, tags: { only: '/^v\\d+\\.\\d+\\.\\d+$/' } }, // config.yml's dev:<revision>, which a release tag needs too
      { branches: { only: 'main' } },
      { tags: { only: '/^v\\d+\\.\\d+\\.\\d+$/' }, branches: { ignore: '/.*/' } },
    ]);
    const release = new RegExp(RELEASE_TAGS[0]!.slice(1, -1));
    expect(['v1.2.3', 'v10.0.12'].every((t) => release.test(t))).toBe(true);
    expect(['v1.2', 'v1.2.3-rc.1', '1.2.3', 'v1.2.3.4', 'xv1.2.3'].some((t) => release.test(t))).toBe(false);
  });
});

describe('each rule finds what it is for', () => {
  it.each([
    ['an orb at volatile', 'orbs:\n  t: circleci/orb-tools@volatile\n', /orbs\/t: circleci\/orb-tools@volatile is not pinned/],
    ['an orb at a major version', 'orbs:\n  t: circleci/orb-tools@12\n', /orbs\/t: circleci\/orb-tools@12 is not pinned/],
    ['an orb at a minor version', 'orbs:\n  t: circleci/orb-tools@12.3\n', /orbs\/t: circleci\/orb-tools@12\.3 is not pinned/],
    ['an orb without a version', 'orbs:\n  t: circleci/orb-tools\n', /orbs\/t: circleci\/orb-tools is not pinned/],
    ['a moving dev version', 'orbs:\n  t: aws-oidc/aws-oidc@dev:alpha\n', /orbs\/t: aws-oidc\/aws-oidc@dev:alpha is not pinned/],
  ])('%s', (_what, orbs, finding) => {
    const found = pipelineFindings('c.yml', config(orbs, 'true'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(finding);
  });

  it.each([
    ['curl | bash', 'curl -fsSL https://example.com/install.sh | DESTDIR="$HOME/bin" bash', /a download piped into a shell/],
    ['wget -O- | sh', 'wget -qO- https://example.com/i.sh | sudo sh', /a download piped into a shell/],
    ['bash <(curl)', 'bash <(curl -fsSL https://example.com/i.sh)', /a download run by a shell/],
    ['sh -c "$(curl)"', 'sh -c "$(curl -fsSL https://example.com/i.sh)"', /a download run by a shell/],
    ['a file fetched and unpacked unchecked', 'curl -fsSL https://example.com/cli.tar.gz -o cli.tgz\ntar xzf cli.tgz', /a download without a SHA-256 check/],
    ['a download piped into tar', 'curl -fsSL https://example.com/cli.tar.gz | tar xz', /a download without a SHA-256 check/],
    ['wget to a file', 'wget https://example.com/cli.zip', /a download without a SHA-256 check/],
  ])('%s', (_what, command, finding) => {
    expect(pipelineFindings('c.yml', config('', command)).join('\n')).toMatch(finding);
  });

  it('lets through a download checked against a pinned SHA-256, and API calls that download nothing', () => {
    const checked = 'CLI_SHA256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\ncurl -fsSLo cli.tgz https://example.com/cli.tgz\necho "$CLI_SHA256  cli.tgz" | sha256sum -c -\ntar xzf cli.tgz';
    expect(pipelineFindings('c.yml', config('', checked))).toEqual([]);
    expect(pipelineFindings('c.yml', config('', 'curl -fsS -X POST --data "@$body" https://circleci.com/api/v2/pipeline/continue'))).toEqual([]);
  });

  it.each([
    ['no filters', '      - j:\n          context: orb-publishing', true],
    ['every tag', '      - j:\n          context: [orb-publishing]\n          filters: { tags: { only: /.*/ } }', true],
    ['every branch', '      - j:\n          context: orb-publishing\n          filters: { branches: { only: /.*/ } }', true],
    ['main and every tag', '      - j:\n          context: orb-publishing\n          filters: { branches: { only: main }, tags: { only: /.*/ } }', true],
    ['release tags, branches not ignored', '      - j:\n          context: orb-publishing\n          filters: { tags: { only: "/^v\\\\d+\\\\.\\\\d+\\\\.\\\\d+$/" } }', true],
    ['main only', '      - j:\n          context: orb-publishing\n          filters: { branches: { only: main } }', false],
    ['release tags only', '      - j:\n          context: orb-publishing\n          filters: { tags: { only: "/^v\\\\d+\\\\.\\\\d+\\\\.\\\\d+$/" }, branches: { ignore: /.*/ } }', false],
    ['another context, unfiltered', '      - j:\n          context: aws-oidc-integration', false],
  ])('the publishing context with %s', (_what, entry, refused) => {
    const found = pipelineFindings('c.yml', config('', 'true', entry));
    expect(found).toEqual(refused ? ['c.yml: workflows/w/j: the orb-publishing context without filters to main or to release tags (vX.Y.Z, branches ignored)'] : []);
  });

  it('finds every fault of the pipeline as it was before these rules', () => {
    const before = (name: string) => readFileSync(`test/orb/fixtures/circleci-${name}-before-pinning.yml`, 'utf8');
    expect(pipelineFindings('config.yml', before('config'))).toEqual([
      'config.yml: /jobs/publish-dev/steps[2]/run "Install the CircleCI CLI": a download piped into a shell: curl -fsSL https://raw.githubusercontent.com/CircleCI-Public/circleci-cli/main/install.sh | DESTDIR="$HOME/bin" bash',
      'config.yml: /jobs/publish-dev/steps[2]/run "Install the CircleCI CLI": a download without a SHA-256 check (sha256sum -c) of what it fetched',
      'config.yml: workflows/ci/publish-dev: the orb-publishing context without filters to main or to release tags (vX.Y.Z, branches ignored)',
    ]);
    expect(pipelineFindings('test-deploy.yml', before('test-deploy'))).toEqual([
      'test-deploy.yml: /commands/aws-cli/steps[0]/run "AWS CLI": a download without a SHA-256 check (sha256sum -c) of what it fetched',
      'test-deploy.yml: /jobs/publish/steps[2]/run "Install the CircleCI CLI": a download piped into a shell: curl -fsSL https://raw.githubusercontent.com/CircleCI-Public/circleci-cli/main/install.sh | DESTDIR="$HOME/bin" bash',
      'test-deploy.yml: /jobs/publish/steps[2]/run "Install the CircleCI CLI": a download without a SHA-256 check (sha256sum -c) of what it fetched',
      'test-deploy.yml: workflows/test-deploy/publish-dev-alpha: the orb-publishing context without filters to main or to release tags (vX.Y.Z, branches ignored)',
    ]);
  });
});
