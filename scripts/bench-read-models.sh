#!/usr/bin/env bash
# Benchmarks the read models at district scale (tests/benches/read_models.rs):
# a generated district of 100,000 inspections and ~300,000 hazards queried
# through a real server process on SQLite and on PostgreSQL (127.0.0.1:5432),
# the exports, the dashboard's pages, and the merge cost with the read models
# on and off. Results go to BENCHMARKS.md by hand ("Read models").
#
#   scripts/bench-read-models.sh                 # both backends, kept district
#   scripts/bench-read-models.sh --fresh         # generate the district again
#   scripts/bench-read-models.sh --only sqlite   # or postgres; --no-merge, --merge-only
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/redline-target}"
cargo bench -p redline-tests --bench read_models -- "$@"
