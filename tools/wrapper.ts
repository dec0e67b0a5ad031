// The bash wrapper around a command's bundle: checks Node (installing the version install-node names when it
// is missing or too old), then runs the loader (tools/loader.ts) with `node -e`, the compressed bundle on its
// stdin through a quoted heredoc (the bundle itself is never an argument or an environment variable: those
// break at 128 KiB, Linux's MAX_ARG_STRLEN).
import { dynamicImports, loaderScript, packRuntime, type PackedRuntime } from './loader.ts';

/** The line that ends the heredoc carrying the bundle. */
export const HEREDOC_DELIMITER = 'AWS_OIDC_BUNDLE_END';
/** The oldest Node.js major the steps run on: the AWS SDK v3's own `engines`. */
export const MIN_NODE_MAJOR = 20;
/** The Node.js version the messages and docs give as an example for install-node. */
export const NODE_EXAMPLE = '22.23.5';
/** Where the official Linux tarballs and their SHASUMS256.txt are; AWS_OIDC_NODE_MIRROR replaces it (tests, mirrors). */
export const NODE_DIST = 'https://nodejs.org/dist';

/**
 * The bash that installs Node $1 into ~/.aws-oidc/node/$1 (unless a step did already) and sets $node to it:
 * download with curl or wget into a temporary directory, check the SHA-256 against the release's list,
 * unpack, and rename into place, so a failure leaves nothing behind.
 */
function installNode(command: string): string {
  const say = `aws-oidc/${command}: install-node`;
  return `install_node() {
  local v=$1 arch name sum want="" got="" file
  if ! [[ $v =~ ^([0-9]+)\\.[0-9]+\\.[0-9]+$ ]] || [ "\${BASH_REMATCH[1]}" -lt ${MIN_NODE_MAJOR} ]; then
    echo "aws-oidc/${command}: parameter install-node: \\"$v\\" is not a Node.js version ${MIN_NODE_MAJOR} or newer." >&2
    echo "  fix: give a full version such as ${NODE_EXAMPLE}, or leave install-node empty to use the node on PATH." >&2
    exit 1
  fi
  node="$HOME/.aws-oidc/node/$v/bin/node"
  [ -x "$node" ] && return 0
  case "$(uname -m)" in
    x86_64|amd64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) echo "${say}: no Node.js tarball for the architecture $(uname -m)." >&2; echo "  fix: use an executor with Node.js ${MIN_NODE_MAJOR}+." >&2; exit 1 ;;
  esac
  name="node-v$v-linux-$arch"
  mkdir -p "$HOME/.aws-oidc/node"
  aws_oidc_tmp=$(mktemp -d "$HOME/.aws-oidc/node/.tmp.XXXXXX")
  trap 'rm -rf "$aws_oidc_tmp"' EXIT
  local tmp=$aws_oidc_tmp
  local base="\${AWS_OIDC_NODE_MIRROR:-${NODE_DIST}}/v$v"
  echo "${say}: downloading $base/$name.tar.xz" >&2
  for file in "$name.tar.xz" SHASUMS256.txt; do
    if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 3 -o "$tmp/$file" "$base/$file" || got=failed
    elif command -v wget >/dev/null 2>&1; then wget -q -O "$tmp/$file" "$base/$file" || got=failed
    else echo "${say}: this executor has neither curl nor wget to download Node.js $v." >&2; echo "  fix: install curl, or use an executor with Node ${MIN_NODE_MAJOR}+." >&2; exit 1
    fi
    if [ -n "$got" ]; then echo "${say}: could not download $base/$file; nothing was installed." >&2; echo "  fix: check the version and the network (or AWS_OIDC_NODE_MIRROR), or use an executor with Node ${MIN_NODE_MAJOR}+." >&2; exit 1; fi
  done
  while read -r sum file; do if [ "$file" = "$name.tar.xz" ]; then want=$sum; fi; done < "$tmp/SHASUMS256.txt"
  got=$(sha256sum "$tmp/$name.tar.xz"); got=\${got%% *}
  if [ -z "$want" ] || [ "$want" != "$got" ]; then
    echo "${say}: the SHA-256 of $name.tar.xz is $got, but SHASUMS256.txt of v$v says \${want:-nothing}; nothing was installed." >&2
    echo "  fix: retry; if it persists, the download or the mirror is corrupt (check AWS_OIDC_NODE_MIRROR)." >&2
    exit 1
  fi
  tar -xJf "$tmp/$name.tar.xz" -C "$tmp"
  mv -T "$tmp/$name" "$HOME/.aws-oidc/node/$v" 2>/dev/null || [ -x "$node" ]
  rm -rf "$tmp"
  trap - EXIT
  echo "${say}: installed Node.js $("$node" --version) in $HOME/.aws-oidc/node/$v" >&2
}
`;
}

