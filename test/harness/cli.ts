// `npm run demo [-- config.yml --job NAME --env K=V ...]`: runs one job of a config (without one, the orb's example)
// with the packed orb against the local stand-ins, and prints what a CircleCI user sees. See test/harness/demo/.
import { parseDemoArgs, DemoUsageError } from './demo/args.ts';
import { machineProbe } from './demo/needs.ts';
import { runDemo } from './demo/run.ts';
import { ConfigError } from './runner/index.ts';

const [command, ...rest] = process.argv.slice(2);
if (command === 'demo') {
  // npm runs scripts from the package root; INIT_CWD is where the user ran npm, so their relative paths work.
  const base = process.env.INIT_CWD ?? process.cwd();
  const write = (s: string) => { process.stdout.write(s); };
  const error = (s: string) => { process.stderr.write(s); };
  Promise.resolve()
    .then(() => runDemo(parseDemoArgs(rest, base), { write, error, probe: machineProbe(process.env), base, handleSignals: true }))
    .then((code) => { process.exitCode = code; }, (err: unknown) => {
      if (err instanceof DemoUsageError) process.stderr.write(`demo: ${err.message}\n`);
      else if (err instanceof ConfigError) process.stderr.write(`demo: config: ${err.message.replace(/\n/g, '\n  ')}\n`);
      else process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = err instanceof DemoUsageError || err instanceof ConfigError ? 2 : 1;
    });
} else {
  process.stderr.write('usage: tsx test/harness/cli.ts demo [config.yml] [--job NAME] [--env KEY=VALUE]... (see --help)\n');
  process.exitCode = 2;
}
