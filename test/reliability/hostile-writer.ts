// The writer a kill test interrupts: the orb's own writers of $BASH_ENV (appends), the AWS credentials and config
// files and docker's config.json (atomic replaces of large files), run `count` times. The test imports it to compute
// every state a file may be in, and runs it (bundled) as a child process that it SIGKILLs inside one of its writes
// (kill-inside-write.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeExports } from '../../src/lib/bash-env.ts';
import { writeProfile } from '../../src/lib/aws/files.ts';
import { mergeAuths } from '../../src/commands/ecr-login/docker-config.ts';

export type WriterKind = 'bash-env' | 'aws-files' | 'docker-config';

/** The files a kind writes, relative to its directory. */
export const WRITTEN: Record<WriterKind, string[]> = {
  'bash-env': ['bash_env'],
  'aws-files': ['.aws/credentials', '.aws/config'],
  'docker-config': ['.docker/config.json'],
};

const big = (seed: string, bytes: number) => seed.repeat(Math.ceil(bytes / seed.length)).slice(0, bytes);

/**
 * Writes the files a kind starts from, 0600: large (about 2 MB) for the replaced files, so that every write takes a
 * while; $BASH_ENV is appended to, which takes no longer for a large file, so it starts small.
 */
export function seed(kind: WriterKind, dir: string): void {
  mkdirSync(join(dir, '.aws'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, '.docker'), { recursive: true, mode: 0o700 });
  const opts = { mode: 0o600 };
  if (kind === 'bash-env') writeFileSync(join(dir, 'bash_env'), `export SEED='${big('s', 4096)}'\n`, opts);
  if (kind === 'aws-files') {
    const profiles = Array.from({ length: 4000 }, (_, i) => `[other-${i}]\naws_access_key_id = AKIAOTHER${String(i).padStart(11, '0')}\naws_secret_access_key = ${big('o', 400)}\n`);
    writeFileSync(join(dir, '.aws/credentials'), profiles.join('\n'), opts);
    writeFileSync(join(dir, '.aws/config'), profiles.map((_, i) => `[profile other-${i}]\nregion = eu-west-1\n${'# note\n'.repeat(60)}`).join('\n'), opts);
  }
  if (kind === 'docker-config') {
    const auths = Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`registry-${i}.example`, { auth: big('d', 500) }]));
    writeFileSync(join(dir, '.docker/config.json'), JSON.stringify({ auths }, null, '\t') + '\n', opts);
  }
}

/** The i-th write of a kind (0-based): alternating between two large values, or appending one more block of exports (1 to 6 KB, as a step's). */
export function write(kind: WriterKind, dir: string, i: number): void {
  const value = big(i % 2 === 0 ? 'a' : 'b', 256 << 10);
  if (kind === 'bash-env') writeExports(join(dir, 'bash_env'), { [`V${i}`]: value.slice(0, 1000 + ((i * 761) % 5000)), [`W${i}`]: `${i}` });
  if (kind === 'aws-files') {
    writeProfile({ HOME: dir }, 'deploy', { accessKeyId: `AKIA${i % 2 === 0 ? 'A' : 'B'}`.padEnd(20, '0'), secretAccessKey: value, sessionToken: value }, i % 2 === 0 ? 'ap-northeast-1' : 'us-east-1');
  }
  if (kind === 'docker-config') mergeAuths({}, join(dir, '.docker'), { '111111111111.dkr.ecr.ap-northeast-1.amazonaws.com': { auth: value } });
}

// As a child process: HOSTILE_WRITER=<kind> <dir> <count>; prints "started" before the first write.
if (process.env.HOSTILE_WRITER) {
  const [kind, dir, count] = [process.env.HOSTILE_WRITER as WriterKind, process.argv[2] ?? '.', Number(process.argv[3] ?? '1')];
  process.stdout.write('started\n');
  for (let i = 0; i < count; i++) write(kind, dir, i);
  process.stdout.write('done\n');
}
