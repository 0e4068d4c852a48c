#!/usr/bin/env bash
# Evidence for the README's engine table where this host cannot give it: build a Debian 13 root (glibc 2.41) with
# debootstrap and run the e2e suite there on the btc-vision uWS build under Node 22 and 24 (needs root, debootstrap
# and Debian's package mirror). usage: scripts/glibc-check.sh NODE_BIN_DIR...   (from scripts/node-dist.sh)
# Prints `N passed, N failed` per Node, then the sum. Tests that need Redis are left to the host runs.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${SLUICE_GLIBC_ROOT:-/var/tmp/sluice-trixie}
[ "$(id -u)" = 0 ] || { echo "glibc-check: needs root (debootstrap, chroot)"; exit 1; }
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null || { echo "glibc-check: cannot install debootstrap"; exit 1; }
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
if [ ! -x "$root/bin/sh" ]; then
  debootstrap --variant=minbase trixie "$root" ${mirror:+"$mirror"} >/tmp/sluice-debootstrap.log 2>&1 || { echo "glibc-check: debootstrap failed (/tmp/sluice-debootstrap.log)"; exit 1; }
fi
echo '127.0.0.1 localhost' > "$root/etc/hosts"
echo "glibc in the root: $(chroot "$root" ldd --version | head -1)"
mounts=()
cleanup() { for ((i=${#mounts[@]}-1; i>=0; i--)); do umount "${mounts[$i]}" 2>/dev/null; done; }
trap cleanup EXIT
bind() { mkdir -p "$2"; mount --bind "$1" "$2" && mounts+=("$2"); }
bind "$repo" "$root/work/sluice"
mountpoint -q "$root/proc" || { mount -t proc proc "$root/proc" && mounts+=("$root/proc"); }
bind /dev "$root/dev"
# Files that need Redis are left to the host runs (no redis-server in the root).
files=$(cd "$repo" && grep -L 'helpers/redis' test/e2e/*.test.ts | tr '\n' ' ')
status=0
passed=0
failed=0
for bin in "$@"; do
  bind "$bin" "$root/opt/node"
  v=$("$bin/node" --version)
  log=/tmp/sluice-glibc-check-$v.log
  echo "== Node $v in Debian 13 (log: $log)"
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/opt/node:/usr/bin:/bin CI=true /bin/sh -c \
    "cd /work/sluice && node scripts/engine.mjs && node node_modules/vitest/vitest.mjs run $files" >"$log" 2>&1 || status=1
  grep -E "^engine on" "$log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  [ -n "$line" ] || { line="0 passed, 1 failed"; status=1; }
  echo "Node $v: $line"
  passed=$((passed + $(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
  umount "$root/opt/node" && unset 'mounts[${#mounts[@]}-1]'
done
echo "$passed passed, $failed failed"
exit $status
