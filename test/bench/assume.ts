// The assume-role-with-oidc rows (both runtimes, Node's start-up, the STS round trip and the seed path, all
// in turns) and the inlined bytes of every command, read from both builds.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGION } from '../harness/rig.ts';
import { COMPILED_CONFIG_LIMIT_BYTES, DEFAULT_COMMAND_BUDGET_BYTES } from '../../tools/orb/budget.ts';
import { inlinedBytes, measureCommands } from '../../tools/orb/size.ts';
import { ROLE, ROUND_TRIP_JS, awsCliVersion, script, seedCommand, type Ctx, type Runtime } from './context.ts';
import { measure, timeOnce, type Timed } from './measure.ts';
import { formatValue } from './report.ts';

/** The job's variables for assume-role-with-oidc, in one runtime's HOME. */
export function stepEnv(ctx: Ctx, rt: Runtime): Record<string, string> {
  return {
    ...ctx.common, HOME: rt.home, BASH_ENV: join(rt.dir, 'bash_env'),
    CIRCLE_OIDC_TOKEN_V2: ctx.token, ORB_PARAM_ROLE_ARN: ROLE, ORB_PARAM_REGION: REGION, ORB_PARAM_SESSION_DURATION: '900',
  };
}

/** One run of the step as the orb inlines it, with an empty $BASH_ENV as in a fresh job. */
function assumeStep(ctx: Ctx, rt: Runtime): Timed {
  const env = stepEnv(ctx, rt);
  return () => {
    writeFileSync(env.BASH_ENV!, '');
    return timeOnce('bash', [script(rt, 'assume-role-with-oidc')], env);
  };
}

export async function benchAssume(ctx: Ctx): Promise<void> {
  const { common, token, work } = ctx;
  const m = await measure({
    node: () => timeOnce('node', ['-e', '0'], common),
    roundTrip: () => timeOnce('node', ['-e', ROUND_TRIP_JS], { ...common, ROLE, TOKEN: token }),
    stepNow: assumeStep(ctx, ctx.now),
    stepRef: assumeStep(ctx, ctx.ref),
    seed: () => timeOnce('bash', seedCommand(work), { ...common, TOKEN: token }),
  }, ctx.runs, [['stepNow', 'stepRef']]);
  const rtt = Math.max(0, m.roundTrip - m.node);
  const overhead = { now: m.stepNow - m.node - rtt, ref: m.stepRef - m.node - rtt };
  const speedup = { now: m.seed / m.stepNow, ref: m.seed / m.stepRef };
  const { reference, compared, checks } = ctx.results;
  reference.push(
    { what: 'node -e 0', ms: m.node, note: 'Node start-up alone' },
    { what: 'STS round trip', ms: rtt, note: 'one AssumeRoleWithWebIdentity over node:http, minus node -e 0' },
    { what: 'seed 001 script (AWS CLI + jq + sourced file)', ms: m.seed, note: `Debian's AWS CLI ${awsCliVersion()}, jq` },
  );
  compared.push(
    { what: 'assume-role-with-oidc step', unit: 'ms', now: m.stepNow, ref: m.stepRef, note: 'the inlined script: wrapper, bundle written and loaded, token checks, STS, $BASH_ENV' },
    { what: 'step overhead', unit: 'ms', now: overhead.now, ref: overhead.ref, note: 'step - node -e 0 - STS round trip' },
    { what: 'speed-up over the seed path', unit: 'x', now: speedup.now, ref: speedup.ref, note: 'seed path / step' },
  );
  checks.push(
    { what: 'assume-role-with-oidc at least 4x faster than the seed path', ok: speedup.now >= 4, now: formatValue('x', speedup.now), ref: formatValue('x', speedup.ref) },
    { what: 'its overhead beyond node -e 0 and the STS round trip at most 120 ms', ok: overhead.now <= 120, now: formatValue('ms', overhead.now), ref: formatValue('ms', overhead.ref) },
  );
}

/** Inlined bytes of each generated script of a build, counted as `npm run build` prints them (inlinedBytes). */
function scriptSizes(dir: string): Map<string, number> {
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sh')) : [];
  return new Map(names.map((f) => [f.slice(0, -3), inlinedBytes(readFileSync(join(dir, f), 'utf8'))]));
}

const sizeText = (bytes: number | undefined): string =>
  bytes === undefined ? 'no such command' : `${bytes} bytes, ${Math.floor(COMPILED_CONFIG_LIMIT_BYTES / bytes)} uses`;

export function benchSizes(ctx: Ctx): void {
  const now = scriptSizes(ctx.now.scripts);
  const ref = scriptSizes(ctx.ref.scripts);
  if (now.size === 0) throw new Error(`no generated scripts in ${ctx.now.scripts}: run npm run build (npm run bench packs first)`);
  // The scripts measured here are the ones the packed orb inlines, byte for byte (one build, one count).
  for (const { command, bytes } of measureCommands(readFileSync('dist/orb.yml', 'utf8'))) {
    if (now.get(command) !== bytes) throw new Error(`${command}: ${ctx.now.scripts} inlines ${now.get(command)} bytes but dist/orb.yml ${bytes}: they are from different builds; run npm run pack`);
  }
  const limit = DEFAULT_COMMAND_BUDGET_BYTES;
  for (const command of [...new Set([...now.keys(), ...ref.keys()])].sort()) {
    const n = now.get(command);
    const r = ref.get(command);
    const uses = n === undefined ? '' : `; ${Math.floor(COMPILED_CONFIG_LIMIT_BYTES / n)} uses fit in 8 MB`;
    ctx.results.compared.push({ what: `${command} inlined`, unit: 'bytes', now: n, ref: r, note: `generated script${uses}` });
    if (n !== undefined) {
      ctx.results.checks.push({ what: `${command} inlines at most ${limit / 1024} KiB`, ok: n <= limit, now: sizeText(n), ref: sizeText(r) });
    }
  }
}
