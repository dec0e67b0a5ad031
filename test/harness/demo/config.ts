// Which orb and job of a user's config the demo runs: the aws-oidc orb, however the config imports it (registry
// reference, URL orb, inline orb), becomes the packed dist/orb.yml; the job is a workflow entry or a key of `jobs:`.
import { expandJob, expandWorkflow, loadConfig, type ExpandedJob, type LoadedConfig } from '../runner/index.ts';
import { isPlainMap } from '../runner/interpolate.ts';
import { parseYaml } from '../runner/scope.ts';
import { isAwsOidcRef } from '../../../tools/inline-orb.ts';
import { closest, editDistance } from '../../../src/commands/cli/usage.ts';
import { stringify } from 'yaml';
import { DemoUsageError } from './args.ts';

/** How the config imports one orb, and what the demo runs for it. */
export interface DemoOrb { alias: string; ref: string; kind: 'registry' | 'url' | 'inline' }

/** A job the demo can run: a workflow entry (with its parameters and contexts) or a key of `jobs:`. */
export interface JobChoice { name: string; job: string; params: Record<string, unknown>; workflow?: string; contexts: string[] }

/**
 * The config in `text`: the text itself, or, for one of the orb's example files (src/orb/examples/*.yml:
 * `description:` and `usage:`, CircleCI's orb example shape), its `usage` as YAML.
 */
export function configOrExample(text: string): string {
  const doc = parseYaml(text, 'config');
  return isPlainMap(doc) && doc.version === undefined && isPlainMap(doc.usage) ? stringify(doc.usage) : text;
}

/**
 * Loads a config for the demo: each top-level orb import of aws-oidc runs the packed orb (`orbText`); an inline orb
 * runs as written. Another registry or URL orb cannot be fetched here: DemoUsageError naming it.
 */
export function loadDemoConfig(text: string, orbText: string): { cfg: LoadedConfig; orbs: DemoOrb[] } {
  const doc = parseYaml(text, 'config');
  const imports = isPlainMap(doc) && isPlainMap(doc.orbs) ? doc.orbs : {};
  const orbs: DemoOrb[] = [];
  const sources: Record<string, string> = {};
  for (const [alias, ref] of Object.entries(imports)) {
    if (isPlainMap(ref)) { orbs.push({ alias, ref: '(inline)', kind: 'inline' }); continue; }
    if (typeof ref !== 'string') continue; // loadConfig refuses it with CircleCI's words
    if (!isAwsOidcRef(ref)) {
      throw new DemoUsageError(`config: orb ${JSON.stringify(ref)} (orbs: ${alias}) cannot be fetched locally; the demo runs the aws-oidc orb only (<namespace>/aws-oidc@<version>, a URL orb ending in /orb.yml, or inline): run a job that does not use ${alias}`);
    }
    sources[ref] = orbText;
    orbs.push({ alias, ref, kind: ref.startsWith('https://') ? 'url' : 'registry' });
  }
  return { cfg: loadConfig(text, { orbs: sources }), orbs };
}

/** The jobs CircleCI would run: every non-approval entry of every workflow (first of a name wins); without workflows, each key of `jobs:`. */
export function jobChoices(cfg: LoadedConfig): JobChoice[] {
  const choices: JobChoice[] = [];
  for (const workflow of Object.keys(cfg.workflows)) {
    for (const e of expandWorkflow(cfg, workflow)) {
      if (e.type === 'approval' || choices.some((c) => c.name === e.name)) continue;
      choices.push({ name: e.name, job: e.job, params: e.params, workflow, contexts: e.context ?? [] });
    }
  }
  if (Object.keys(cfg.workflows).length === 0) for (const job of Object.keys(cfg.root.jobs)) choices.push({ name: job, job, params: {}, contexts: [] });
  return choices;
}

/** The job to run: `wanted` (a choice's name, or any key of `jobs:`), else the only choice; DemoUsageError otherwise. */
export function selectJob(cfg: LoadedConfig, wanted: string | undefined, shownConfig: string): { choice: JobChoice; job: ExpandedJob } {
  const choices = jobChoices(cfg);
  const names = choices.map((c) => c.name).join(', ');
  let choice: JobChoice | undefined;
  if (wanted !== undefined) {
    choice = choices.find((c) => c.name === wanted)
      ?? (Object.hasOwn(cfg.root.jobs, wanted) ? { name: wanted, job: wanted, params: {}, contexts: [] } : undefined);
    // The CLI's closest name, unless it has nothing in common with what was typed (as "a" for "c").
    let near = choice ? undefined : closest(wanted, [...new Set([...choices.map((c) => c.name), ...Object.keys(cfg.root.jobs)])]);
    if (near && editDistance(wanted, near) >= near.length) near = undefined;
    if (!choice) throw new DemoUsageError(`--job ${JSON.stringify(wanted)}: ${shownConfig} has no such job${near ? `; did you mean --job ${near}?` : ''}; its jobs: ${names || '(none)'}`);
  } else if (choices.length === 1) {
    choice = choices[0]!;
  } else {
    throw new DemoUsageError(choices.length === 0
      ? `${shownConfig} has no job to run (no workflow entries and no jobs:); add a job, or check it is the config you meant`
      : `${shownConfig} has ${choices.length} jobs (${names}); choose one with --job NAME, e.g. --job ${choices[0]!.name}`);
  }
  return { choice, job: expandJob(cfg, choice.job, choice.params) };
}
