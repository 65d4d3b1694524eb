#!/usr/bin/env bash
# Builds and runs the Rust side of the tests in one feature resolution:
#
#   scripts/cargo-tests.sh build        the test binaries and examples,
#                                       redline-server, uniffi-bindgen and
#                                       libredline_ffi.so with its test hooks
#   scripts/cargo-tests.sh test ARGS    cargo test --workspace ARGS, on them
#
# test-all.sh, test-openapi.sh and test-bindings.sh each build through
# here, so after the first build the others find everything built. (A
# `cargo build -p <crate>` resolves features for that crate alone and so
# builds most of the dependency tree once more: on a fresh two-core machine
# that was 13 minutes for the bindings' library and bindgen and 1.5 for
# the OpenAPI run's server and seeding example.)
#
# One resolution means the tested library is built with the features every
# workspace member asks for: libredline_ffi.so then also holds uniffi's
# code generators, which uniffi-bindgen enables. The apps' library is built
# on its own (android/README.md, ios/build-xcframework.sh) and measured by
# scripts/size-ffi.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/redline-target}"
# The same for both commands, or `test` would build everything again.
FEATURES=redline-ffi/test-hooks
case "${1:-}" in
    build) shift; cargo build --workspace --lib --bins --tests --examples --features "$FEATURES" "$@" 2>&1 ;;
    test) shift; cargo test --workspace --features "$FEATURES" "$@" 2>&1 ;;
    *) echo "usage: scripts/cargo-tests.sh build|test [cargo arguments]" >&2; exit 2 ;;
esac
