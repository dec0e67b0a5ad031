// The wiring check: for every command and job of the orb, the parameters its YAML declares, the
// ORB_PARAM_* variables its run step passes in `environment:`, and what its runtime reads (found statically
// in the TypeScript of its entry, src/scripts/<script>.ts for `<<include(scripts/<script>.sh)>>`, and in
// the bash wrapper around it) must agree. Rules (WIRE001/002/006/007 are in wiring-steps.ts):
//   WIRE002  the run step passes ORB_PARAM_X, but the command declares no parameter x
//   WIRE003  the run step passes ORB_PARAM_X, but the runtime never reads it
//   WIRE004  the runtime reads ORB_PARAM_X, but the run step does not pass it
//   WIRE005  cannot check: a parameter name the runtime builds from something other than a literal, or a
//            runtime entry that does not exist (an error, so the check is never fooled in silence)
//   WIRE006  ORB_PARAM_X carries something other than `<< parameters.x >>`
import path from 'node:path';
import { at } from './findings.ts';
import type { Finding } from './findings.ts';
import { parseInclude } from './include.ts';
import { walkSteps } from './invocation.ts';
import type { Component, OrbModel } from './model.ts';
import { isMap } from './source.ts';
import { loadRuntime, type RuntimeProgram } from './runtime-program.ts';
import { readsOfEntry, type RuntimeReads } from './runtime-reads.ts';
import { checkDeclaredAgainstUsed, checkPassingOn, componentLabel, exactParamRef } from './wiring-steps.ts';
import { wrapperReads } from './wrapper-reads.ts';

/** The wiring rules, in order, for the CLI's summary. */
export const WIRING_RULES = ['WIRE001', 'WIRE002', 'WIRE003', 'WIRE004', 'WIRE005', 'WIRE006', 'WIRE007'] as const;

/** The runtime entries of generated scripts: `scripts/<name>.sh` is built from `src/scripts/<name>.ts`. */
export const ENTRY_DIR = 'src/scripts';

/** The variable CircleCI's run step gets for a parameter: role-arn -> ORB_PARAM_ROLE_ARN. */
export function envNameOf(param: string): string {
  return `ORB_PARAM_${param.toUpperCase().replace(/-/g, '_')}`;
}

/** A run step whose command includes a generated script, with its environment. */
interface RuntimeStep {
  path: (string | number)[];
  script: string;
  env: Record<string, unknown>;
}

function runtimeSteps(c: Component): RuntimeStep[] {
  const out: RuntimeStep[] = [];
  walkSteps(c.data['steps'], [...c.base, 'steps'], (step) => {
    const command = step.name === 'run' ? step.args['command'] : undefined;
    if (typeof command !== 'string') return;
    let target: string | null = null;
    try {
      target = parseInclude(command);
    } catch {
      return; // SEM006 reports it
    }
    const script = target === null ? undefined : /^scripts\/([\w.-]+)\.sh$/.exec(target)?.[1];
    if (script) out.push({ path: step.path, script, env: isMap(step.args['environment']) ? step.args['environment'] : {} });
  });
  return out;
}

/** Lazily built views of the runtime: the compiled sources and the wrapper's reads. */
class Runtime {
  private program: RuntimeProgram | undefined;
  private wrapper: RuntimeReads | undefined;
  constructor(readonly projectRoot: string) {}
  /** What the entry of `scripts/<script>.sh` and the wrapper read for one step, or undefined without an entry. */
  readsFor(script: string, stepEnv: Record<string, string>): RuntimeReads | undefined {
    this.program ??= loadRuntime(this.projectRoot);
    const entry = this.program.program.getSourceFile(path.join(this.program.srcRoot, 'scripts', `${script}.ts`));
    if (!entry) return undefined;
    this.wrapper ??= wrapperReads(this.projectRoot);
    const own = readsOfEntry(this.program, entry, stepEnv);
    return { reads: [...own.reads, ...this.wrapper.reads], unchecked: [...own.unchecked, ...this.wrapper.unchecked] };
  }
}

function checkEnvKeys(c: Component, step: RuntimeStep, read: Map<string, string>): Finding[] {
  const out: Finding[] = [];
  const label = componentLabel(c);
  const byEnv = new Map(Object.keys(c.params).map((p) => [envNameOf(p), p]));
  for (const [key, value] of Object.entries(step.env)) {
    if (!key.startsWith('ORB_PARAM_')) continue;
    const where = at(c.file, [...step.path, 'environment', key]);
    const param = byEnv.get(key);
    if (param === undefined) out.push({ rule: 'WIRE002', where, message: `${label} passes ${key} to its runtime, but declares no parameter for it` });
    else if (exactParamRef(value) !== param) out.push({ rule: 'WIRE006', where, message: `${label} passes ${JSON.stringify(value)} as ${key}; it must carry '<< parameters.${param} >>'` });
    if (!read.has(key)) out.push({ rule: 'WIRE003', where, message: `${label} passes ${key}${param ? ` (parameter '${param}')` : ''}, but its runtime (src/scripts/${step.script}.ts and the wrapper) never reads it` });
  }
  return out;
}

function checkRuntimeStep(c: Component, step: RuntimeStep, runtime: Runtime): Finding[] {
  const label = componentLabel(c);
  const stepEnv = Object.fromEntries(Object.entries(step.env).filter(([k, v]) => !k.startsWith('ORB_PARAM_') && typeof v === 'string')) as Record<string, string>;
  const found = runtime.readsFor(step.script, stepEnv);
  if (!found) {
    return [{ rule: 'WIRE005', where: at(c.file, [...step.path, 'command']), message: `cannot check ${label}: it includes scripts/${step.script}.sh, but there is no runtime entry ${ENTRY_DIR}/${step.script}.ts` }];
  }
  const read = new Map<string, string>();
  for (const r of found.reads) if (!read.has(r.envName)) read.set(r.envName, r.where);
  const out = checkEnvKeys(c, step, read);
  for (const [envName, where] of read) {
    if (envName in step.env) continue;
    out.push({ rule: 'WIRE004', where: at(c.file, [...step.path, 'environment']), message: `${label}'s runtime reads ${envName} (${where}), but the run step does not pass it; declare the parameter and pass it as ${envName}` });
  }
  for (const u of found.unchecked) out.push({ rule: 'WIRE005', where: u.where, message: `${label} (${c.file}): ${u.message}` });
  return out;
}

/** Options of the wiring check: the project root holds src/scripts/ (the runtime entries) and tools/wrapper.ts. */
export interface WiringOptions {
  projectRoot: string;
}

/** Runs WIRE001-WIRE007 on every command, job and executor of the orb. */
export function checkWiring(model: OrbModel, opts: WiringOptions): Finding[] {
  const runtime = new Runtime(opts.projectRoot);
  const out: Finding[] = [];
  for (const c of model.components) {
    if (c.kind === 'examples') continue;
    const steps = c.kind === 'commands' ? runtimeSteps(c) : [];
    out.push(...checkDeclaredAgainstUsed(c, steps.length > 0));
    if (c.kind !== 'executors') out.push(...checkPassingOn(c, model));
    for (const step of steps) out.push(...checkRuntimeStep(c, step, runtime));
  }
  return out;
}
