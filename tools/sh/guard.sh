# The start of every wrapper (POSIX sh; tools/wrapper.ts drops comment lines and indentation).
# Messages: the first line names the step, each further one ("fix: ...") is indented.
ao_say() {
  printf 'aws-oidc/@COMMAND@: %s\n' "$1" >&2
  shift
  for ao_line in "$@"; do printf '  %s\n' "$ao_line" >&2; done
}
ao_fail() {
  ao_say "$@"
  exit 1
}
# Appends line $1 to $BASH_ENV with one printf (one write), refusing a symlinked BASH_ENV as the runtime does
# (src/lib/bash-env.ts, symlinkRefusal: the same two lines).
ao_bash_env() {
  if [ -L "$BASH_ENV" ]; then
    ao_fail "refusing to write BASH_ENV $BASH_ENV: it is a symbolic link" "fix: point BASH_ENV at a regular file (not a link) and run the step again"
  fi
  printf '%s\n' "$1" >>"$BASH_ENV"
}
ao_os=$(uname -s 2>/dev/null || echo unknown)
case "${OS:-}/$ao_os" in
  Windows_NT/* | */MINGW* | */MSYS* | */CYGWIN*)
    ao_fail "Windows executors are not supported (uname -s: $ao_os)." "fix: run this job on a Linux executor (docker or machine) or on macOS." ;;
esac
# Later steps read $BASH_ENV only when they are bash (not bash as sh); the runtime says so when it exports there.
AWS_OIDC_SHELL='sh'
if [ -n "${BASH_VERSION:-}" ]; then
  # shellcheck disable=SC3028
  case ":${SHELLOPTS:-}:" in *:posix:*) ;; *) AWS_OIDC_SHELL='bash' ;; esac
fi
[ -n "${HOME:-}" ] || ao_fail "HOME is not set." "fix: run the step as a user with a home directory (CircleCI sets HOME)."
ao_uid=$(id -u)
# Makes directory $1 (0700 under the umask), or checks the one there: nobody but this user may write to it.
ao_dir() {
  # A step running at the same moment may have made it first.
  if [ ! -d "$1" ]; then mkdir "$1" 2>/dev/null || [ -d "$1" ] || ao_fail "cannot create $1." "fix: let this job's user (uid $ao_uid) write to its parent."; fi
  read -r ao_mode _ ao_owner _ <<EOF
$(ls -ldn "$1/")
EOF
  ao_why="could replace what the orb runs from it (runtime, Node.js, credential helper)"
  if [ "$ao_owner" != "$ao_uid" ]; then
    ao_fail "$1 belongs to uid $ao_owner, not to this job's user (uid $ao_uid): its owner $ao_why." "fix: remove it (as its owner or root: rm -rf '$1'); the step makes it anew, mode 0700."
  fi
  case $ao_mode in
    ?????w* | ????????w*) ao_fail "$1 is writable by other users ($ao_mode): they $ao_why." "fix: remove it (rm -rf '$1'), and the step makes it anew, mode 0700; or, if you trust its contents, chmod go-w '$1'." ;;
  esac
}
ao_dir "$HOME/.aws-oidc"
ao_dir "$HOME/.aws-oidc/runtime"
