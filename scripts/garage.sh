#!/usr/bin/env bash
# Garage, a real S3-compatible object store, for the tests of the server's
# S3 blob backend (tests/src/blob_stores.rs).
#
#   scripts/garage.sh install   builds garage from crates.io once, cached
#                               under /var/cache/redline-tools/garage
#   source scripts/garage.sh; garage_start
#                               starts a one-node store on 127.0.0.1 in a
#                               temporary folder (stopped when the calling
#                               shell exits), makes a key and a bucket and
#                               exports REDLINE_TEST_S3_* for the tests
set -euo pipefail

GARAGE_VERSION=2.5.0
GARAGE_ROOT=/var/cache/redline-tools/garage
GARAGE_BIN="$GARAGE_ROOT/bin/garage"

garage_install() {
    if [ -x "$GARAGE_BIN" ] && "$GARAGE_BIN" --version 2>/dev/null | grep -qF "$GARAGE_VERSION"; then
        return
    fi
    echo "== Building garage $GARAGE_VERSION (S3 store for the blob tests; cached)"
    # The one metadata engine the tests use (SQLite, bundled); no metrics,
    # K2V or LMDB: a shorter build. Optimised only lightly: the tests store
    # a few small blobs, and on a fresh two-core machine full optimisation
    # took 14.5 min to build against 10.4 min for level 1.
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
        CARGO_TARGET_DIR=/var/cache/redline-tools/garage-build cargo install garage --version "$GARAGE_VERSION" --locked \
        --no-default-features --features bundled-libs,sqlite --root "$GARAGE_ROOT" --quiet
}

# A port nothing listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

garage_start() {
    garage_install
    local dir s3 rpc
    dir=$(mktemp -d /tmp/redline-garage.XXXXXX)
    s3=$(free_port)
    rpc=$(free_port)
    cat >"$dir/garage.toml" <<TOML
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "sqlite"
# An acknowledged put is on disk, as the server's own commits are.
metadata_fsync = true
data_fsync = true
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$rpc"
rpc_public_addr = "127.0.0.1:$rpc"
rpc_secret = "$(python3 -c 'import secrets; print(secrets.token_hex(32))')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$s3"
root_domain = ".s3.garage.localhost"
TOML
    local g=("$GARAGE_BIN" -c "$dir/garage.toml")
    "${g[@]}" server >"$dir/garage.log" 2>&1 &
    GARAGE_PID=$!
    trap 'kill "$GARAGE_PID" 2>/dev/null || true; rm -rf "'"$dir"'"' EXIT
    # Ready when the node answers its own status (a few hundred ms).
    local tries=0
    until "${g[@]}" status >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ $tries -gt 300 ] || ! kill -0 "$GARAGE_PID" 2>/dev/null; then
            echo "garage did not start:" >&2
            cat "$dir/garage.log" >&2
            return 1
        fi
        sleep 0.1
    done
    local node
    node=$("${g[@]}" node id -q 2>/dev/null | cut -c1-64)
    "${g[@]}" layout assign -z dc1 -c 1G "$node" >/dev/null
    "${g[@]}" layout apply --version 1 >/dev/null
    local key_id="GK$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
    local secret
    secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
    "${g[@]}" key import --yes -n redline-tests "$key_id" "$secret" >/dev/null
    "${g[@]}" bucket create redline-tests >/dev/null
    "${g[@]}" bucket allow --read --write --owner redline-tests --key "$key_id" >/dev/null
    export REDLINE_TEST_S3_ENDPOINT="http://127.0.0.1:$s3"
    export REDLINE_TEST_S3_BUCKET=redline-tests
    export REDLINE_TEST_S3_KEY_ID="$key_id"
    export REDLINE_TEST_S3_SECRET="$secret"
    echo "garage $GARAGE_VERSION serving S3 at $REDLINE_TEST_S3_ENDPOINT (bucket redline-tests)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}" in
        install) garage_install ;;
        *) echo "usage: scripts/garage.sh install, or source it and call garage_start" >&2; exit 2 ;;
    esac
fi
