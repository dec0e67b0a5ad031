// `npm run demo`: runs the orb's example pipeline against the local stand-ins and prints what a CircleCI user sees.
import { parse, stringify } from 'yaml';
import { ACCOUNT, Rig } from './rig.ts';

const EXAMPLE = 'assume-role-and-call-aws';

async function demo(): Promise<number> {
  const rig = await Rig.start();
  try {
    const orb = parse(rig.orbText) as { examples: Record<string, { usage: object }> };
    const usage = orb.examples[EXAMPLE]?.usage;
    if (!usage) throw new Error(`the packed orb has no example ${EXAMPLE}`);
    const config = stringify(usage);
    console.log(`# Example "${EXAMPLE}" from the packed orb, run as CircleCI would run job "deploy":\n`);
    console.log(config.replace(/^/gm, '    '));
    // What the user would keep in a context: the role ARN (the example reads ${DEPLOY_ROLE_ARN}).
    const result = await rig.run(config, 'deploy', { env: { DEPLOY_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/deploy` } });
    for (const step of result.steps) {
      const status = step.skipped ? 'skipped' : step.exitCode === 0 ? 'ok' : `exit ${step.exitCode}`;
      console.log(`\n▸ ${step.name}  (${status}, ${(step.durationMs / 1000).toFixed(2)}s)`);
      if (step.output.trim()) console.log(step.output.trimEnd().replace(/^/gm, '    '));
    }
    const leaks = rig.leaks().length;
    console.log(`\njob ${result.success ? 'succeeded' : 'failed'}; secrets found in step output: ${leaks}`);
    return result.success && leaks === 0 ? 0 : 1;
  } finally {
    await rig.close();
  }
}

const [command] = process.argv.slice(2);
if (command === 'demo') {
  demo().then((code) => { process.exitCode = code; }, (err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
} else {
  console.error('usage: tsx test/harness/cli.ts demo');
  process.exitCode = 2;
}
