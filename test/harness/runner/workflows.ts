// Workflow expansion: job entries, matrix, requires, and a topological order.
import { ConfigError } from './types.ts';
import type { LoadedConfig } from './config.ts';
import { topContext } from './config.ts';
import { interpolate, isPlainMap } from './interpolate.ts';
import { inFrame } from './params.ts';
import { expandJob } from './jobs.ts';

/** One job of an expanded workflow. */
export interface WorkflowJob {
  name: string;
  job: string;
  params: Record<string, unknown>;
  requires: string[];
  context?: string[];
  filters?: unknown;
  type?: 'approval';
}

// Keys of a workflow job entry that are not job parameters.
const ENTRY_KEYS = ['requires', 'name', 'context', 'filters', 'matrix', 'type', 'serial-group', 'override-with'];

/** Cartesian product of the matrix parameters, in declaration order, minus `exclude`. */
function combinations(matrix: Record<string, unknown>): Record<string, unknown>[] {
  if (!isPlainMap(matrix.parameters)) throw new ConfigError('matrix needs a parameters map');
  let combos: Record<string, unknown>[] = [{}];
  for (const [k, values] of Object.entries(matrix.parameters)) {
    if (!Array.isArray(values) || values.length === 0) throw new ConfigError(`matrix parameter ${k} must be a non-empty list`);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  }
  const exclude = Array.isArray(matrix.exclude) ? matrix.exclude : [];
  return combos.filter((c) => !exclude.some((ex) => isPlainMap(ex) && Object.entries(ex).every(([k, v]) => c[k] === v)));
}

interface Entry extends WorkflowJob {
  alias: string;
}

function entriesOf(cfg: LoadedConfig, raw: unknown): Entry[] {
  let job: string;
  let opts: Record<string, unknown> = {};
  if (typeof raw === 'string') job = raw;
  else if (isPlainMap(raw) && Object.keys(raw).length === 1) {
    job = Object.keys(raw)[0]!;
    const v = raw[job];
    if (v !== null && v !== undefined && !isPlainMap(v)) throw new ConfigError(`Workflow job ${job} must be given a map`);
    opts = (v ?? {}) as Record<string, unknown>;
  } else throw new ConfigError(`Invalid workflow job entry: ${JSON.stringify(raw)}`);
  const matrix = opts.matrix;
  const combos = matrix === undefined ? [undefined] : combinations(isPlainMap(matrix) ? matrix : {});
  return combos.map((combo) => {
    const ctx = { ...topContext(cfg), ...(combo ? { matrix: combo } : {}) };
    const o = interpolate(opts, ctx) as Record<string, unknown>;
    const params: Record<string, unknown> = { ...(combo ?? {}) };
    for (const [k, v] of Object.entries(o)) if (!ENTRY_KEYS.includes(k)) params[k] = v;
    let name = typeof o.name === 'string' ? o.name : job;
    // CircleCI names matrix jobs <job>-<value>-<value>... unless a name (with << matrix.x >>) is given.
    if (combo && typeof opts.name !== 'string') name = [job, ...Object.values(combo).map(String)].join('-');
    const requires = Array.isArray(o.requires) ? o.requires.map((r) => (isPlainMap(r) ? Object.keys(r)[0]! : String(r))) : [];
    const alias = isPlainMap(matrix) && typeof matrix.alias === 'string' ? matrix.alias : typeof opts.name === 'string' && !combo ? name : job;
    const entry: Entry = { name, job, params, requires, alias };
    if (o.context !== undefined) entry.context = Array.isArray(o.context) ? o.context.map(String) : [String(o.context)];
    if (o.filters !== undefined) entry.filters = o.filters;
    if (o.type === 'approval') entry.type = 'approval';
    return entry;
  });
}

/**
 * Expands a workflow into its jobs in topological order (declaration order among peers).
 * Every non-approval job is also expanded, so config errors surface as CircleCI reports them.
 */
export function expandWorkflow(cfg: LoadedConfig, workflow: string): WorkflowJob[] {
  return inFrame(`Error calling workflow: '${workflow}'`, () => {
    const wf = cfg.workflows[workflow];
    if (!isPlainMap(wf) || !Array.isArray(wf.jobs)) throw new ConfigError(`Cannot find a workflow named ${workflow} with a jobs list`);
    const entries = wf.jobs.flatMap((raw) => entriesOf(cfg, raw));
    const byName = new Map<string, Entry>();
    for (const e of entries) {
      if (byName.has(e.name)) throw new ConfigError(`Duplicate job name ${e.name} in workflow (use name: to tell them apart)`);
      byName.set(e.name, e);
    }
    // A requires may name one job, or a matrix alias standing for all of its instances.
    const problems: string[] = [];
    for (const e of entries) {
      e.requires = e.requires.flatMap((r) => {
        if (byName.has(r)) return [r];
        const all = entries.filter((x) => x.alias === r && x.name !== e.name).map((x) => x.name);
        if (all.length === 0) problems.push(`${e.name}: requires job "${r}" but "${r}" is not part of this workflow.`);
        return all;
      });
    }
    if (problems.length > 0) throw new ConfigError(problems.join('\n'));
    const order: Entry[] = [];
    const done = new Set<string>();
    while (order.length < entries.length) {
      const ready = entries.filter((e) => !done.has(e.name) && e.requires.every((r) => done.has(r)));
      if (ready.length === 0) {
        const stuck = entries.filter((e) => !done.has(e.name)).map((e) => e.name);
        throw new ConfigError(`The following jobs are unreachable: ${stuck.join(', ')}`);
      }
      for (const e of ready) {
        order.push(e);
        done.add(e.name);
      }
    }
    for (const e of order) if (e.type !== 'approval') expandJob(cfg, e.job, e.params);
    return order.map(({ alias: _a, ...rest }) => rest);
  });
}
