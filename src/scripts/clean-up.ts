// Entry point of the clean-up orb command.
import { join } from 'node:path';
import { main } from '../lib/main.ts';
import { writeExports } from '../lib/bash-env.ts';
import { manifestPath } from '../lib/job-manifest.ts';
import { stepParams } from '../lib/params.ts';
import { parseParams } from '../commands/clean-up/params.ts';
import { removeEmptyOrbDirs, run } from '../commands/clean-up/run.ts';
import { orbHome, removeFileUnder } from '../commands/clean-up/places.ts';

main('clean-up', async (env, log) => {
  const p = parseParams(stepParams(env), env);
  if (!p.keepRuntime && manifestPath(env)) {
    // The wrapper's loader writes this runtime's code cache when the process exits, after the run below:
    // this listener comes after the loader's, so the cache goes too.
    process.once('exit', () => {
      try {
        removeFileUnder(orbHome(env), join(orbHome(env), 'runtime', 'clean-up.cjs.cache'));
      } catch {
        // a link or something else there: the run has already said what it left
      }
      removeEmptyOrbDirs(env);
    });
  }
  run(p, { env, log, pid: process.pid, writeExports: (entries) => writeExports(env.BASH_ENV, entries) });
});
