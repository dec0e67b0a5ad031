// Fidelity: running a job like the CircleCI agent (fresh shells, BASH_ENV, -eo pipefail, skips,
// isolation from the host environment, masking, built-in steps).
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MASK } from './index.ts';
import type { RunOptions } from './index.ts';
import { jobRunner, oneJob, TEST_IDENTITY, tempDirs } from './test-jobs.ts';

const tempDir = tempDirs();

const runConfig = jobRunner();
/** Runs job j of these steps; `jobExtra` goes into the job before its steps. */
const run = (steps: string, opts: Partial<RunOptions> = {}, jobExtra = '') => runConfig(oneJob(steps, { job: jobExtra }), opts);

describe('runJob', () => {
  it('sources $BASH_ENV in every later step: step 3 sees an export from step 2, step 1 did not', async () => {
    const r = await run(`      - run: echo "step1 X=\${X:-unset}" >> order.log
      - run: echo 'export X=from-step-2' >> "$BASH_ENV"
      - run: echo "step3 X=\${X:-unset}" >> order.log
`);
    expect(r.success).toBe(true);
    expect(readFileSync(join(r.workingDirectory, 'order.log'), 'utf8')).toBe('step1 X=unset\nstep3 X=from-step-2\n');
    expect(readFileSync(r.bashEnvPath, 'utf8')).toBe('export X=from-step-2\n');
    expect(statSync(r.bashEnvPath).mode & 0o777).toBe(0o600);
    expect(r.env.BASH_ENV).toBe(r.bashEnvPath);
  });

  it('runs each step in a fresh shell: an unexported assignment and cd do not survive', async () => {
    const r = await run(`      - run: FOO=1; mkdir -p deeper; cd deeper
      - run: echo "FOO=\${FOO:-gone} PWD=$PWD"
`);
    expect(r.steps[1]?.output).toBe(`FOO=gone PWD=${r.workingDirectory}\n`);
  });

  it('fails a step on the first failing command and on a failing command inside a pipe', async () => {
    const r = await run(`      - run: {name: errexit, command: "false\\necho not-reached"}
`);
    expect(r.steps[0]).toMatchObject({ exitCode: 1, output: '' });
    const p = await run(`      - run: {name: pipe, command: "false | cat\\necho not-reached"}
`);
    expect(p.steps[0]).toMatchObject({ exitCode: 1, output: '' });
    expect(p.success).toBe(false);
  });

  it('skips steps after a failure unless when: always / on_fail, and skips on_fail on success', async () => {
    const r = await run(`      - run: {name: ok-fail-only, command: echo never, when: on_fail}
      - run: {name: boom, command: "echo before; exit 7"}
      - run: {name: after, command: echo after}
      - run: {name: cleanup, command: echo cleanup, when: always}
      - run: {name: report, command: echo report, when: on_fail}
`);
    expect(r.success).toBe(false);
    expect(r.steps.map((s) => [s.name, s.skipped, s.exitCode])).toEqual([
      ['ok-fail-only', true, null],
      ['boom', false, 7],
      ['after', true, null],
      ['cleanup', false, 0],
      ['report', false, 0],
    ]);
    expect(r.steps[1]?.output).toBe('before\n');
  });

  it('reports each step as it ends or is skipped, in order, with its output, a built-in step and a background step (at job end) included', async () => {
    const ended: [number, string, boolean, number | null, string][] = [];
    const r = await run(`      - checkout
      - run: {name: bg, command: "sleep 30", background: true}
      - run: {name: boom, command: "echo before; exit 3"}
      - run: {name: after, command: echo after}
`, { onStepEnd: (s, i) => ended.push([i, s.name, s.skipped, s.exitCode, s.output]) });
    expect(ended.map(([i, name, skipped, code]) => [i, name, skipped, code])).toEqual([
      [0, 'Checkout code', false, 0], [2, 'boom', false, 3], [3, 'after', true, null], [1, 'bg', false, null],
    ]);
    expect(ended.find(([i]) => i === 2)?.[4]).toBe('before\n');
    expect(r.success).toBe(false);
  });

  it('runs an escaped heredoc (\\<<) as a real heredoc', async () => {
    const r = await run(`      - run: |
          cat \\<<EOF
          branch=$CIRCLE_BRANCH
          EOF
          cat \\<<'RAW'
          $NOT_EXPANDED
          RAW
`);
    expect(r.steps[0]?.output).toBe('branch=main\n$NOT_EXPANDED\n');
  });

  it('interleaves stdout and stderr in the order they were written', async () => {
    const r = await run(`      - run: "echo out1; echo err1 >&2; echo out2; echo err2 >&2"\n`);
    expect(r.steps[0]?.output).toBe('out1\nerr1\nout2\nerr2\n');
  });

  describe('host environment', () => {
    beforeEach(() => {
      process.env.RIG_HOST_ONLY_SECRET = 'must-not-leak';
    });
    afterEach(() => {
      delete process.env.RIG_HOST_ONLY_SECRET;
    });

    it('passes nothing from the host but inheritEnv, and sets the CircleCI variables', async () => {
      const r = await run(`      - run: env | sort\n`, { buildNum: 42, sha: 'a'.repeat(40), workflowId: 'wf-1', username: 'octo' });
      const out = r.steps[0]!.output;
      expect(out).not.toContain('RIG_HOST_ONLY_SECRET');
      expect(r.env.RIG_HOST_ONLY_SECRET).toBeUndefined();
      for (const line of [
        'CI=true', 'CIRCLECI=true', 'CIRCLE_BRANCH=main', `CIRCLE_SHA1=${'a'.repeat(40)}`, 'CIRCLE_BUILD_NUM=42', 'CIRCLE_JOB=j',
        'CIRCLE_NODE_INDEX=0', 'CIRCLE_NODE_TOTAL=1', 'CIRCLE_PROJECT_USERNAME=acme', 'CIRCLE_PROJECT_REPONAME=app',
        'CIRCLE_REPOSITORY_URL=git@github.com:acme/app.git', 'CIRCLE_WORKFLOW_ID=wf-1', 'CIRCLE_WORKING_DIRECTORY=~/project',
        'CIRCLE_ORGANIZATION_ID=org-1', 'CIRCLE_PROJECT_ID=proj-1', 'CIRCLE_USERNAME=octo', `HOME=${r.home}`,
      ]) {
        expect(out).toContain(`${line}\n`);
      }
      expect(out).not.toContain('CIRCLE_OIDC_TOKEN');
      expect(r.env.PATH?.split(':')[0]).toMatch(/test\/harness\/runner\/bin$/);
      const strict = await run(`      - run: echo "PATH=$PATH LANG=\${LANG:-none}"\n`, { inheritEnv: [] });
      expect(strict.steps[0]?.output).toMatch(/:\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin LANG=none\n$/);
    });
  });

  it('exposes a tag build as CIRCLE_TAG without CIRCLE_BRANCH', async () => {
    const r = await run(`      - run: echo "tag=$CIRCLE_TAG branch=\${CIRCLE_BRANCH:-none}"\n`, { identity: { ...TEST_IDENTITY, vcsRef: 'refs/tags/v1.2.3' } });
    expect(r.steps[0]?.output).toBe('tag=v1.2.3 branch=none\n');
  });

  it('masks project/context values of 4+ characters, not short ones or true/false', async () => {
    const r = await run(`      - run: echo "$API_KEY / $PIN / $FLAG / $JOBVAR"\n`, {
      env: { API_KEY: 'sk-live-12345', PIN: '123', FLAG: 'true' },
    }, `    environment: {JOBVAR: plain-job-value}\n`);
    expect(r.steps[0]?.output).toBe(`${MASK} / 123 / true / plain-job-value\n`);
  });

  it('streams masked output to onOutput, even when a secret is split across writes', async () => {
    const seen: string[] = [];
    const r = await run(`      - run: {name: split, command: "printf 'key=sk-li'; sleep 0.2; printf 've-12345\\\\n'"}\n`, {
      env: { API_KEY: 'sk-live-12345' },
      onOutput: (step, chunk) => seen.push(`${step}:${chunk}`),
    });
    expect(r.steps[0]?.output).toBe(`key=${MASK}\n`);
    expect(seen.join('')).toBe(`split:key=${MASK}\n`);
  });

  it('layers env: project < job < step, and runs in the step working directory', async () => {
    const r = await run(`      - run:
          command: echo "$A $B $C $(pwd)"
          environment: {C: step}
          working_directory: sub/dir
`, { env: { A: 'from-project', B: 'from-project', C: 'from-project' } }, `    environment: {B: job, C: job}\n`);
    expect(r.steps[0]?.output).toBe(`${MASK} job step ${join(r.workingDirectory, 'sub/dir')}\n`);
  });

  it('honours a step shell and the no_output_timeout', async () => {
    const r = await run(`      - run: {command: "echo $0", shell: /bin/sh -e}
      - run: {name: quiet, command: sleep 30, no_output_timeout: 300ms}
`);
    expect(r.steps[0]?.output).toMatch(/step-0\.sh\n$/);
    expect(r.steps[1]?.output).toContain('Too long with no output (exceeded 300ms): context deadline exceeded');
    // Ended by the timeout: not before it, and before the 30 s the command would have taken without it.
    expect(r.steps[1]?.durationMs).toBeGreaterThanOrEqual(300);
    expect(r.steps[1]?.durationMs).toBeLessThan(30_000);
    expect(r.success).toBe(false);
  });

  it('starts background steps without waiting and ends them with the job', async () => {
    const started = Date.now();
    // The foreground step waits for the server's marker file, so "up" was written before the job ends.
    const r = await run(`      - run: {name: server, command: "echo up; touch ready; sleep 30", background: true}
      - run: "while [ ! -f ready ]; do sleep 0.05; done; echo foreground"
`);
    // The job did not wait for the background step, which would have taken 30 s.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.steps[0]).toMatchObject({ name: 'server', exitCode: null, skipped: false, output: 'up\n' });
    expect(r.steps[1]?.output).toBe('foreground\n');
    expect(r.success).toBe(true);
  });

  it('checks out the given source or an empty repository, and refuses a non-empty non-git directory', async () => {
    const src = tempDir('rig-src-');
    writeFileSync(join(src, 'README.md'), 'hello\n');
    const r = await run(`      - checkout\n      - run: cat README.md\n`, { checkoutSource: src });
    expect(r.steps[1]?.output).toBe('hello\n');
    const empty = await run(`      - checkout\n      - run: git rev-list --count HEAD\n`);
    expect(empty.steps[1]?.output).toBe('1\n');
    const workdir = tempDir('rig-wd-');
    mkdirSync(join(workdir, 'home/project'), { recursive: true });
    writeFileSync(join(workdir, 'home/project/stray'), 'x');
    const refused = await run(`      - checkout\n`, { workdir });
    expect(refused.steps[0]?.output).toContain('you are trying to checkout to is not empty and not a git repository');
    expect(refused.success).toBe(false);
  });

  it('shares files between jobs through the workspace directory, and logs other steps as skipped', async () => {
    const workspaceDir = tempDir('rig-ws-');
    await run(`      - run: mkdir -p dist && echo built > dist/app.txt\n      - persist_to_workspace: {root: ., paths: [dist]}\n`, { workspaceDir });
    const r = await run(`      - attach_workspace: {at: ws}\n      - run: cat ws/dist/app.txt\n      - save_cache: {key: k, paths: [x]}\n`, { workspaceDir });
    expect(r.steps[1]?.output).toBe('built\n');
    expect(r.steps[2]).toMatchObject({ name: 'Saving Cache', output: 'skipped locally: save_cache\n', exitCode: 0 });
  });

  it('setup_remote_docker gives the later steps the remote engine\'s variables, and only logs without an engine', async () => {
    const remoteDocker = { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' };
    const show = `      - run: echo "\${DOCKER_HOST:-none} \${DOCKER_TLS_VERIFY:-none} \${DOCKER_CERT_PATH:-none}"\n`;
    const r = await run(`${show}      - setup_remote_docker\n${show}`, { remoteDocker, inheritEnv: ['PATH'] });
    expect(r.steps.map((s) => s.output)).toEqual([
      'none none none\n',
      'Remote Docker engine at tcp://127.0.0.1:2376; set for later steps: DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH\n',
      'tcp://127.0.0.1:2376 1 /certs\n',
    ]);
    const without = await run(`      - setup_remote_docker\n${show}`, { inheritEnv: ['PATH'] });
    expect(without.steps.map((s) => s.output)).toEqual(['skipped locally: setup_remote_docker\n', 'none none none\n']);
  });
});
