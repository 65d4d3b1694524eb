#!/usr/bin/env bash
# Benchmarks inspection plans at district scale (tests/benches/plans.rs): a
# plan of 24,000 tasks written and re-expanded, and carried to 200 devices
# through the real server and client, on SQLite and PostgreSQL
# (127.0.0.1:5432). Results go to BENCHMARKS.md by hand ("Inspection plans").
#
#   scripts/bench-plans.sh                  # both backends
#   scripts/bench-plans.sh --only sqlite    # or postgres
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/redline-target}"
cargo bench -p redline-tests --bench plans -- "$@"
