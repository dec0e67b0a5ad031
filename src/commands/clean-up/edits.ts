// Taking the orb's entries out of files it shares with others: [sections] of the AWS config and credentials
// files, entries of docker's config.json, keys of the orb's JSON maps. Everything else in them is kept as it was.
import { lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { withFileLock } from '../../lib/aws/files.ts';
import { writeFileAtomic } from '../../lib/files.ts';
import { Refused } from './places.ts';

/** The text of `path`, undefined when it does not exist; a link or anything but a regular file is Refused. */
function readRegular(path: string): string | undefined {
  try {
    const st = lstatSync(path);
    if (!st.isFile()) throw new Refused(`${path} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; clean-up edits no file through a link`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return readFileSync(path, 'utf8');
}

/** Writes `text` back (atomically, 0600), or removes the file when nothing is left in it. */
function writeBack(path: string, text: string, empty: boolean): void {
  if (empty) unlinkSync(path);
  else writeFileAtomic(path, text);
}

/**
 * Removes the [sections] named by `headers` (as the writer wrote them, e.g. `profile deploy` or `deploy`) from
 * an INI text: the first section of each name, from its header to the next header, and the blank line that
 * setIniSection (src/lib/aws/files.ts) put before a section it appended. Returns the text and the headers found.
 */
export function removeIniSections(text: string, headers: readonly string[]): { text: string; removed: string[] } {
  let lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const removed: string[] = [];
  const isHeader = (l: string) => /^\s*\[.*\]\s*$/.test(l);
  for (const header of headers) {
    const start = lines.findIndex((l) => l.trim() === `[${header}]`);
    if (start === -1) continue;
    let end = start + 1;
    while (end < lines.length && !isHeader(lines[end] as string)) end++;
    // The section was the last one: the blank line before it separated it from the one before.
    const from = end === lines.length && start > 0 && lines[start - 1]?.trim() === '' ? start - 1 : start;
    lines = [...lines.slice(0, from), ...lines.slice(end)];
    removed.push(header);
  }
  return { text: lines.length === 0 ? '' : `${lines.join('\n')}\n`, removed };
}

/**
 * Removes the sections `headers` from the AWS config or credentials file `path`, holding the file's lock as the
 * profile writers do (withFileLock), so a step writing another profile at the same moment keeps it; the file goes
 * when nothing is left in it.
 */
export function cleanIniFile(path: string, headers: readonly string[]): string[] {
  if (readRegular(path) === undefined) return [];
  return withFileLock(path, () => {
    const text = readRegular(path);
    if (text === undefined) return [];
    const out = removeIniSections(text, headers);
    if (out.removed.length > 0) writeBack(path, out.text, out.text.trim() === '');
    return out.removed;
  });
}

type Json = Record<string, unknown>;

function readJsonObject(path: string, what: string): Json | undefined {
  const text = readRegular(path);
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  } catch {
    // refused below
  }
  throw new Refused(`${what} ${path} is not a JSON object; its entries were left alone`);
}

/**
 * Removes from docker's config.json the credHelpers entries that still name `helper` and the auths entries the
 * orb's logins made. The file goes when only empty auths/credHelpers are left (the orb made it); an empty
 * credHelpers is dropped. Returns the hosts taken off each.
 */
export function cleanDockerConfig(path: string, entries: readonly { key: 'credHelpers' | 'auths'; host: string }[], helper: string): { credHelpers: string[]; auths: string[] } {
  const done = { credHelpers: [] as string[], auths: [] as string[] };
  const cfg = readJsonObject(path, 'the docker config');
  if (!cfg) return done;
  for (const { key, host } of entries) {
    const map = cfg[key];
    if (!map || typeof map !== 'object' || !Object.hasOwn(map, host)) continue;
    // A host that a later step pointed at another helper is no longer the orb's.
    if (key === 'credHelpers' && (map as Json)[host] !== helper) continue;
    delete (map as Json)[host];
    done[key].push(host);
  }
  if (done.credHelpers.length + done.auths.length === 0) return done;
  const isEmpty = (v: unknown) => v !== null && typeof v === 'object' && Object.keys(v).length === 0;
  if (isEmpty(cfg.credHelpers)) delete cfg.credHelpers;
  const rest = Object.entries(cfg).filter(([k, v]) => !(k === 'auths' && isEmpty(v)));
  writeBack(path, `${JSON.stringify(cfg, null, '\t')}\n`, rest.length === 0);
  return done;
}

/** Removes `keys` from one of the orb's JSON maps (~/.aws-oidc/ecr/*.json); the file goes when it is empty. Returns the keys removed. */
export function cleanJsonMap(path: string, keys: readonly string[]): string[] {
  const map = readJsonObject(path, 'the orb\'s map');
  if (!map) return [];
  const removed = keys.filter((k) => Object.hasOwn(map, k));
  for (const k of removed) delete map[k];
  if (removed.length > 0) writeBack(path, `${JSON.stringify(map, null, 2)}\n`, Object.keys(map).length === 0);
  return removed;
}
