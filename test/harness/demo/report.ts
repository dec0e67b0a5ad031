// What the demo prints: the help, a header saying what it set up, each step as it ends (name, status, time, output;
// never the inlined scripts), and the closing line with the leak scan's counts.
import type { StepResult } from '../runner/index.ts';
import { USAGE } from './args.ts';
import type { JobChoice, DemoOrb } from './config.ts';
import { describeRole, type RolesPlan } from './roles.ts';

export const HELP = `${USAGE}

Runs one job of a CircleCI config on this machine with the packed orb (dist/orb.yml) against local stand-ins for
CircleCI's OIDC issuer, STS and ECR (with a registry and docker's engine when a step needs them). Without a config
it runs the orb's example assume-role-and-call-aws.

  config.yml        the config; its aws-oidc orb (<namespace>/aws-oidc@<version>, a URL orb, or inline) is the packed one;
                    an orb example file (src/orb/examples/*.yml) runs its usage:
  --job NAME        the workflow job (or jobs: key) to run; needed when the config has more than one
  --env KEY=VALUE   a project or context variable (repeatable), masked in the output like CircleCI masks it
  --roles FILE      create exactly these roles (YAML: roles: [{arn, branch?, max-session-duration?, assumed-by?,
                    external-id?, trust-policy?}]) instead of the ones the config names
  --branch NAME     the branch the job runs on (its OIDC token's vcs-ref), default main
  --project DIR     what the checkout step copies, default an empty git repository
  --repository NAME an ECR repository to create (repeatable): NAME, ACCOUNT/NAME or <account>.dkr.ecr.<region>.amazonaws.com/NAME

Exit status: 0 when the job succeeds and the leak scan finds nothing, 1 when the job fails or something leaks,
2 for a bad argument or config, or a missing tool. More in README.md, "Trying a config locally".
`;

/** The header: which job, orb, roles and contexts, and the notes on what could not be set up. */
export function header(p: { shownConfig: string; choice: JobChoice; branch: string; orbs: DemoOrb[]; plan: RolesPlan; envKeys: string[]; ecr?: string }): string {
  const where = p.choice.workflow ? ` (workflow ${JSON.stringify(p.choice.workflow)})` : '';
  const lines = [`aws-oidc demo: job ${JSON.stringify(p.choice.name)} of ${p.shownConfig}${where}, on branch ${p.branch}`];
  for (const o of p.orbs) lines.push(`  orb ${o.alias}: ${o.kind === 'inline' ? 'inline, as written in the config' : `${o.ref} runs as the packed dist/orb.yml`}`);
  for (const r of p.plan.roles) lines.push(`  role ${r.arn} admits ${describeRole(r)}`);
  if (p.plan.roles.length === 0 && p.plan.notes.length === 0) lines.push('  no roles: the config names none (an assume-role-with-oidc step will get AccessDenied)');
  if (p.ecr) lines.push(`  ${p.ecr}`);
  for (const c of p.choice.contexts) lines.push(`  context ${c}: not available here; its variables come from --env${p.envKeys.length ? ` (given: ${p.envKeys.join(', ')})` : ''}`);
  for (const n of p.plan.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}

/** A step's name on one line: a multi-line name (a run step's command, when it has no name:) shows its first line and …, as CircleCI's step list does. */
export function stepTitle(name: string): string {
  const lines = name.trim().split('\n');
  return lines.length > 1 ? `${lines[0]!.trimEnd()} …` : lines[0]!;
}

/** One finished step: `▸ name  (status, time)`, then its output indented. */
export function stepReport(s: StepResult): string {
  const status = s.skipped ? 'skipped' : s.exitCode === 0 ? 'ok' : s.exitCode === null ? 'stopped' : `exit ${s.exitCode}`;
  const time = s.skipped ? '' : `, ${(s.durationMs / 1000).toFixed(2)}s`;
  const out = s.output.trim() ? `${s.output.trimEnd().replace(/^/gm, '    ')}\n` : '';
  return `\n▸ ${stepTitle(s.name)}  (${status}${time})\n${out}`;
}

/** The closing line: the job's outcome and the leak scan's counts (never what leaked). */
export function closing(job: string, success: boolean, leaks: number, wideFiles: number): string {
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  return `\njob ${JSON.stringify(job)} ${success ? 'succeeded' : 'failed'}; leak scan: ${n(leaks, 'secret')} in step output or tool arguments, ${n(wideFiles, 'secret file')} readable by others\n`;
}
