#!/usr/bin/env bash
# Builds ios/RedlineFFI.xcframework (static libredline_ffi for iPhone and for
# the simulator on Apple-silicon and Intel Macs) and generates the Swift
# bindings into ios/Sources/Redline/Generated/, ready for Package.swift.
#
# Runs on macOS with Xcode and rustup; cannot run on the project's Linux CI
# (no Xcode), where the same Swift sources are compiled and tested on Linux
# by scripts/test-bindings.sh instead.
#
# Usage: ios/build-xcframework.sh [--zip]
#   --zip  also writes RedlineFFI.xcframework.zip and prints the checksum
#          for a release Package.swift (binaryTarget url + checksum).
set -euo pipefail
cd "$(dirname "$0")/.."
IOS="$PWD/ios"
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export IPHONEOS_DEPLOYMENT_TARGET=15.0
# SQLite's and ring's C without unwinding tables: no unwinding passes
# through C frames (see scripts/size-ffi.sh).
export CFLAGS="${CFLAGS:--fno-asynchronous-unwind-tables -fno-unwind-tables}"

DEVICE=aarch64-apple-ios
SIMULATORS=(aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "$DEVICE" "${SIMULATORS[@]}"

# A static library per target, with the `mobile` profile (built for size;
# see BENCHMARKS.md, "Library size"). The crate's declared types (cdylib, lib) suit
# Android and the tests; `cargo rustc --crate-type staticlib` adds the .a for
# iOS without making every other build produce one.
for target in "$DEVICE" "${SIMULATORS[@]}"; do
    echo "== cargo: $target"
    cargo rustc -p redline-ffi --lib --profile mobile --target "$target" --crate-type staticlib
done

# Generate the Swift sources from a host build (the metadata is the same for
# every target); run from the workspace root so bindings/uniffi.toml applies.
echo "== uniffi-bindgen: Swift"
cargo build -p redline-ffi --release
GEN="$TARGET_DIR/ios-gen"
rm -rf "$GEN"
cargo run -q -p uniffi-bindgen -- generate --no-format --metadata-no-deps \
    --library "$TARGET_DIR/release/libredline_ffi.dylib" --language swift --out-dir "$GEN"
mkdir -p "$IOS/Sources/Redline/Generated"
cp "$GEN/Redline.swift" "$IOS/Sources/Redline/Generated/"

# Headers of the RedlineFFI module, shared by every slice.
HEADERS="$GEN/headers"
mkdir -p "$HEADERS"
cp "$GEN/RedlineFFI.h" "$HEADERS/"
cp "$GEN/RedlineFFI.modulemap" "$HEADERS/module.modulemap"

# One library per platform: the two simulator architectures are merged.
SIM_LIB="$GEN/ios-simulator/libredline_ffi.a"
mkdir -p "$(dirname "$SIM_LIB")"
lipo -create \
    "$TARGET_DIR/aarch64-apple-ios-sim/mobile/libredline_ffi.a" \
    "$TARGET_DIR/x86_64-apple-ios/mobile/libredline_ffi.a" \
    -output "$SIM_LIB"

echo "== xcodebuild: RedlineFFI.xcframework"
rm -rf "$IOS/RedlineFFI.xcframework"
xcodebuild -create-xcframework \
    -library "$TARGET_DIR/$DEVICE/mobile/libredline_ffi.a" -headers "$HEADERS" \
    -library "$SIM_LIB" -headers "$HEADERS" \
    -output "$IOS/RedlineFFI.xcframework"

if [ "${1:-}" = "--zip" ]; then
    (cd "$IOS" && rm -f RedlineFFI.xcframework.zip && zip -qry RedlineFFI.xcframework.zip RedlineFFI.xcframework)
    echo "checksum: $(swift package compute-checksum "$IOS/RedlineFFI.xcframework.zip")"
fi
echo "done: $IOS/RedlineFFI.xcframework, $IOS/Sources/Redline/Generated/Redline.swift"
