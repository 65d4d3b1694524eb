//! The `uniffi-bindgen` binary for this workspace, pinned to the same uniffi
//! version as `redline-ffi` (the generator and the scaffolding must match).
//! Typical use, from the repository root:
//!
//! ```text
//! cargo run -p uniffi-bindgen -- generate \
//!     --library $CARGO_TARGET_DIR/debug/libredline_ffi.so \
//!     --language kotlin --out-dir out/kotlin
//! ```

fn main() {
    uniffi::uniffi_bindgen_main()
}
