// Reading the job's manifest (written by the steps through src/lib/job-manifest.ts): taken out of the writers'
// way first, so a step that writes while clean-up runs starts a new manifest instead of losing its line.
import { lstatSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OrbError } from '../../lib/errors.ts';
import { readIfExists } from '../../lib/files.ts';
import { manifestPath, type Written } from '../../lib/job-manifest.ts';
import type { Env } from '../../lib/params.ts';

/** The records of a manifest, each once, and the (1-based) numbers of the lines that are not a record clean-up knows. */
export interface ManifestRecords { entries: Written[]; bad: number[] }

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '' && !v.includes('\0');

/** Whether one parsed line is a record of a known kind with fields of the right shape (src/lib/job-manifest.ts, Written). */
function isWritten(v: unknown): v is Written {
  if (!Array.isArray(v) || !v.every(isText)) return false;
  const [kind, a, b, c] = v as string[];
  switch (kind) {
    case 'ini': return v.length === 3 && !/[\r\n]/.test(b ?? '');
    case 'docker': return v.length === 4 && (b === 'credHelpers' || b === 'auths') && c !== undefined;
    case 'map': return v.length === 3;
    case 'file': return v.length === 2;
    case 'export': return v.length === 2 && /^AWS_[A-Za-z0-9_]*$/.test(a ?? '');
    case 'runtime': return v.length === 2 && /^[a-z0-9-]+$/.test(a ?? '');
    case 'node': return v.length === 2 && /^\d{1,4}\.\d{1,4}\.\d{1,4}$/.test(a ?? '');
    default: return false;
  }
}

/** Parses manifest text: one JSON array a line; repeated records count once, in the order first seen. */
export function parseManifest(text: string): ManifestRecords {
  const seen = new Set<string>();
  const out: ManifestRecords = { entries: [], bad: [] };
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      v = undefined;
    }
    if (!isWritten(v)) {
      out.bad.push(i + 1);
      continue;
    }
    const key = JSON.stringify(v);
    if (!seen.has(key)) out.entries.push(v);
    seen.add(key);
  }
  return out;
}

/** Refuses a manifest that is a symbolic link, not a regular file, or another user's: its lines would name what to remove. */
function checkedManifest(path: string): void {
  const st = lstatSync(path);
  if (!st.isFile() || st.uid !== (process.getuid?.() ?? st.uid)) {
    throw new OrbError(`refusing to read the job's manifest ${path}: it is not a regular file of this user (a symbolic link?)`,
      `remove ${path}; what the job wrote is then not known to clean-up, so check ~/.aws-oidc, ~/.aws and docker's config.json by hand`);
  }
}

/**
 * Moves this job's manifest aside and returns the text of every manifest of the job (the one just taken, and
 * any that a clean-up stopped half-way left) with `done` to remove them once what they name is removed.
 * undefined when the job has no manifest: nothing was recorded, or an earlier clean-up took it.
 */
export function takeManifests(env: Env, pid: number): { text: string; done(): void } | undefined {
  const path = manifestPath(env);
  if (!path) return undefined;
  const taken = `${path}.clean-up-${pid}`;
  try {
    checkedManifest(path);
    renameSync(path, taken);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let names: string[];
  try {
    names = readdirSync(dirname(path)).filter((n) => n.startsWith(`${basename(path)}.clean-up-`)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (names.length === 0) return undefined;
  const files = names.map((n) => join(dirname(path), n));
  for (const f of files) checkedManifest(f);
  return { text: files.map((f) => readIfExists(f)).join('\n'), done: () => { for (const f of files) unlinkSync(f); } };
}
