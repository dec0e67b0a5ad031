# Finds a Node.js @MIN_NODE@+ and leaves it in $node: the one on PATH, else the one install-node names.
ao_alpine() {
  command -v apk >/dev/null 2>&1 && return 0
  [ -r /etc/os-release ] || return 1
  while IFS='=' read -r ao_k ao_val; do
    case "$ao_k=$ao_val" in ID=alpine | ID='"alpine"') return 0 ;; esac
  done </etc/os-release
  return 1
}
ao_no_node() {
  if ao_alpine; then ao_fail "$1" "fix: $ao_apk"; fi
  ao_fail "$1" "fix: set install-node (e.g. @NODE_EXAMPLE@), use the orb's 'default' executor (a cimg/node image) or its 'machine' executor, or an image that has Node.js @MIN_NODE@ or newer."
}
node=node
ao_major=0
if command -v node >/dev/null 2>&1; then
  # --version answers before Node starts its runtime.
  ao_version=$(node --version 2>/dev/null || true)
  ao_major=${ao_version#v}
  ao_major=${ao_major%%.*}
  case $ao_major in '' | *[!0-9]* | ?????*) ao_major=0 ;; esac
fi
if [ -n "${ORB_PARAM_INSTALL_NODE_SHA256:-}" ] && [ -z "${ORB_PARAM_INSTALL_NODE:-}" ]; then
  ao_fail "parameter install-node-sha256: \"$ORB_PARAM_INSTALL_NODE_SHA256\" is set, but install-node is empty." "fix: set install-node to the Node.js version of the tarball it pins, or remove install-node-sha256."
fi
if [ "$ao_major" -ge @MIN_NODE@ ]; then
  :
elif [ -n "${ORB_PARAM_INSTALL_NODE:-}" ]; then
  ao_install_node "$ORB_PARAM_INSTALL_NODE"
  # On PATH for this step and, through $BASH_ENV, for later bash steps (credential_process lines run `node`).
  PATH="${node%/node}:$PATH"
  export PATH
  if [ -n "${BASH_ENV:-}" ]; then
    ao_q=$(printf '%s' "${node%/node}" | sed "s/'/'\\\\''/g")
    ao_bash_env "export PATH='$ao_q':\"\$PATH\""
  fi
  if [ "$AWS_OIDC_SHELL" = sh ]; then
    ao_say "note: later sh steps do not read \$BASH_ENV: there, orb steps find this Node.js again with the same install-node, others after: export PATH=\"\$HOME/.aws-oidc/node/$ao_v/bin:\$PATH\""
  fi
elif command -v node >/dev/null 2>&1; then
  ao_no_node "Node.js ${ao_version:-of unknown version} is too old; @MIN_NODE@ or newer is needed."
else
  ao_no_node "this executor has no 'node' (Node.js @MIN_NODE@ or newer is needed)."
fi
