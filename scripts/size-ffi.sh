#!/usr/bin/env bash
# The size of the library the apps ship: builds redline-ffi with the
# `mobile` profile for this machine (x86_64 Linux), prints its stripped
# size and the largest crates in it (symbol sizes from `nm`, attributed to
# the crate each symbol's path starts with), so growth shows when it
# happens. Figures go to BENCHMARKS.md by hand ("Library size").
#
#   scripts/size-ffi.sh [--no-default-features]   # e.g. without printing
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/redline-target}"
# Linked as the phone builds link (android/build.gradle.kts,
# android/README.md): identical code folded (--icf=all; Apple's linker
# deduplicates by default), and packed relative relocations (0.69 MB of
# .rela.dyn become 7 KB; Android: --pack-dyn-relocs=relr from minSdk 28,
# iOS: chained fixups by default).
export RUSTFLAGS="${RUSTFLAGS:--C link-arg=-Wl,-z,pack-relative-relocs -C link-arg=-Wl,--icf=all}"
# SQLite's and ring's C without unwinding tables: no unwinding ever passes
# through C frames (a panic in a Rust callback stops at its extern "C"
# boundary), so the tables only cost space.
export CFLAGS="${CFLAGS:--fno-asynchronous-unwind-tables -fno-unwind-tables}"
cargo build --profile mobile -p redline-ffi "$@" >&2
lib="$CARGO_TARGET_DIR/mobile/libredline_ffi.so"
stripped="$(mktemp)"
strip -o "$stripped" "$lib"
python3 - "$lib" "$(stat -c %s "$stripped")" <<'PY'
import re, subprocess, sys
from collections import Counter
lib, stripped = sys.argv[1], int(sys.argv[2])
out = subprocess.run(["nm", "-S", "--size-sort", "-C", lib], capture_output=True, text=True, check=True).stdout
sizes = Counter()
for line in out.splitlines():
    parts = line.split(None, 3)
    if len(parts) < 4 or parts[2].lower() not in "tr":
        continue
    size, name = int(parts[1], 16), parts[3]
    m = re.match(r"[<&*\s]*(?:dyn |impl |mut |const )*([A-Za-z_][A-Za-z0-9_]*)", name)
    crate = m.group(1) if m else "?"
    if crate in ("_ZN", "__rust_alloc") or not crate[0].isalpha():
        crate = "?"
    if not "::" in name:
        crate = "C (sqlite, ring and other C/asm)" if crate not in ("_", "?") else "?"
    sizes[crate] += size
total = sum(sizes.values())
print(f"stripped libredline_ffi.so: {stripped / 1048576:.2f} MiB; code and read-only data in symbols: {total / 1048576:.2f} MiB")
print("| crate | KiB |")
print("|---|---|")
for crate, size in sizes.most_common(22):
    print(f"| {crate} | {size / 1024:.0f} |")
PY
rm -f "$stripped"
