// `npm run demo`: one job of a config, run with the packed orb against the rig's stand-ins for CircleCI and AWS.
// Everything it creates (the rig's directories, each job's home and TMPDIR, the registries) is removed when it ends,
// when the job fails, and on Ctrl-C, SIGTERM or SIGHUP (after ending the running step's process group).
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { expandVars } from '../../../src/lib/params.ts';
import { ACCOUNT, ORG_ID, PACKED_ORB, PROD_ACCOUNT, REGION, Rig } from '../rig.ts';
import { startRegistries, type LocalRegistry } from '../registry.ts';
import { endRunningSteps } from '../runner/index.ts';
import { DemoUsageError, type DemoRequest } from './args.ts';
import { configOrExample, loadDemoConfig, selectJob } from './config.ts';
import { jobNeeds, missingTools, orbSteps, type OrbStep, type Probe } from './needs.ts';
import { closing, header, HELP, stepReport } from './report.ts';
import { removeRegistryImages, repositoriesInRunSteps, type RepositoryWish } from './repositories.ts';
import { rolesFromConfig, rolesFromFile, trustDocument, type RolePlan } from './roles.ts';

/** Where the demo writes and looks. */
export interface DemoIo {
  /** The report (stdout). */
  write(s: string): void;
  /** Why the demo cannot run (stderr). */
  error(s: string): void;
  probe: Probe;
  /** The directory paths are shown relative to (where the user ran npm). */
  base: string;
  /**
   * On SIGINT, SIGTERM and SIGHUP end the running step's process group, remove everything and exit 128 + the signal's
   * number (130 for Ctrl-C); the command line does, a test calling runDemo does not.
   */
  handleSignals?: boolean;
}

/** The packed orb's example that `npm run demo` without a config runs, and the role ARN its ${DEPLOY_ROLE_ARN} names. */
const EXAMPLE = 'assume-role-and-call-aws';
const EXAMPLE_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;

function exampleConfig(orbText: string): string {
  const orb = parse(orbText) as { examples?: Record<string, { usage?: object }> };
  const usage = orb.examples?.[EXAMPLE]?.usage;
  if (!usage) throw new DemoUsageError(`dist/orb.yml has no example ${EXAMPLE}: run npm run pack, then try again`);
  return stringify(usage);
}

const tryExpand = (param: string, text: string, vars: Record<string, string>): string | undefined => {
  try { return expandVars(param, text, vars).trim(); } catch { return undefined; }
};

const IMAGE_COMMANDS = ['ecr-login', 'build-and-push', 'push-image', 'promote-image', 'create-manifest-list'];

/** The accounts and region of the registries behind the stand-in ECR, and the repositories the config's image steps name. */
function ecrPlaces(steps: OrbStep[], env: Record<string, string>, roles: RolePlan[], wishes: RepositoryWish[]): { accounts: string[]; region: string; repos: RepositoryWish[] } {
  const value = (s: OrbStep, p: string) => tryExpand(p, s.params[p] ?? '', { ...env, ...s.env }) ?? '';
  const image = steps.filter((s) => IMAGE_COMMANDS.includes(s.command));
  const accounts = new Set(roles.map((r) => r.account));
  for (const s of image) for (const p of ['account-id', 'source-account-id']) if (/^\d{12}$/.test(value(s, p))) accounts.add(value(s, p));
  for (const w of wishes) if (w.account) accounts.add(w.account);
  const regions = [...image, ...steps].map((s) => value(s, 'region')).filter(Boolean);
  for (const w of wishes) if (w.region) regions.push(w.region);
  const region = regions[0] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? REGION;
  const repos = new Set<string>();
  for (const s of image) {
    if (s.command === 'build-and-push' && value(s, 'create-repo') === 'true') continue;
    for (const p of ['repo', 'source-repo']) if (value(s, p)) repos.add(value(s, p));
  }
  return { accounts: accounts.size > 0 ? [...accounts] : [ACCOUNT], region, repos: [...[...repos].map((name) => ({ name })), ...wishes] };
}

/** Creates the planned roles, with the OIDC provider of the rig's issuer in each of their accounts. */
function installRoles(rig: Rig, roles: RolePlan[]): void {
  const withProvider = new Set([ACCOUNT, PROD_ACCOUNT]);
  for (const role of roles) {
    if (!withProvider.has(role.account)) rig.aws.addOidcProvider({ account: role.account, url: rig.issuer.url, clientIds: [ORG_ID] });
    withProvider.add(role.account);
    rig.aws.addRole({ account: role.account, name: role.name, maxSessionDuration: role.maxSessionDuration, trustPolicy: trustDocument(role, (a, ref) => rig.trustPolicy(a, ref)) });
  }
}

