// Named profiles in the AWS shared config and credentials files, as the AWS CLI and SDKs read them.
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
import { join } from 'node:path';
import { OrbError } from '../errors.ts';
import { readIfExists, writeFileAtomic } from '../files.ts';
import { recordWritten } from '../job-manifest.ts';
import type { Env } from '../params.ts';

/** Where the two files are: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/. */
export function awsFilePaths(env: Env): { credentials: string; config: string } {
  const dir = join(env.HOME || '.', '.aws');
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(dir, 'credentials'),
    config: env.AWS_CONFIG_FILE || join(dir, 'config'),
  };
}

/** The `key = value` pairs of one [section] of an INI text; undefined when there is no such section. */
export function iniSection(text: string, header: string): Record<string, string> | undefined {
  let inside = false;
  let found: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const h = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (h) {
      inside = h[1] === header;
      if (inside) found ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (inside && found && eq > 0) found[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return found;
}

/** The config file's section header of a profile: [default], or [profile <name>] for the others. */
export const configSection = (profile: string): string => (profile === 'default' ? 'default' : `profile ${profile}`);

/** One setting of a profile in the config file (e.g. its region), or undefined. */
export function profileSetting(env: Env, profile: string, key: string): string | undefined {
  return iniSection(readIfExists(awsFilePaths(env).config), configSection(profile))?.[key];
}

/** Replaces (or appends) one [section] of an INI text, keeping every other line as it was. */
export function setIniSection(text: string, header: string, values: Readonly<Record<string, string>>): string {
  for (const [k, v] of Object.entries(values)) {
    if (/[\r\n]/.test(k + v)) throw new OrbError(`refusing to write ${k} for ${header}: the value has a line break`);
  }
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const isHeader = (l: string) => /^\s*\[.*\]\s*$/.test(l);
  const start = lines.findIndex((l) => l.trim() === `[${header}]`);
  const body = Object.entries(values).map(([k, v]) => `${k} = ${v}`);
  if (start === -1) {
    if (lines.length > 0 && lines.at(-1) !== '') lines.push('');
    return [...lines, `[${header}]`, ...body].join('\n') + '\n';
  }
  let end = start + 1;
  while (end < lines.length && !isHeader(lines[end] as string)) end++;
  // Keep a blank line that separated this section from the next one.
  const tail = end < lines.length && lines[end - 1]?.trim() === '' ? [''] : [];
  return [...lines.slice(0, start + 1), ...body, ...tail, ...lines.slice(end)].join('\n') + '\n';
}

/** A profile's credentials: session keys, or a credential_process command line. */
export type ProfileSource = { accessKeyId: string; secretAccessKey: string; sessionToken: string } | { credentialProcess: string };

/**
 * Writes one profile into the two files, each atomically and 0600. Keys go to the credentials file;
 * a credential_process goes to the config file, and the profile's keys are then emptied, since
 * keys in the credentials file would win over it. Both sections go in the job's manifest (for clean-up).
 */
export function writeProfile(env: Env, profile: string, source: ProfileSource, region: string): { credentials: string; config: string } {
  const paths = awsFilePaths(env);
  const keys = 'credentialProcess' in source ? {} : {
    aws_access_key_id: source.accessKeyId, aws_secret_access_key: source.secretAccessKey, aws_session_token: source.sessionToken,
  };
  const configHeader = configSection(profile);
  recordWritten(env, [['ini', paths.credentials, profile], ['ini', paths.config, configHeader]]);
  writeFileAtomic(paths.credentials, setIniSection(readIfExists(paths.credentials), profile, keys));
  const config = 'credentialProcess' in source ? { region, credential_process: source.credentialProcess } : { region };
  writeFileAtomic(paths.config, setIniSection(readIfExists(paths.config), configHeader, config));
  return paths;
}
