// CLI: `run` expands and runs one job locally, printing steps like CircleCI's UI; `expand` prints
// the expanded job as YAML.
//   npx tsx test/harness/runner/cli.ts run <config.yml> --job <name> [--param k=v]... [--orb alias=orb.yml]... [--env K=V]...
//   npx tsx test/harness/runner/cli.ts expand <config.yml> --job <name> [--param k=v]... [--orb alias=orb.yml]...
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import { ConfigError, expandJob, loadConfig, runJob } from './index.ts';
import type { ExpandedJob, JobResult } from './index.ts';
import { defaultShell } from './run.ts';

/** What the command line asked for. */
export interface CliRequest {
  action: 'run' | 'expand';
  configPath: string;
  job: string;
  params: Record<string, unknown>;
  orbs: Record<string, string>;
  env: Record<string, string>;
}

function pairs(list: string[] | undefined, flag: string): [string, string][] {
  return (list ?? []).map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} takes key=value, got '${p}'`);
    return [p.slice(0, eq), p.slice(eq + 1)];
  });
}

/** Parses argv (without node and the script); values of --param are read as YAML scalars. */
export function parseCli(argv: string[]): CliRequest {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      job: { type: 'string' },
      param: { type: 'string', multiple: true },
      orb: { type: 'string', multiple: true },
      env: { type: 'string', multiple: true },
    },
  });
  const [action, configPath] = positionals;
  if ((action !== 'run' && action !== 'expand') || !configPath || !values.job) {
    throw new Error('usage: cli.ts run|expand <config.yml> --job <name> [--param k=v]... [--orb alias=orb.yml]... [--env K=V]...');
  }
  return {
    action,
    configPath,
    job: values.job,
    // So --param flag=true passes a boolean and --param n=3 an integer, as YAML would.
    params: Object.fromEntries(pairs(values.param, '--param').map(([k, v]) => [k, parse(v, { version: '1.1' }) ?? ''])),
    orbs: Object.fromEntries(pairs(values.orb, '--orb').map(([k, p]) => [k, readFileSync(p, 'utf8')])),
    env: Object.fromEntries(pairs(values.env, '--env')),
  };
}

function printStep(write: (s: string) => void, job: ExpandedJob, result: JobResult['steps'][number], index: number): void {
  const step = job.steps[index];
  write(`\n== ${result.name}${result.skipped ? ' (skipped)' : ''}\n`);
  if (result.skipped) return;
  if (step?.kind === 'run') write(`#!${step.shell ?? defaultShell()}\n${step.command ?? ''}\n`);
  write(result.output);
  if (result.exitCode !== 0 && result.exitCode !== null) write(`\nExited with code exit status ${result.exitCode}\n`);
  write(`-- exit ${result.exitCode ?? '-'}, ${(result.durationMs / 1000).toFixed(2)}s\n`);
}

/** Runs the request; returns the process exit code. */
export async function main(req: CliRequest, write: (s: string) => void): Promise<number> {
  const cfg = loadConfig(readFileSync(req.configPath, 'utf8'), { orbs: req.orbs });
  const job = expandJob(cfg, req.job, req.params);
  if (req.action === 'expand') {
    write(stringify(job));
    return 0;
  }
  // OIDC for the CLI is wired separately; without a minter the job runs with no tokens.
  const identity = { orgId: randomUUID(), projectId: randomUUID(), userId: randomUUID(), vcsOrigin: 'github.com/local/project', vcsRef: 'refs/heads/main' };
  const result = await runJob(job, { identity, env: req.env, jobName: req.job });
  result.steps.forEach((s, i) => printStep(write, job, s, i));
  write(`\nJob ${req.job}: ${result.success ? 'success' : 'failed'}\n`);
  return result.success ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = await main(parseCli(process.argv.slice(2)), (s) => process.stdout.write(s));
  } catch (e) {
    process.stderr.write(`${e instanceof ConfigError ? 'Config error:\n' : ''}${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
