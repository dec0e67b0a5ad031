// The docker CLI as the steps run it: argv as data (never a shell), output to the step's log, extra
// variables (build args) through the environment. The password of a plain login goes on stdin
// (src/scripts/ecr-login.ts); nothing secret is ever an argument.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

/** Runs `docker <argv>` with the step's stdout/stderr (or none when `quiet`); rejects on a non-zero exit, naming the subcommand. */
export function docker(argv: string[], extraEnv: Record<string, string> = {}, quiet = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', argv, { env: { ...process.env, ...extraEnv }, stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit'] });
    child.on('error', (err) => reject(new Error(`could not run docker: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker ${argv[0] ?? ''} exited with ${code}`))));
  });
}

/** Whether `docker buildx` is there (its version answers). */
export const hasBuildx = (): Promise<boolean> => docker(['buildx', 'version'], {}, true).then(() => true, () => false);

/** Runs `docker <argv>` and returns its stdout (e.g. `docker version`, `docker image inspect`); rejects on a non-zero exit. */
export const dockerOutput = async (argv: string[]): Promise<string> => (await promisify(execFile)('docker', argv)).stdout;
