# install-node: the official Node.js build for this system into ~/.aws-oidc/node/<version>, over https only,
# checked against install-node-sha256 or the release's SHASUMS256.txt, with a record that later uses re-check.
ao_no="or use an executor with Node.js @MIN_NODE@ or newer."
ao_apk="run 'apk add --no-cache nodejs' in an earlier step (Alpine 3.19+ has Node.js @MIN_NODE@+) and leave install-node empty."
ao_in() {
  ao_m=$1
  shift
  ao_fail "install-node: $ao_m" "$@"
}
# Sets ao_h to the SHA-256 of $1: openssl is the fastest (a 100 MB node in 0.2 s), then coreutils, then macOS's shasum.
ao_sha256() {
  if command -v openssl >/dev/null 2>&1 && ao_h=$(openssl dgst -sha256 "$1" 2>/dev/null); then
    ao_h=${ao_h##* }
  elif command -v sha256sum >/dev/null 2>&1 && ao_h=$(sha256sum "$1"); then
    ao_h=${ao_h%% *}
  elif command -v shasum >/dev/null 2>&1 && ao_h=$(shasum -a 256 "$1"); then
    ao_h=${ao_h%% *}
  else
    ao_in "none of openssl, sha256sum and shasum is here to check Node.js with." "fix: install one, $ao_no"
  fi
  case $ao_h in *[!0-9a-f]* | '') ao_in "could not hash $1." ;; esac
}
# Downloads $1 to $2 over https only: curl follows redirects to https only, GNU wget none; SSL_CERT_FILE is the CA bundle when set.
ao_fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --proto =https --proto-redir =https --retry 3 ${SSL_CERT_FILE:+--cacert "$SSL_CERT_FILE"} -o "$2" "$1" && return 0
  elif command -v wget >/dev/null 2>&1; then
    case $(wget --help 2>&1 || true) in
      *--max-redirect*) wget -q --max-redirect=0 ${SSL_CERT_FILE:+--ca-certificate="$SSL_CERT_FILE"} -O "$2" "$1" && return 0 ;;
      *) ao_in "busybox wget checks no TLS certificate and cannot refuse redirects." "fix: install curl, $ao_no" ;;
    esac
  else
    ao_in "this executor has neither curl nor wget to download Node.js $ao_v." "fix: install curl, or use an executor with Node @MIN_NODE@+."
  fi
  ao_in "could not download $1; nothing was installed." "fix: check the version, the network, AWS_OIDC_NODE_MIRROR and SSL_CERT_FILE (redirects: curl follows https only, wget none), $ao_no"
}
# Sets ao_file to the release file for this system (node-v<v>-<os>-<arch>.tar.xz|gz), or refuses one without an official build.
ao_platform() {
  case $ao_os in
    Linux)
      ao_p=$(ldd --version 2>&1 || true)
      for ao_f in /lib/ld-musl-*; do if [ -e "$ao_f" ]; then ao_p=musl; fi; done
      case $ao_p in *musl*) ao_in "the C library here is musl (Alpine); the official Node.js builds need glibc." "fix: $ao_apk" ;; esac
      ao_p=linux ;;
    Darwin) ao_p=darwin ;;
    *) ao_in "no official Node.js build for $ao_os; install-node serves Linux (glibc) and macOS." "fix: install Node.js @MIN_NODE@+ in an earlier step and leave install-node empty." ;;
  esac
  case $(uname -m) in
    x86_64 | amd64) ao_p=$ao_p-x64 ;;
    aarch64 | arm64) ao_p=$ao_p-arm64 ;;
    *) ao_in "no Node.js tarball for the architecture $(uname -m)." "fix: use an executor with Node.js @MIN_NODE@+." ;;
  esac
  ao_ext=tar.gz
  case $ao_p in linux-*) if command -v xz >/dev/null 2>&1; then ao_ext=tar.xz; fi ;; esac
  ao_name=node-v$ao_v-$ao_p
  ao_file=$ao_name.$ao_ext
}
# Checks that node $1 answers `--version` with the version asked for; $2 is the fix.
ao_node_is() {
  ao_got=$("$1" --version 2>/dev/null || true)
  [ "$ao_got" = "v$ao_v" ] || ao_in "$1 reports ${ao_got:-no version}, not v$ao_v." "$2"
}
# 0: the install in $ao_dest is the one its record vouches for; 1: install afresh (no record, or another pin);
# a binary changed after the install is refused.
ao_reuse() {
  if [ ! -f "$ao_dest/.aws-oidc-install" ]; then
    ao_say "install-node: $ao_dest has no install record (not this orb's); installing it afresh"
    return 1
  fi
  ao_r_tar='' ao_r_sum='' ao_r_node=''
  while read -r ao_k ao_val; do
    case $ao_k in tarball) ao_r_tar=$ao_val ;; tarball-sha256) ao_r_sum=$ao_val ;; node-sha256) ao_r_node=$ao_val ;; esac
  done <"$ao_dest/.aws-oidc-install"
  if [ -n "$ao_pin" ] && [ "$ao_pin" != "$ao_r_sum" ]; then
    ao_say "install-node: $ao_dest came from a tarball with another SHA-256 than install-node-sha256; installing it afresh"
    return 1
  fi
  ao_sha256 "$node"
  ao_rm="fix: remove $ao_dest (rm -rf) and run again to install it afresh"
  if [ "$ao_h" != "$ao_r_node" ]; then
    ao_in "$node was changed after it was installed from $ao_r_tar: its SHA-256 is $ao_h, the install recorded ${ao_r_node:-none}." "$ao_rm; find out what changed it (a restored cache, another job on this machine)."
  fi
  ao_node_is "$node" "$ao_rm."
}
ao_install_node() {
  ao_v=$1
  # Three dot-separated runs of digits, nothing else; a major of five digits or more is not a version either.
  case $1 in
    *[!0-9.]* | .* | *. | *..* | *.*.*.*) ao_major=0 ;;
    *.*.*) ao_major=${1%%.*} ;;
    *) ao_major=0 ;;
  esac
  case $ao_major in ?????*) ao_major=0 ;; esac
  if [ "$ao_major" -lt @MIN_NODE@ ]; then
    ao_fail "parameter install-node: \"$1\" is not a Node.js version @MIN_NODE@ or newer." "fix: give a full version such as @NODE_EXAMPLE@, or leave install-node empty to use the node on PATH."
  fi
  ao_platform
  ao_pin=$(printf '%s' "${ORB_PARAM_INSTALL_NODE_SHA256:-}" | tr 'A-F' 'a-f')
  case $ao_pin in
    '') ;;
    *[!0-9a-f]*) ao_pin=bad ;;
    ????????????????????????????????????????????????????????????????) ;;
    *) ao_pin=bad ;;
  esac
  if [ "$ao_pin" = bad ]; then
    ao_fail "parameter install-node-sha256: \"$ORB_PARAM_INSTALL_NODE_SHA256\" is not a SHA-256 (64 hex digits)." "fix: give the SHA-256 of $ao_file from SHASUMS256.txt of v$1, or leave it empty to check against that list."
  fi
  ao_base=${AWS_OIDC_NODE_MIRROR:-@NODE_DIST@}
  case $ao_base in
    https://?*) ao_base=${ao_base%/}/v$1 ;;
    *) ao_in "AWS_OIDC_NODE_MIRROR \"$ao_base\" is not an https:// URL; Node.js is downloaded over https only." "fix: give the mirror's https:// URL (SSL_CERT_FILE may name its CA bundle), or unset it to use @NODE_DIST@." ;;
  esac
  ao_dir "$HOME/.aws-oidc/node"
  ao_dest=$HOME/.aws-oidc/node/$1
  node=$ao_dest/bin/node
  if [ -e "$ao_dest" ] || [ -L "$ao_dest" ]; then
    if ao_reuse; then return 0; fi
  fi
  ao_download
}
# Downloads, checks and unpacks in a temporary directory, records the checksums, then renames the install into place.
ao_download() {
  ao_tmp=$(mktemp -d "$HOME/.aws-oidc/node/.tmp.XXXXXX")
  trap 'rm -rf "$ao_tmp"' EXIT
  ao_say "install-node: downloading $ao_base/$ao_file"
  ao_fetch "$ao_base/$ao_file" "$ao_tmp/$ao_file"
  ao_want=$ao_pin ao_from=install-node-sha256
  ao_fix="fix: if install-node-sha256 is right for $ao_file, this download is not the official one: check AWS_OIDC_NODE_MIRROR and the network."
  if [ -z "$ao_pin" ]; then
    ao_fetch "$ao_base/SHASUMS256.txt" "$ao_tmp/SHASUMS256.txt"
    while read -r ao_k ao_val; do
      if [ "$ao_val" = "$ao_file" ]; then ao_want=$ao_k; fi
    done <"$ao_tmp/SHASUMS256.txt"
    ao_from="SHASUMS256.txt of v$ao_v"
    ao_fix="fix: retry; if it persists, the download or the mirror is corrupt (check AWS_OIDC_NODE_MIRROR)."
  fi
  ao_sha256 "$ao_tmp/$ao_file"
  if [ "$ao_want" != "$ao_h" ]; then
    ao_in "the SHA-256 of $ao_file is $ao_h, but $ao_from says ${ao_want:-nothing}; nothing was installed." "$ao_fix"
  fi
  case $ao_ext in tar.xz) ao_x=J ;; *) ao_x=z ;; esac
  tar -x${ao_x}f "$ao_tmp/$ao_file" -C "$ao_tmp"
  ao_node_is "$ao_tmp/$ao_name/bin/node" "fix: $ao_base does not serve Node.js v$ao_v for this system; nothing was installed."
  ao_sha256 "$ao_tmp/$ao_name/bin/node"
  printf 'tarball %s\ntarball-sha256 %s\nnode-sha256 %s\n' "$ao_file" "$ao_want" "$ao_h" >"$ao_tmp/$ao_name/.aws-oidc-install"
  if [ -e "$ao_dest" ] || [ -L "$ao_dest" ]; then mv "$ao_dest" "$ao_tmp/old"; fi
  # When a step installing the same version at the same moment won, ours lands inside its directory and is dropped.
  mv "$ao_tmp/$ao_name" "$ao_dest"
  rm -rf "${ao_dest:?}/$ao_name" "$ao_tmp"
  trap - EXIT
  ao_reuse || ao_in "$ao_dest lost its record during the install." "fix: retry, with nothing else writing to $HOME/.aws-oidc."
  ao_say "install-node: installed Node.js $ao_got in $ao_dest"
}
