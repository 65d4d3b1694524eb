#!/usr/bin/env bash
# Measures the mobile bindings for BENCHMARKS.md ("Bindings"):
#
#  1. the cost of a call across the boundary: the same workload (answer an
#     item durably, read a whole inspection, a call that does nothing) from
#     Rust on the core directly, from Rust through redline-ffi's API, from
#     Python (ctypes) and from Kotlin (JNA on the JVM), medians per call, with
#     the stores on tmpfs (no fsync: the call's own cost) and on disk; the
#     runners alternate over several rounds so that load from other work on
#     the machine hits them alike;
#  2. the size of the release libredline_ffi.so for x86_64 Linux, stripped,
#     and what it is made of (symbols grouped by crate).
#
# Uses the release profile (thin LTO) without test hooks, i.e. the library
# an app ships. Needs what scripts/test-bindings.sh installs (run it first
# on a fresh machine, or this script installs Kotlin itself).
#
# Env: CARGO_TARGET_DIR (default /var/cache/redline-target)
#      REDLINE_BENCH_ROUNDS (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/redline-target}"
OUT="$CARGO_TARGET_DIR/bindings-bench"
LIB="$CARGO_TARGET_DIR/release/libredline_ffi.so"
mkdir -p "$OUT"

echo "== Bench: build (release) and generate"
cargo build -q -p redline-ffi --release
cargo build -q -p uniffi-bindgen
rm -rf "$OUT/gen"
for lang in python kotlin; do
    (cd "$ROOT_DIR" && "$CARGO_TARGET_DIR/debug/uniffi-bindgen" generate --no-format --metadata-no-deps \
        --library "$LIB" --language "$lang" --out-dir "$OUT/gen/$lang") >/dev/null
done
cp "$LIB" "$OUT/gen/python/"

KH="$(scripts/install-kotlin.sh | tail -n1)"
# kotlinx-coroutines: the generated Kotlin has `suspend` functions (sync,
# photo capture) built on it, even though the benchmark calls none.
CP="$KH/lib/kotlinx-coroutines-core-jvm.jar:/usr/share/java/jna.jar"
"$KH/bin/kotlinc" -jvm-target 17 -nowarn -cp "$CP" -d "$OUT/bench.jar" \
    "$OUT/gen/kotlin/org/redline/redline_ffi.kt" bindings/benches/kotlin/BoundaryBench.kt

# Each runner on stores on tmpfs (fsync is free, so what remains is the
# work of the call and the boundary) and on the disk (what a user waits for;
# fsync dominates and varies with whatever else the machine is doing), in
# alternating rounds. The summary is the median of the rounds' medians.
ROUNDS="${REDLINE_BENCH_ROUNDS:-3}"
RESULTS="$OUT/results.txt"
: >"$RESULTS"
for medium in $(for _ in $(seq "$ROUNDS"); do echo tmpfs disk; done); do
    if [ "$medium" = tmpfs ]; then base="$(mktemp -d -p /dev/shm redline-bench.XXXXXX)"
    else base="$(mktemp -d -p "$OUT" stores.XXXXXX)"; fi
    export REDLINE_BENCH_DIR="$base"
    echo "== Bench ($medium): Rust (core directly, and redline-ffi's API without a boundary)"
    cargo bench -q -p redline-ffi --bench boundary | sed "s/^RESULT/RESULT $medium/" | tee -a "$RESULTS"
    echo "== Bench ($medium): Python (ctypes)"
    REDLINE_PY_BINDINGS="$OUT/gen/python" python3 bindings/benches/python/boundary_bench.py \
        | sed "s/^RESULT/RESULT $medium/" | tee -a "$RESULTS"
    echo "== Bench ($medium): Kotlin (JNA, JVM $(java -version 2>&1 | head -n1 | cut -d'"' -f2))"
    java -Djna.library.path="$(dirname "$LIB")" -cp "$OUT/bench.jar:$KH/lib/kotlin-stdlib.jar:$CP" BoundaryBenchKt \
        | sed "s/^RESULT/RESULT $medium/" | tee -a "$RESULTS"
    rm -rf "$base"
done
unset REDLINE_BENCH_DIR

echo "== Bench: summary (microseconds per call: median of the rounds' medians / of their p90s)"
python3 - "$RESULTS" <<'EOF'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    m = re.match(r"RESULT (\S+) (\S+) (\S+) median_us=(\S+) p90_us=(\S+) n=(\d+)", line)
    if m:
        medium, runner, call, med, p90, _ = m.groups()
        runs.setdefault(runner, {}).setdefault(f"{call} ({medium})", []).append((float(med), float(p90)))
cols = ["answer (tmpfs)", "answer (disk)", "inspection (tmpfs)", "version_info (tmpfs)"]
print(f"| runner | {' | '.join(cols)} |")
print("|---|" + "---|" * len(cols))
for runner, r in runs.items():
    cells = []
    for c in cols:
        if c in r:
            cells.append(f"{statistics.median(m for m, _ in r[c]):.1f} / {statistics.median(p for _, p in r[c]):.1f}")
        else:
            cells.append("-")
    print(f"| {runner} | " + " | ".join(cells) + " |")
EOF

echo "== Bench: size of the release library (x86_64 Linux)"
strip -o "$OUT/libredline_ffi.stripped.so" "$LIB"
printf 'unstripped %s bytes, stripped %s bytes (%s MiB)\n' "$(stat -c %s "$LIB")" \
    "$(stat -c %s "$OUT/libredline_ffi.stripped.so")" \
    "$(awk "BEGIN { printf \"%.2f\", $(stat -c %s "$OUT/libredline_ffi.stripped.so") / 1048576 }")"
gzip -9 -c "$OUT/libredline_ffi.stripped.so" | wc -c | xargs printf 'stripped, gzip -9: %s bytes\n'
python3 bindings/benches/size_by_crate.py "$LIB"
