#!/usr/bin/env bash
# Tests the generated bindings for real: builds libredline_ffi.so (debug,
# with the test hooks) and redline-server, generates Python, Kotlin and
# Swift from the library, and runs the same flows in each language against
# it: an inspection on one phone, then two phones syncing through a real
# server (a fresh one per language, on 127.0.0.1, with its demo region):
#
#   Python  pytest in a venv          bindings/tests/python/
#   Kotlin  kotlinc + JNA on the JVM  bindings/tests/kotlin/ (FlowTest.kt, SyncTest.kt;
#           + the AAR's coroutine helpers, android/src/main/kotlin)
#   Swift   SwiftPM + XCTest in a Debian trixie chroot  bindings/tests/swift/ (+ the
#           iOS package's wrapper, ios/Sources/Redline)
#
# Works on a fresh Debian 12 machine with Rust, Python, Java and Node, as
# root (the Swift chroot needs it); installs what is missing into caches
# (/var/cache/redline-tools, /var/cache/redline-swift-root) and reuses them.
# Every language runs even if another fails; the exit code is non-zero if any
# failed. A timing summary closes the output.
#
# Env: CARGO_TARGET_DIR            (default /var/cache/redline-target)
#      REDLINE_BINDINGS_SKIP       languages to skip, e.g. "swift" or "kotlin swift"
#
# The tests get the server through the environment: REDLINE_TEST_SERVER (its
# URL), REDLINE_TEST_<USER>_DEVICE and _TOKEN per demo user (e.g.
# REDLINE_TEST_INSPECTOR_ZHANG_TOKEN, as the server printed them on its first
# start) and REDLINE_TEST_FONT (a CJK font for photo watermarks).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/redline-target}"
TOOLS="${REDLINE_TOOLS:-/var/cache/redline-tools}"
OUT="$CARGO_TARGET_DIR/bindings-test"
LIB="$CARGO_TARGET_DIR/debug/libredline_ffi.so"
SERVER_BIN="$CARGO_TARGET_DIR/debug/redline-server"
FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
# The panic probe is expected; a full backtrace of it only buries the results.
export RUST_BACKTRACE=0

# Commands run when this process exits, however it exits (the server must
# not outlive a failed or interrupted run; Swift's mounts neither).
EXIT_ACTIONS=()
at_exit() { EXIT_ACTIONS+=("$1"); }
run_exit_actions() {
    local action
    for action in "${EXIT_ACTIONS[@]}"; do eval "$action" || true; done
}
trap run_exit_actions EXIT

# ---- the sync server ----------------------------------------------------------

# Starts a fresh redline-server (own data folder, a free port, the demo
# region seeded) and exports what the tests need to reach it. Stopped at
# exit. A fresh server per language keeps the languages' devices, feeds and
# quarantines apart and lets `--only LANG` run on its own.
start_server() {
    local data
    data="$(mktemp -d "${TMPDIR:-/tmp}/redline-server.XXXXXX")"
    "$SERVER_BIN" --listen 127.0.0.1:0 --data-dir "$data" >"$data/stdout" 2>"$data/log" &
    local pid=$!
    # shellcheck disable=SC2064 # expand now: this server's pid and folder
    at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf '$data'"
    local waited=0
    until grep -q '^redline-server listening on ' "$data/stdout"; do
        if ! kill -0 "$pid" 2>/dev/null || [ $waited -ge 200 ]; then
            echo "redline-server did not start:" >&2
            cat "$data/stdout" "$data/log" >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    REDLINE_TEST_SERVER="$(sed -n 's/^redline-server listening on //p' "$data/stdout")"
    export REDLINE_TEST_SERVER
    # "  inspector-zhang    device <uuid>  token <hex>", one line per demo user.
    local user word device token var
    while read -r user word device _ token; do
        [ "$word" = device ] || continue
        var="REDLINE_TEST_$(echo "$user" | tr 'a-z-' 'A-Z_')"
        export "${var}_DEVICE=$device" "${var}_TOKEN=$token"
    done <"$data/stdout"
    if [ -z "${REDLINE_TEST_INSPECTOR_ZHANG_TOKEN:-}" ]; then
        echo "redline-server printed no device tokens:" >&2
        cat "$data/stdout" >&2
        return 1
    fi
    export REDLINE_TEST_FONT="$FONT"
    SERVER_LOG="$data/log"
    echo "redline-server at $REDLINE_TEST_SERVER (log $SERVER_LOG)"
}

