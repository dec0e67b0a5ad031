// runJob: runs an expanded job like the CircleCI agent, one fresh shell per run step.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ExpandedJob, ExpandedStep, JobResult, RunOptions, StepResult } from './types.ts';
import { baseEnv, masker } from './env.ts';
import { parseDuration, startProcess } from './process.ts';
import type { StepProcess } from './process.ts';
import { BUILTIN_TITLES, jobPath, runBuiltin } from './builtin-steps.ts';

/** Directory holding the `circleci` shim, put first on every step's PATH. */
export const SHIM_DIR = fileURLToPath(new URL('./bin', import.meta.url));

/** CircleCI's default shell: bash with -eo pipefail where bash exists, else sh. */
export function defaultShell(): string {
  return existsSync('/bin/bash') ? '/bin/bash -eo pipefail' : '/bin/sh -eo pipefail';
}

/** Masks per complete line, so a secret split across two chunks is still caught. */
function lineMasker(mask: (s: string) => string, emit: (s: string) => void): { push(s: string): void; flush(): void } {
  let pending = '';
  return {
    push(s) {
      pending += s;
      const cut = pending.lastIndexOf('\n');
      if (cut < 0) return;
      emit(mask(pending.slice(0, cut + 1)));
      pending = pending.slice(cut + 1);
    },
    flush() {
      if (pending) emit(mask(pending));
      pending = '';
    },
  };
}

interface Background {
  proc: StepProcess;
  result: StepResult;
  started: number;
  finish: () => void;
  index: number;
}

/** Runs an expanded job; see RunOptions for what comes from where. */
export async function runJob(job: ExpandedJob, opts: RunOptions): Promise<JobResult> {
  const base = opts.workdir ?? mkdtempSync(join(tmpdir(), 'circleci-job-'));
  const home = join(base, 'home');
  const tmp = join(base, 'tmp');
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  // The agent creates one empty BASH_ENV file per job, named like /tmp/.bash_env-<id>-0-build.
  const bashEnvPath = join(tmp, `.bash_env-${randomBytes(12).toString('hex')}-0-build`);
  writeFileSync(bashEnvPath, '', { mode: 0o600 });
  const tokens = opts.oidc
    ? { v1: await opts.oidc.mint(opts.identity, { version: 1 }), v2: await opts.oidc.mint(opts.identity, { version: 2 }) }
    : undefined;
  const env = baseEnv(job, opts, { home, bashEnvPath, shimDir: SHIM_DIR, ...(tokens ? { tokens } : {}) });
  const workingDirectory = jobPath(job.workingDirectory, { base, home, workingDirectory: home });
  mkdirSync(workingDirectory, { recursive: true });
  const mask = masker(opts.env);
  const results: StepResult[] = [];
  const background: Background[] = [];
  let failed = false;

  for (const [i, step] of job.steps.entries()) {
    const name = step.name ?? (step.kind === 'run' ? (step.command ?? 'run') : BUILTIN_TITLES[step.kind]);
    const when = step.when ?? 'on_success';
    const result: StepResult = { name, kind: step.kind, exitCode: null, output: '', durationMs: 0, skipped: false };
    results.push(result);
    if (when !== 'always' && (when === 'on_fail') !== failed) {
      result.skipped = true;
      opts.onStepEnd?.(result, i);
      continue;
    }
    const started = Date.now();
    const out = lineMasker(mask, (s) => {
      result.output += s;
      opts.onOutput?.(name, s);
    });
    if (step.kind !== 'run') {
      try {
        out.push(runBuiltin(step, { base, home, workingDirectory, env, ...pick(opts) }));
        result.exitCode = 0;
      } catch (e) {
        out.push(`${(e as Error).message}\n`);
        result.exitCode = 1;
        failed = true;
      }
      out.flush();
      result.durationMs = Date.now() - started;
      opts.onStepEnd?.(result, i);
      continue;
    }
    const io = { base, tmp, home, workingDirectory, env: { ...env, ...job.environment, ...step.environment }, shell: opts.defaultShell ?? defaultShell() };
    const proc = startRun(step, i, io, out.push);
    if (step.background) {
      background.push({ proc, result, started, finish: out.flush, index: i });
      continue;
    }
    const { exitCode } = await proc.done;
    out.flush();
    result.exitCode = exitCode;
    result.durationMs = Date.now() - started;
    if (exitCode !== 0) failed = true;
    opts.onStepEnd?.(result, i);
  }

  // Background steps live as long as the job: end them now and keep what they printed.
  for (const b of background) b.proc.kill();
  for (const b of background) {
    await b.proc.done;
    b.finish();
    b.result.durationMs = Date.now() - b.started;
    opts.onStepEnd?.(b.result, b.index);
  }
  return { success: !failed, steps: results, bashEnvPath, home, workingDirectory, env };
}

function pick(opts: RunOptions): { checkoutSource?: string; workspaceDir?: string; remoteDocker?: Record<string, string> } {
  const o: { checkoutSource?: string; workspaceDir?: string; remoteDocker?: Record<string, string> } = {};
  if (opts.checkoutSource !== undefined) o.checkoutSource = opts.checkoutSource;
  if (opts.workspaceDir !== undefined) o.workspaceDir = opts.workspaceDir;
  if (opts.remoteDocker !== undefined) o.remoteDocker = opts.remoteDocker;
  return o;
}

/** Writes the command to a script file and starts the step's shell (its own, the job's or the image's) on it, as the agent does. */
function startRun(
  step: ExpandedStep,
  index: number,
  io: { base: string; tmp: string; home: string; workingDirectory: string; env: Record<string, string>; shell: string },
  onChunk: (s: string) => void,
): StepProcess {
  const script = join(io.tmp, `step-${index}.sh`);
  writeFileSync(script, `${step.command ?? ''}\n`);
  chmodSync(script, 0o700);
  const cwd = step.workingDirectory ? jobPath(step.workingDirectory, io) : io.workingDirectory;
  mkdirSync(cwd, { recursive: true });
  const shell = (step.shell ?? io.shell).split(/\s+/).filter(Boolean);
  return startProcess([...shell, script], { cwd, env: io.env, noOutputTimeoutMs: parseDuration(step.noOutputTimeout), onChunk });
}
