// `npm run bench`: the orb's steps as this checkout builds them, side by side with release 0.1.0's steps
// (built from git, cached under .tmp/bench-0.1.0/) and the seed's AWS CLI + jq path, against the rig's local
// STS/ECR on this machine. Prints the tables of medians and ratios, writes them to docs/benchmarks.md, then
// checks the targets of the speed-and-size issue on the new runtime; exits 1 when one is missed. Run
// `npm run pack` first (the npm script does). BENCH_RUNS sets the repetitions (default 15).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Rig } from '../harness/rig.ts';
import { benchAssume, benchSizes } from './assume.ts';
import { baselineScripts, type Baseline } from './baseline.ts';
import { makeContext } from './context.ts';
import { benchEcrLogin, benchRerun } from './ecr.ts';
import { headCommit, machineLine } from '../support/record.ts';
import { renderPage } from './page.ts';
import { emptyResults, missed, renderTables, type Results } from './report.ts';

const DOC = 'docs/benchmarks.md';
const SCRIPTS = resolve('src/orb/scripts');

function runsFromEnv(): number {
  const runs = Number(process.env.BENCH_RUNS ?? 15);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RUNS must be a whole number of at least 1, got "${process.env.BENCH_RUNS}"`);
  return runs;
}

/** Every section against one rig; the rig and the work directory go away afterwards. */
async function runSections(baseline: Baseline, runs: number): Promise<Results> {
  const results = emptyResults();
  const rig = await Rig.start();
  const work = mkdtempSync(join(tmpdir(), 'bench-'));
  try {
    const ctx = await makeContext(rig, work, { now: SCRIPTS, ref: baseline.scripts, refLabel: baseline.label }, runs, results);
    console.log(`bench: measuring new and ${baseline.label} in turns, ${runs} runs each...`);
    await benchAssume(ctx);
    benchSizes(ctx);
    const keys = await benchEcrLogin(ctx);
    await benchRerun(ctx, keys);
  } finally {
    await rig.close();
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const load = loadavg()[0] ?? 0;
  const runs = runsFromEnv();
  const baseline = await baselineScripts();
  console.log(`bench: release ${baseline.label} (${baseline.commit.slice(0, 7)}) ${baseline.origin}`);
  const results = await runSections(baseline, runs);
  const info = {
    head: headCommit(), date: new Date().toISOString().slice(0, 10), machine: machineLine(), runs, seconds: (Date.now() - t0) / 1000, load,
    refLabel: baseline.label, refCommit: baseline.commit, refOrigin: baseline.origin,
  };
  writeFileSync(DOC, renderPage(results, info));
  console.log(`\nMachine: ${info.machine}; load average ${load.toFixed(1)} at the start; ${runs} runs each, medians.\n`);
  console.log(renderTables(results, baseline.label).join('\n'));
  const bad = missed(results);
  console.log(`\nwrote ${DOC}; ${bad.length === 0 ? 'every target met' : `${bad.length} target(s) MISSED: ${bad.map((c) => c.what).join('; ')}`}`);
  if (bad.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  // An error that says its fix is shown alone; any other with its stack.
  const said = err instanceof Error ? (err.message.includes('\n  fix:') ? err.message : err.stack ?? err.message) : String(err);
  console.error(`bench failed: ${said}`);
  process.exitCode = 1;
});
