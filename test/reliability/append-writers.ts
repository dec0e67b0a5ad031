// The writers bash-env-appends.test.ts runs as child processes (bundled): the step's real $BASH_ENV writer
// (bashEnvWriter, under main() as a step runs it), the AWS profile writer and docker's config.json writer.
// APPEND_WRITER=<mode>, the rest from the environment; values that stand for secrets come in APPEND_SECRET.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderExports } from '../../src/lib/bash-env.ts';
import { writeProfile } from '../../src/lib/aws/files.ts';
import { mergeAuths } from '../../src/commands/ecr-login/docker-config.ts';
import { main } from '../../src/lib/main.ts';
import { bashEnvWriter } from '../../src/lib/sh-steps.ts';

/** The exports of block i of the blocks mode: three names, values of varied length (up to about 12 KB) that cross page edges. */
export function block(i: number): Record<string, string | null> {
  const fill = 'x'.repeat((i * 997) % 12_000);
  return { [`B${i}_A`]: `block ${i} a ${fill}`, [`B${i}_B`]: `it's block ${i}`, [`B${i}_C`]: i % 5 === 0 ? null : `${i}` };
}

/** The text block i puts in $BASH_ENV. */
export const blockText = (i: number): string => renderExports(block(i));

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Waits until every name in APPEND_BARRIER (space separated files) exists, so that writers start together. */
function barrier(): void {
  const files = (process.env.APPEND_BARRIER ?? '').split(' ').filter(Boolean);
  const until = Date.now() + 30_000;
  while (!files.every((f) => existsSync(f))) {
    if (Date.now() > until) throw new Error(`barrier: ${files.join(' ')} did not all appear within 30 s`);
    sleep(2);
  }
}

/** The modes that write AWS or docker files; they throw what the writer threw. */
function writeFiles(mode: string, env: NodeJS.ProcessEnv): void {
  const secret = env.APPEND_SECRET ?? '';
  const home = env.HOME ?? '.';
  if (mode === 'profiles') {
    writeFileSync(join(home, `ready-${env.APPEND_NAME ?? ''}`), '');
    barrier();
    for (let i = 0; i < Number(env.APPEND_COUNT ?? '1'); i++) {
      writeProfile(env, `${env.APPEND_NAME ?? ''}-${i}`, { accessKeyId: `ASIA${String(i).padStart(16, '0')}`, secretAccessKey: `${secret}-${i}`, sessionToken: `token-${i}` }, 'eu-west-1');
    }
  }
  if (mode === 'profile') writeProfile(env, 'deploy', { accessKeyId: 'ASIA0000000000000000', secretAccessKey: secret, sessionToken: secret }, 'eu-west-1');
  if (mode === 'docker-config') mergeAuths(env, join(home, '.docker'), { '111111111111.dkr.ecr.eu-west-1.amazonaws.com': { auth: secret } });
}

const mode = process.env.APPEND_WRITER;
if (mode === 'blocks' || mode === 'bash-env') {
  // As a step writes: main() runs the body and prints a failure as the step does (exit status 1).
  main('assume-role-with-oidc', async (env, log) => {
    const write = bashEnvWriter(env, log);
    if (mode === 'bash-env') write({ AWS_SECRET_ACCESS_KEY: env.APPEND_SECRET ?? '' });
    else for (let i = 0; i < Number(env.APPEND_COUNT ?? '1'); i++) write(block(i));
  });
} else if (mode) {
  try {
    writeFiles(mode, process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
