// docs/benchmarks.md, written by `npm run bench` from its results: what is measured and how, the run's
// commit and machine, the tables, and what made release 0.1.0 (the reference column) small and fast.
import { runLine } from '../support/record.ts';
import { renderTables, type Results } from './report.ts';

/** Where and when the run happened. */
export interface RunInfo {
  head: string; date: string; machine: string; runs: number; seconds: number;
  /** The 1-minute load average when the run started: other work on the machine moves the medians. */
  load: number;
  refLabel: string; refCommit: string; refOrigin: string;
}

function howMeasured(ref: string): string[] {
  return [
    'How the rows are measured:',
    `- **new** is the runtime of this checkout (\`npm run pack\` builds it first); **${ref}** is release ${ref}'s`,
    '  lean runtime, built from git by the bench itself. Every measurement runs both, and the rows they share,',
    '  in turns against one rig: the two runtimes\' runs always next to each other, in flipping order (A B,',
    '  then B A), with the same job variables; each runtime only has its own HOME, `$BASH_ENV` and results',
    `  directory, so neither reads what the other wrote. \`new / ${ref}\` is the ratio of the two medians:`,
    '  below 1 the new runtime is faster or smaller. Other work on the machine moves every median (see the',
    '  load average below), and the two columns alike, so the ratio is the steadier number.',
    '- **node -e 0**: Node\'s start-up alone.',
    '- **STS round trip**: a fresh `node` that sends one AssumeRoleWithWebIdentity over `node:http`, minus',
    '  `node -e 0`.',
    '- **seed 001 script**: the seed\'s script unchanged, with Debian\'s AWS CLI v2 behind the same small',
    '  `aws` wrapper the rig uses (this CLI version predates `AWS_ENDPOINT_URL_<SERVICE>`, so the wrapper',
    '  adds `--endpoint-url`), plus `source` of the file it writes.',
    '- **assume-role-with-oidc step**: the generated script as the orb inlines it, run by bash with the',
    '  job\'s variables: the wrapper\'s Node check, the bundle written to `~/.aws-oidc/runtime` and loaded,',
    '  the token read and checked, STS, and the exports appended to `$BASH_ENV`.',
    '- **step overhead**: step − `node -e 0` − STS round trip, i.e. what the step costs beyond starting Node',
    '  and the one network call it cannot avoid: the wrapper, writing and loading the bundle, the token',
    '  checks and the exports. The overhead target is on this number.',
    '- **inlined**: the bytes of each generated script, which the orb inlines at every use of the command',
    '  (CircleCI refuses compiled configs over 8 MB).',
    '- **ecr-login**: with the session keys of an assumed role, for one registry and for five (one',
    '  GetAuthorizationToken call either way), credential-helper mode.',
    '- **build-and-push re-run**: `skip-when-tags-exist: true` after a first push of both tags; a `docker`',
    '  shim counts docker calls during the re-runs.',
  ];
}

function whatMadeItFast(ref: string): string[] {
  return [
    `## What made ${ref} small and fast (the reference column)`,
    '- **No AWS SDK in the steps.** The naive bundle of `@aws-sdk/client-sts` alone made the step 336 KB',
    `  inlined and slow to load. Release ${ref} made its few calls (STS query API, ECR JSON API) with the`,
    '  project\'s own SigV4 signer, checked against the SDK\'s signer in a unit test and against the strict',
    '  local AWS in every e2e test. Each command was 33–39 KB inlined.',
    '- **One bundle per command**, minified CJS for Node 18+, written once per step to the job\'s home.',
    '- **Five registries in one call**: ecr-login asks ECR for all registry ids of one identity at once,',
    '  so five cost what one does.',
    '- **The skip path does no docker work**: three AWS calls (GetCallerIdentity, DescribeRepositories,',
    '  BatchGetImage) decide that every tag is there.',
    '',
    'The size budgets are tests too: `test/orb/size.test.ts` fails when any command of the packed orb inlines',
    'more than 120 KiB, and `npm run check` (SIZE) reports each command\'s bytes and uses per 8 MB.',
  ];
}

/** The whole page. */
export function renderPage(r: Results, info: RunInfo): string {
  const ref = info.refLabel;
  return [
    '# Benchmarks',
    '',
    '`npm run bench` packs the orb, starts the test rig (local STS and ECR, OIDC issuer, a local registry',
    'and the docker engine) and measures, side by side, the orb\'s steps as this checkout builds them',
    `(**new**), release ${ref}'s steps (**${ref}**), and the path of seed 001 (the shell script that calls the`,
    'AWS CLI and jq, then sources the file it wrote). Each command runs 15 times in turns (`BENCH_RUNS`',
    'changes that; the re-run rows at most 7); the tables show medians. The run ends with the targets of the',
    'speed-and-size issue, judged on the new runtime, and exits 1 when one is missed. The bench writes this',
    'page: do not edit it by hand.',
    '',
    `Release ${ref} is commit \`${info.refCommit}\` (the repository has no tags),`,
    'built from git: its tree is exported with `git archive` to a temporary directory (removed afterwards,',
    'also on failure), given the current `node_modules` when its lockfile is the same (else',
    '`npm ci --offline`), built with its own `npm run build`, and its generated scripts are kept under',
    '`.tmp/bench-0.1.0/<commit>/` for later runs. A clone without that commit (a shallow one) makes the',
    'bench fail and say so.',
    '',
    ...howMeasured(ref),
    '',
    '## Latest run',
    '',
    runLine({ date: info.date, commit: info.head, seconds: info.seconds, machine: info.machine, more: `, ${info.runs} runs each, load average ${info.load.toFixed(1)} when it started` }),
    `Release ${ref}: ${info.refOrigin}.`,
    '',
    ...renderTables(r, ref),
    '',
    ...whatMadeItFast(ref),
    '',
  ].join('\n');
}
