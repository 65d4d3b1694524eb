#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the
# tests need, builds, and runs the Rust suites, the OpenAPI conformance run
# (schemathesis against a seeded server on both backends) and the bindings.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/redline-target}"
mkdir -p "$CARGO_TARGET_DIR"

# Photo pipeline tests (core/tests/photo_pipeline.rs) draw Chinese watermark
# text with Debian's WenQuanYi Micro Hei; installed only if missing.
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    echo "== Installing fonts-wqy-microhei (CJK font for the photo tests)"
    apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei
fi

# The PDF documents' tests (core/reports/tests/documents.rs) read the PDFs
# back with Debian's poppler-utils (pdftotext, pdffonts, pdftoppm).
if ! command -v pdftotext >/dev/null || ! command -v pdffonts >/dev/null; then
    echo "== Installing poppler-utils (PDF document tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
fi

# The dashboard's browser test (tests/tests/browser.rs) drives Debian's
# headless Chromium through chromedriver; installed only if missing, and
# required (the test fails rather than skips without it).
if [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/chromium ]; then
    echo "== Installing chromium and chromium-driver (dashboard browser test)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
export REDLINE_REQUIRE_BROWSER=1

# ---- Habits ---------------------------------------------------------------------
# Formatting and lints first: they fail in seconds, the suites take minutes.
echo "== cargo fmt --check, clippy -D warnings"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings 2>&1
# The server alone, so its lean dependency set is what gets compiled, not
# the union the workspace resolves (checked, not built: everything the
# tests run is built once, below); and the crate boundaries the layout
# exists for.
echo "== redline-server on its own; crate boundaries"
cargo check -p redline-server 2>&1
./scripts/check-deps.sh

# The PostgreSQL tests give every server its own schema (t_<uuid>) in the
# database `test`; drop those left by earlier runs so they never pile up
# (one statement each: one transaction for hundreds would run out of locks).
if command -v psql >/dev/null && psql -h 127.0.0.1 -U postgres -d test -Atc "SELECT 1" >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -d test -Atc \
        "SELECT format('DROP SCHEMA %I CASCADE;', nspname) FROM pg_namespace WHERE nspname LIKE 't\\_%'" \
        | psql -h 127.0.0.1 -U postgres -d test -q >/dev/null 2>&1 || true
fi

# tests/tests/conformance.rs runs a Node.js client written from the protocol
# documents; its npm dependencies are pinned in tests/conformance/package-lock.json.
echo "== npm dependencies of the conformance client"
npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error >/dev/null

# The S3 blob backend's tests (tests/tests/blob_stores.rs and others) run on
# a real Garage node: built from crates.io once (cached under /var/cache),
# started here on 127.0.0.1 and stopped when this script exits.
echo "== Garage (S3 store for the blob tests)"
# shellcheck source=garage.sh
source scripts/garage.sh
garage_start

# Built once for the Rust tests, the OpenAPI run and the bindings (see
# scripts/cargo-tests.sh).
echo "== Building the tests, the server, the bindings' library and bindgen"
./scripts/cargo-tests.sh build
echo "== Rust tests"
./scripts/cargo-tests.sh test --no-fail-fast

# ---- The JSON API against its OpenAPI document -----------------------------------
# schemathesis (pinned, in a cached venv) on a seeded server per backend, for
# a supervisor in scope and one of another district; see the script's header.
echo "== OpenAPI conformance (schemathesis)"
./scripts/test-openapi.sh

# ---- Mobile bindings ---------------------------------------------------------
# redline-ffi's generated Python, Kotlin (JVM) and Swift (Linux chroot)
# bindings, each running the inspection flow against the real library.
# Installs kotlinc, JNA and the Swift chroot on first use (cached).
echo "== Binding tests (Python, Kotlin, Swift)"
./scripts/test-bindings.sh
