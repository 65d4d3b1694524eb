#!/usr/bin/env bash
# Checks the crate boundaries the layout exists for: the shared domain
# compiles no phone or FFI dependency, and the server binary none of the
# phone's (image stack, HTTP client) or uniffi. Fails naming what leaked.
set -euo pipefail
cd "$(dirname "$0")/.."

# Fails if `cargo tree` of crate $1 (normal dependencies) holds any of $2...
forbid() {
    local crate=$1
    shift
    local found
    found=$(cargo tree -p "$crate" -e normal --prefix none 2>/dev/null | awk '{print $1}' | sort -u | grep -xF -f <(printf '%s\n' "$@") || true)
    if [ -n "$found" ]; then
        echo "$crate must not depend on: $(echo "$found" | tr '\n' ' ')" >&2
        return 1
    fi
    echo "$crate: none of $* (ok)"
}

forbid redline-domain rusqlite image reqwest uniffi jpeg-encoder axum tokio-postgres ring redline-seal redline-photo
forbid redline-server image reqwest jpeg-encoder ab_glyph uniffi redline-seal redline-photo