# The server's log, when a language failed: the reason for a refusal or a
# 500 is there, not in the test's output.
show_server_log() {
    echo "---- last lines of the redline-server log"
    tail -n 20 "$SERVER_LOG" 2>/dev/null || true
}

# ---- one language per invocation (so `set -e` holds inside each) ----------

python_tests() {
    local venv="$TOOLS/venv-pytest"
    if [ ! -x "$venv/bin/pytest" ]; then
        mkdir -p "$TOOLS"
        # The system pytest is broken on these machines; a venv is not.
        python3 -m venv "$venv" 2>/dev/null || {
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            rm -rf "$venv" && python3 -m venv "$venv"
        }
        "$venv/bin/pip" install -q --disable-pip-version-check pytest
    fi
    local dir="$OUT/python"
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$OUT/gen/python/redline_ffi.py" "$LIB" "$dir/"
    start_server
    REDLINE_PY_BINDINGS="$dir" "$venv/bin/pytest" -q -p no:cacheprovider bindings/tests/python || {
        show_server_log
        return 1
    }
}

kotlin_tests() {
    local kh
    kh="$(scripts/install-kotlin.sh | tail -n1)"
    local cp="$kh/lib/kotlinx-coroutines-core-jvm.jar:/usr/share/java/jna.jar"
    # The generated bindings, the coroutine helpers the AAR ships, the test.
    local dir="$OUT/kotlin"
    local src=("$OUT"/gen/kotlin/org/redline/redline_ffi.kt android/src/main/kotlin/org/redline/*.kt
               bindings/tests/kotlin/*.kt)
    mkdir -p "$dir"
    # kotlinc takes ~40 s; skip it when neither the bindings nor the test changed.
    local sum
    sum="$(cat "${src[@]}" | sha256sum | cut -c1-64) $kh"
    if [ ! -f "$dir/flow.jar" ] || [ "$(cat "$dir/flow.jar.sum" 2>/dev/null)" != "$sum" ]; then
        echo "compiling with $(basename "$(dirname "$kh")")"
        "$kh/bin/kotlinc" -jvm-target 17 -nowarn -cp "$cp" -d "$dir/flow.jar" "${src[@]}"
        echo "$sum" >"$dir/flow.jar.sum"
    else
        echo "reusing $dir/flow.jar (sources unchanged)"
    fi
    start_server
    java -Djna.library.path="$(dirname "$LIB")" -cp "$dir/flow.jar:$kh/lib/kotlin-stdlib.jar:$cp" FlowTestKt || {
        show_server_log
        return 1
    }
}

swift_tests() {
    scripts/install-swift.sh
    local root="${REDLINE_SWIFT_ROOT:-/var/cache/redline-swift-root}"
    local pkg="$OUT/swift"
    # Stage the package: the tests and manifest from the repository, the
    # generated sources, the iOS wrapper and the library. .build stays, so
    # a second run compiles only what changed.
    rm -rf "$pkg/Sources" "$pkg/Tests" "$pkg/lib"
    mkdir -p "$pkg/Sources/RedlineFFI" "$pkg/Sources/Redline" "$pkg/Tests" "$pkg/lib"
    cp bindings/tests/swift/Package.swift "$pkg/"
    cp -r bindings/tests/swift/Tests/RedlineTests "$pkg/Tests/"
    cp "$OUT/gen/swift/RedlineFFI.h" "$pkg/Sources/RedlineFFI/"
    cp "$OUT/gen/swift/RedlineFFI.modulemap" "$pkg/Sources/RedlineFFI/module.modulemap"
    cp "$OUT/gen/swift/Redline.swift" ios/Sources/Redline/*.swift "$pkg/Sources/Redline/"
    cp "$LIB" "$pkg/lib/"
    # The chroot has no fonts and no CA certificates of its own; both travel
    # with the package. The certificates because the core's HTTP client
    # loads the system trust store when it is made, even for http:// (a
    # Linux without any fails with "builder error"; a phone has its store).
    mkdir -p "$pkg/fonts" "$pkg/certs"
    cp "$FONT" "$pkg/fonts/"
    cp /etc/ssl/certs/ca-certificates.crt "$pkg/certs/"

    # A fixed path inside the chroot: SwiftPM's module cache records it, so
    # a different path per run would invalidate .build. Runs on one machine
    # take turns through a lock instead.
    local mnt="$root/redline-swift"
    mkdir -p "$mnt"
    exec 9>"$root/.redline-swift.lock"
    flock 9
    # shellcheck disable=SC2064 # expand now: the paths are this run's
    at_exit "umount '$mnt' 2>/dev/null; umount '$root/proc' 2>/dev/null"
    mountpoint -q "$mnt" && umount "$mnt" # left by a killed run
    mount --bind "$pkg" "$mnt"
    # swift finds its runtime through /proc/self/exe.
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
    # The chroot shares the host's network, so the server on 127.0.0.1 is
    # reachable from the tests inside; its address and tokens go through env.
    start_server
    local -a env=(HOME=/root RUST_BACKTRACE=0 REDLINE_TEST_FONT=/redline-swift/fonts/"$(basename "$FONT")"
                  SSL_CERT_FILE=/redline-swift/certs/ca-certificates.crt)
    local var
    for var in $(compgen -e | grep -E '^REDLINE_TEST_(SERVER|[A-Z_]+_(DEVICE|TOKEN))$'); do
        env+=("$var=${!var}")
    done
    chroot "$root" /usr/bin/env "${env[@]}" \
        bash -c "cd /redline-swift && swift test --disable-swift-testing 2>&1" || {
        show_server_log
        return 1
    }
}

case "${1:-}" in
    --only) "$2_tests"; exit ;;
esac

# ---- the whole run ----------------------------------------------------------

declare -a TIMES=()
timed() { # name command...
    local name="$1" start=$SECONDS
    shift
    "$@"
    local rc=$?
    TIMES+=("$(printf '%-30s %4ds  %s' "$name" $((SECONDS - start)) "$([ $rc -eq 0 ] && echo ok || echo FAILED)")")
    return $rc
}

echo "== Bindings: build libredline_ffi.so (debug, test hooks), uniffi-bindgen and redline-server"
# The sync tests draw Chinese watermarks with Debian's WenQuanYi Micro Hei
# (as the core's photo tests do), and the core's HTTP client cannot even be
# made without a CA bundle (it loads the trust store up front, also for
# http://). Each installed only if missing.
missing=()
[ -f "$FONT" ] || missing+=(fonts-wqy-microhei)
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (watermark font, CA bundle for the sync client)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The library, bindgen and server as the Rust tests build them (nothing to
# do after test-all.sh's build; see scripts/cargo-tests.sh).
timed "build library, bindgen, server" "$ROOT_DIR/scripts/cargo-tests.sh" build

echo "== Bindings: generate Python, Kotlin, Swift into $OUT/gen"
generate() {
    rm -rf "$OUT/gen"
    local lang
    for lang in python kotlin swift; do
        # Run from the workspace root: uniffi-bindgen finds bindings/uniffi.toml
        # (package and module names) through cargo metadata.
        (cd "$ROOT_DIR" && "$CARGO_TARGET_DIR/debug/uniffi-bindgen" generate --no-format --metadata-no-deps \
            --library "$LIB" --language "$lang" --out-dir "$OUT/gen/$lang") >/dev/null
    done
    (cd "$OUT/gen" && find . -type f | sort | sed 's|^\./|  |')
}
timed "generate bindings" generate

FAILED=()
RAN=()
for lang in python kotlin swift; do
    if [[ " ${REDLINE_BINDINGS_SKIP:-} " == *" $lang "* ]]; then
        echo "== Bindings: $lang skipped (REDLINE_BINDINGS_SKIP)"
        continue
    fi
    echo "== Bindings: $lang"
    RAN+=("$lang")
    timed "$lang tests" "$0" --only "$lang" || FAILED+=("$lang")
done

echo "== Bindings: timings"
printf '%s\n' "${TIMES[@]}"
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "binding tests FAILED: ${FAILED[*]}"
    exit 1
fi
echo "binding tests passed: ${RAN[*]:-none}"
