#!/usr/bin/env bash
# Installs a Swift toolchain for testing the generated Swift bindings on a
# Debian 12 machine. Debian 12 has no usable Swift, Debian 13 ("trixie")
# ships `swiftlang` (Swift 6), so we build a minimal trixie chroot once and
# cache it at a fixed path; later runs find the ready-stamp and return at
# once. Needs root (debootstrap, chroot) and ~2.6 GB of disk.
#
# Usage: scripts/install-swift.sh            (prints the chroot path)
# Env:   REDLINE_SWIFT_ROOT  where the chroot lives (default below)
#        REDLINE_DEBIAN_MIRROR  overrides the mirror read from apt's sources
set -euo pipefail

ROOT="${REDLINE_SWIFT_ROOT:-/var/cache/redline-swift-root}"
STAMP="$ROOT/.redline-swift-ready"

if [ -f "$STAMP" ]; then
    echo "swift: chroot ready at $ROOT ($(cat "$STAMP"))"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "swift: building the chroot needs root (debootstrap, chroot)" >&2
    exit 1
fi

# The mirror apt already uses here is the one known to be reachable; the
# security suite is skipped because it has no trixie/main layout we need.
mirror() {
    if [ -n "${REDLINE_DEBIAN_MIRROR:-}" ]; then echo "$REDLINE_DEBIAN_MIRROR"; return; fi
    local m
    m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
    if [ -z "$m" ]; then
        m=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1 || true)
    fi
    echo "${m:-http://deb.debian.org/debian}"
}

if ! command -v debootstrap >/dev/null; then
    echo "swift: installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# Build beside the final path and rename at the end, so an interrupted run
# never leaves a half-made chroot that looks ready.
WORK="$ROOT.partial"
if [ -d "$WORK" ]; then
    umount "$WORK/proc" 2>/dev/null || true
    rm -rf --one-file-system "$WORK"
fi
MIRROR="$(mirror)"
echo "swift: debootstrap trixie from $MIRROR into $WORK"
debootstrap --variant=minbase trixie "$WORK" "$MIRROR" >"$WORK.log" 2>&1 || {
    tail -n 30 "$WORK.log" >&2
    exit 1
}
cp /etc/resolv.conf "$WORK/etc/resolv.conf"

echo "swift: installing swiftlang inside the chroot"
chroot "$WORK" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c '
    set -e
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends swiftlang libc6-dev >/dev/null
    apt-get clean
'
# swift locates its runtime through /proc/self/exe, so check with /proc up.
mount -t proc proc "$WORK/proc"
version=$(chroot "$WORK" swift --version 2>&1 | head -n1) || true
umount "$WORK/proc"
case "$version" in
    *Swift*) ;;
    *) echo "swift: the toolchain does not run: $version" >&2; exit 1 ;;
esac
echo "$version" >"$WORK/.redline-swift-ready"
rm -rf "$ROOT"
mv "$WORK" "$ROOT"
rm -f "$WORK.log"
echo "swift: chroot ready at $ROOT ($version)"