/** Runs the demo; resolves with the exit status (0 ok, 1 job failed or leaked, 2 bad input or missing tool). Throws DemoUsageError and the runner's ConfigError. */
export async function runDemo(req: DemoRequest, io: DemoIo): Promise<number> {
  if (req.help) { io.write(HELP); return 0; }
  if (!existsSync(PACKED_ORB)) throw new DemoUsageError('dist/orb.yml is missing: run npm run pack (npm run demo packs first)');
  const orbText = readFileSync(PACKED_ORB, 'utf8');
  const text = req.configPath ? configOrExample(readFileSync(req.configPath, 'utf8')) : exampleConfig(orbText);
  const env = req.configPath || req.env.DEPLOY_ROLE_ARN ? req.env : { ...req.env, DEPLOY_ROLE_ARN: EXAMPLE_ROLE };
  if (!req.configPath) io.write(`# Example "${EXAMPLE}" from the packed orb, run as CircleCI would run job "deploy":\n\n${text.replace(/^/gm, '    ')}\n`);
  const shownConfig = req.configPath ? relative(io.base, req.configPath) || req.configPath : `the example ${EXAMPLE}`;
  const { cfg, orbs } = loadDemoConfig(text, orbText);
  const { choice, job } = selectJob(cfg, req.job, shownConfig);
  const missing = await missingTools(jobNeeds(job, req.projectDir !== undefined), io.probe);
  if (missing.length > 0) {
    for (const line of missing) io.error(`demo: ${line}\n`);
    return 2;
  }
  const steps = orbSteps(job);
  const plan = req.rolesPath ? rolesFromFile(req.rolesPath, relative(io.base, req.rolesPath)) : rolesFromConfig(steps, env);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let rig: Rig | undefined = undefined;
  let stopping: NodeJS.Signals | undefined;
  let registries = new Map<string, LocalRegistry>();
  const cleanUp = async () => {
    await Promise.all([...registries.values()].map((r) => r.close()));
    await rig?.close();
  };
  const stop = () => void endRunningSteps().then(cleanUp).finally(() => process.exit(128 + (constants.signals[stopping!] ?? 2)));
  // Installed before the rig starts: a signal then stops the demo as soon as the rig can be closed.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(128 + (constants.signals[signal] ?? 2)); // a second signal: stop now, cleaned up or not
    stopping = signal;
    io.error(`\ndemo: ${signal}: removing the demo's temporary files\n`);
    if (rig) stop();
  };
  if (io.handleSignals) for (const s of signals) process.on(s, onSignal);
  rig = await Rig.start({ scenarioRoles: false, awsCli: io.probe.which('aws') ?? '/usr/bin/aws' });
  if (stopping) { stop(); return new Promise<number>(() => {}); }
  try {
    installRoles(rig, plan.roles);
    let ecr: string | undefined;
    const wishes = [...req.repositories, ...repositoriesInRunSteps(job)];
    if (jobNeeds(job, true).registry.length > 0 || req.repositories.length > 0) {
      const places = ecrPlaces(steps, env, plan.roles, wishes);
      const elsewhere = wishes.find((w) => w.region && w.region !== places.region);
      if (elsewhere) throw new DemoUsageError(`--repository ${elsewhere.account}.dkr.ecr.${elsewhere.region}.amazonaws.com/${elsewhere.name}: the stand-in ECR is in ${places.region} (the steps' region); give a URI in ${places.region}, or NAME alone`);
      registries = await startRegistries(rig.aws, places.accounts, places.region);
      const shown = new Set<string>();
      for (const w of places.repos) {
        for (const account of w.account ? [w.account] : places.accounts) rig.aws.ensureRepository({ account, region: places.region, name: w.name });
        shown.add(w.account ? `${w.account}/${w.name}` : w.name);
      }
      ecr = `ECR: a registry for account${places.accounts.length > 1 ? 's' : ''} ${places.accounts.join(', ')} in ${places.region}${shown.size ? `, with repositories ${[...shown].join(', ')}` : ''}`;
    }
    io.write(header({ shownConfig, choice, branch: req.branch, orbs, plan, envKeys: Object.keys(env), ...(ecr ? { ecr } : {}) }));
    const result = await rig.runJob(job, {
      env, branch: req.branch, privateTmp: true, onStepEnd: (s) => io.write(stepReport(s)),
      ...(req.projectDir ? { checkoutSource: req.projectDir } : {}),
    });
    const leaks = rig.leaks().length;
    io.write(closing(choice.name, result.success, leaks, rig.wideSecretFiles.length));
    return result.success && leaks === 0 && rig.wideSecretFiles.length === 0 ? 0 : 1;
  } finally {
    if (!stopping) {
      for (const s of signals) process.off(s, onSignal);
      const docker = registries.size > 0 ? io.probe.which('docker') : undefined;
      if (docker) await removeRegistryImages(docker, [...registries.values()].map((r) => r.host));
      await cleanUp();
    }
  }
}
