// Containment: every path a job names (working_directory, checkout's path, attach_workspace's at, persisted paths)
// stays under the job's temporary base; an absolute one is taken as <base>/root/<path>, never the host's, and checkout
// never commits into a repository that is there already.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobRunner, oneJob, tempDirs } from './test-jobs.ts';

const tempDir = tempDirs();
const run = jobRunner({ inheritEnv: ['PATH'] });

/** A git repository with one commit, as a user's own checkout would be. */
function repoWithOneCommit(dir: string): void {
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', ...a], { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  writeFileSync(join(dir, 'mine.txt'), 'mine\n');
  git('add', '.');
  git('commit', '-q', '-m', 'mine');
}
const commits = (dir: string): string => execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();

describe('paths of a job', () => {
  it('puts an absolute working_directory, checkout path and attach_workspace at under <base>/root, leaving the host paths untouched', async () => {
    const hostWd = tempDir('host-wd-');
    const hostRepo = tempDir('host-repo-');
    repoWithOneCommit(hostRepo);
    const hostAt = tempDir('host-at-');
    const workspaceDir = tempDir('ws-');
    writeFileSync(join(workspaceDir, 'w.txt'), 'w\n');
    const workdir = tempDir('job-');
    const r = await run(oneJob(`      - checkout
      - checkout: {path: ${hostRepo}}
      - attach_workspace: {at: ${hostAt}}
      - run: {command: "touch made-here", working_directory: ${hostAt}/sub}
      - run: pwd
`, { job: `    working_directory: ${hostWd}\n` }), { workdir, workspaceDir, checkoutSource: workspaceDir });
    expect(r.success, r.steps.map((s) => s.output).join('')).toBe(true);
    expect(r.workingDirectory).toBe(join(workdir, 'root', hostWd));
    expect(r.steps[4]?.output).toBe(`${join(workdir, 'root', hostWd)}\n`);
    expect(existsSync(join(workdir, 'root', hostAt, 'w.txt'))).toBe(true);
    expect(existsSync(join(workdir, 'root', hostAt, 'sub', 'made-here'))).toBe(true);
    expect(readdirSync(hostWd)).toEqual([]);
    expect(readdirSync(hostAt)).toEqual([]);
    expect(readdirSync(hostRepo).sort()).toEqual(['.git', 'mine.txt']);
    expect(commits(hostRepo)).toBe('1');
  });

  it('leaves a repository already at the checkout path as it is: no init, no commit', async () => {
    const workdir = tempDir('job-');
    const project = join(workdir, 'home/project');
    mkdirSync(project, { recursive: true });
    repoWithOneCommit(project);
    const r = await run(oneJob('      - checkout\n'), { workdir });
    expect(r.steps[0]).toMatchObject({ exitCode: 0, output: `${project} is a git repository already: left as it is\n` });
    expect(commits(project)).toBe('1');
  });

  it('refuses, in one line, a path whose ".." leaves the job\'s directories', async () => {
    const workdir = tempDir('job-');
    const r = await run(oneJob('      - checkout: {path: ../../../../../../../../..}\n'), { workdir });
    expect(r.steps[0]?.output).toBe('path "../../../../../../../../.." leaves the job\'s temporary directory: the local runner keeps every path of a job under it; write it without ".." above the job\'s directories\n');
    expect(r.success).toBe(false);
    const ws = tempDir('ws-');
    const p = await run(oneJob('      - persist_to_workspace: {root: ., paths: [../../../../../../../../../etc]}\n'), { workdir: tempDir('job-'), workspaceDir: ws });
    expect(p.steps[0]?.output).toMatch(/^path "..\/.*" leaves the job's temporary directory/);
    expect(readdirSync(ws)).toEqual([]);
  });
});
