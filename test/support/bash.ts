// Starting `bash -c` from a test without this machine's startup files. Node gives a child's stdin, stdout and stderr as
// UNIX socket pairs, and bash takes a socket on stdin for the remote shell daemon: a non-interactive `bash -c` at the
// top level (SHLVL unset or 0, as with an `env` that names only PATH) then reads ~/.bashrc, and with HOME unset it
// takes the passwd entry's home. That is where `/.cargo/env: No such file or directory` came from: the machine's
// /root/.bashrc sourcing "$HOME/.cargo/env" with HOME unset. (bash(1), INVOCATION: "invoked by the remote shell daemon".)
// A non-interactive bash also sources $BASH_ENV, which in a CircleCI job names the job's own file.

/** The program and argv of `bash -c script [args...]` that reads neither profile nor ~/.bashrc. */
export function bashC(script: string, ...args: string[]): [string, string[]] {
  return ['bash', ['--noprofile', '--norc', '-c', script, ...args]];
}

/** `env` (default this process's) without BASH_ENV and ENV, the files a non-interactive bash or sh would source first. */
export function shellEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { BASH_ENV: _b, ENV: _e, ...rest } = env;
  return rest;
}