/** Refuses heredoc text the wrapper or the orb packer cannot carry unchanged. */
export function checkBundle(command: string, text: string): void {
  if (text.split('\n').some((line) => line === HEREDOC_DELIMITER)) {
    throw new Error(`${command}: the bundle contains the heredoc delimiter line ${HEREDOC_DELIMITER}`);
  }
  if (text.includes('\\<<')) {
    throw new Error(`${command}: the bundle contains "\\<<", which CircleCI's orb packing cannot round-trip`);
  }
}

/** The bash that checks for Node, installing it when install-node asks, and leaves it in $node. */
function nodeCheck(command: string): string {
  return `node=node node_major=0
if command -v node >/dev/null 2>&1; then
  # --version answers before Node starts its runtime.
  node_version=$(node --version 2>/dev/null || true)
  node_major=\${node_version#v}
  node_major=\${node_major%%.*}
  case $node_major in ''|*[!0-9]*) node_major=0 ;; esac
fi
if [ "$node_major" -lt ${MIN_NODE_MAJOR} ] && [ -n "\${ORB_PARAM_INSTALL_NODE:-}" ]; then
  install_node "$ORB_PARAM_INSTALL_NODE"
  # On PATH for this step and, through $BASH_ENV, for later ones (credential_process lines run \`node\`).
  export PATH="\${node%/node}:$PATH"
  if [ -n "\${BASH_ENV:-}" ]; then printf 'export PATH=%q:"$PATH"\\n' "\${node%/node}" >> "$BASH_ENV"; fi
elif ! command -v node >/dev/null 2>&1; then
  echo "aws-oidc/${command}: this executor has no 'node' (Node.js ${MIN_NODE_MAJOR} or newer is needed)." >&2
  echo "  fix: set install-node (e.g. ${NODE_EXAMPLE}), use the orb's 'default' executor (a cimg/node image) or its 'machine' executor, or an image that has Node.js." >&2
  exit 1
elif [ "$node_major" -lt ${MIN_NODE_MAJOR} ]; then
  echo "aws-oidc/${command}: Node.js \${node_version:-of unknown version} is too old; ${MIN_NODE_MAJOR} or newer is needed." >&2
  echo "  fix: set install-node (e.g. ${NODE_EXAMPLE}), or use the orb's 'default' executor (a cimg/node LTS image) or its 'machine' executor." >&2
  exit 1
fi
`;
}

/** The generated script for one command: `js` is the bundle, or the bundle already packed by packRuntime. */
export function renderWrapper(command: string, js: string | PackedRuntime): string {
  const packed = typeof js === 'string' ? packRuntime(js) : js;
  checkBundle(command, packed.base64);
  const dynamic = dynamicImports(packed.js);
  if (dynamic.length > 0) {
    throw new Error(`${command}: the bundle keeps dynamic import() of ${[...new Set(dynamic)].join(', ')}, which the loader's vm.Script cannot run; build it with esbuild's supported: { 'dynamic-import': false }`);
  }
  const loader = loaderScript(command, packed.sha256);
  if (loader.includes("'")) throw new Error(`${command}: the loader has a single quote, which its bash quoting cannot hold`);
  const script = `#!/usr/bin/env bash
# Generated by tools/build.ts from src/scripts/${command}.ts: do not edit.
set -eu
${installNode(command)}${nodeCheck(command)}# The loader (tools/loader.ts) unpacks the runtime (brotli, base64) into the job's home, where self-refresh
# profiles and the docker credential helper run it later, and runs it.
AWS_OIDC_RUNTIME="\${HOME:?HOME is not set}/.aws-oidc/runtime/${command}.cjs" "$node" -e '${loader}' <<'${HEREDOC_DELIMITER}'
${packed.base64}${HEREDOC_DELIMITER}
`;
  if (script.includes('\\<<')) throw new Error(`${command}: the wrapper contains "\\<<", which CircleCI's orb packing cannot round-trip`);
  return script;
}
