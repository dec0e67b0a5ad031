// Semantic checks on usage examples (SEM008, SEM009, SEM003 and the string checks): each example must
// import our orb, use it, and call our commands, jobs and executors the way CircleCI would accept.
import { at } from './findings.ts';
import type { Finding } from './findings.ts';
import { BUILTIN_STEPS, checkArgs, walkSteps } from './invocation.ts';
import type { Component, OrbModel } from './model.ts';
import { checkStrings } from './semantic.ts';
import { isMap } from './source.ts';

// Keys of a workflow job entry that configure the workflow, not the job's parameters.
const WORKFLOW_JOB_KEYS = new Set(['name', 'requires', 'context', 'filters', 'matrix', 'type', 'pre-steps', 'post-steps', 'serial-group', 'override-with']);
const KIND_WORD = { commands: 'command', jobs: 'job', executors: 'executor' } as const;

interface Ctx {
  c: Component;
  model: OrbModel;
  ours: Set<string>;
  imported: Set<string>;
  used: { count: number };
  out: Finding[];
}

/** Our aliases in a usage `orbs:` map: entries whose reference is `<namespace>/<orbName>@<version>`. */
export function aliasesFor(orbs: unknown, orbName: string): Set<string> {
  const out = new Set<string>();
  if (!isMap(orbs)) return out;
  for (const [alias, ref] of Object.entries(orbs)) {
    if (typeof ref === 'string' && ref.split('@')[0]?.split('/')[1] === orbName) out.add(alias);
  }
  return out;
}

/** Checks `alias/name` against our components of one kind; returns the component when it is ours and exists. */
function ours(ctx: Ctx, kind: 'commands' | 'jobs' | 'executors', ref: string, path: (string | number)[]): Component | undefined {
  const [alias, name] = ref.split('/', 2);
  if (name === undefined || alias === undefined) return undefined;
  if (!ctx.imported.has(alias)) {
    ctx.out.push({ rule: 'SEM009', where: at(ctx.c.file, path), message: `'${ref}' uses orb alias '${alias}', which usage.orbs does not import` });
    return undefined;
  }
  if (!ctx.ours.has(alias)) return undefined;
  ctx.used.count += 1;
  const target = ctx.model.byKind[kind].get(name);
  if (!target) ctx.out.push({ rule: 'SEM009', where: at(ctx.c.file, path), message: `the orb has no ${KIND_WORD[kind]} '${name}' (used as '${ref}')` });
  return target;
}

function checkExecutorRef(ctx: Ctx, ref: unknown, path: (string | number)[]): void {
  const name = typeof ref === 'string' ? ref : isMap(ref) ? ref['name'] : undefined;
  if (typeof name !== 'string') return;
  const target = ours(ctx, 'executors', name, path);
  if (!target) return;
  const args = isMap(ref) ? Object.fromEntries(Object.entries(ref).filter(([k]) => k !== 'name')) : {};
  ctx.out.push(...checkArgs({ rule: 'SEM003', file: ctx.c.file, path, target: `executor '${name}'`, params: target.params, args }));
}

function checkStepList(ctx: Ctx, steps: unknown, path: (string | number)[]): void {
  walkSteps(steps, path, (step) => {
    if (BUILTIN_STEPS.has(step.name)) return;
    const target = ours(ctx, 'commands', step.name, step.path);
    if (target) ctx.out.push(...checkArgs({ rule: 'SEM003', file: ctx.c.file, path: step.path, target: `command '${step.name}'`, params: target.params, args: step.args }));
  });
}

function checkWorkflowJob(ctx: Ctx, entry: unknown, path: (string | number)[], userJobs: Set<string>): void {
  const [name, value] = typeof entry === 'string' ? [entry, {}] : isMap(entry) ? (Object.entries(entry)[0] ?? []) : [];
  if (typeof name !== 'string') return;
  const args = isMap(value) ? value : {};
  const p = typeof entry === 'string' ? path : [...path, name];
  for (const hook of ['pre-steps', 'post-steps']) checkStepList(ctx, args[hook], [...p, hook]);
  if (!name.includes('/')) {
    if (!userJobs.has(name)) ctx.out.push({ rule: 'SEM009', where: at(ctx.c.file, p), message: `workflow job '${name}' is neither defined under usage.jobs nor taken from an orb` });
    return;
  }
  const target = ours(ctx, 'jobs', name, p);
  if (!target) return;
  const matrix = isMap(args['matrix']) && isMap(args['matrix']['parameters']) ? Object.keys(args['matrix']['parameters']) : [];
  ctx.out.push(...checkArgs({ rule: 'SEM003', file: ctx.c.file, path: p, target: `job '${name}'`, params: target.params, args, reserved: WORKFLOW_JOB_KEYS, provided: new Set(matrix) }));
  for (const [key, v] of Object.entries(args)) {
    if (target.params[key]?.type === 'executor') checkExecutorRef(ctx, v, [...p, key]);
  }
}

/** Checks one example's usage: imports, resolution and arguments. */
function checkExample(c: Component, model: OrbModel, orbName: string): Finding[] {
  const out = checkStrings(c, '');
  const usage = c.data['usage'];
  if (!isMap(usage)) return out; // the schema reports a missing usage
  const ctx: Ctx = { c, model, ours: aliasesFor(usage['orbs'], orbName), imported: new Set(isMap(usage['orbs']) ? Object.keys(usage['orbs']) : []), used: { count: 0 }, out };
  const base = [...c.base, 'usage'];
  if (ctx.ours.size === 0) {
    out.push({ rule: 'SEM008', where: at(c.file, [...base, 'orbs']), message: `usage does not import the orb (expected an entry like '<alias>: <namespace>/${orbName}@<version>')` });
    return out;
  }
  const jobs = isMap(usage['jobs']) ? usage['jobs'] : {};
  for (const [name, job] of Object.entries(jobs)) {
    if (!isMap(job)) continue;
    checkStepList(ctx, job['steps'], [...base, 'jobs', name, 'steps']);
    if ('executor' in job) checkExecutorRef(ctx, job['executor'], [...base, 'jobs', name, 'executor']);
  }
  const workflows = isMap(usage['workflows']) ? usage['workflows'] : {};
  for (const [wf, body] of Object.entries(workflows)) {
    if (!isMap(body) || !Array.isArray(body['jobs'])) continue;
    body['jobs'].forEach((entry, i) => checkWorkflowJob(ctx, entry, [...base, 'workflows', wf, 'jobs', i], new Set(Object.keys(jobs))));
  }
  if (ctx.used.count === 0) {
    out.push({ rule: 'SEM008', where: at(c.file, base), message: `usage imports the orb as '${[...ctx.ours].join("', '")}' but never uses it` });
  }
  return out;
}

/** Runs the example checks over every example. */
export function checkExamples(model: OrbModel, orbName: string): Finding[] {
  return [...model.byKind.examples.values()].flatMap((c) => checkExample(c, model, orbName));
}
