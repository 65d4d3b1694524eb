#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the
# tests need, builds, and runs the Rust suites.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/redline-target}"
mkdir -p "$CARGO_TARGET_DIR"

echo "== Rust tests"
cargo test --workspace --no-fail-fast 2>&1
