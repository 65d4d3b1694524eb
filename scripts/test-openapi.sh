#!/usr/bin/env bash
# Holds the supervisors' JSON API to its OpenAPI document: schemathesis
# (pinned below, in a cached venv) generates requests from
# /api/v1/openapi.json, valid and invalid, and checks every answer: no 5xx,
# only documented status codes and content types, bodies and headers as
# the schemas say, invalid input refused, and no answer without a token.
#
# It runs on a real redline-server per backend (SQLite in a temporary
# folder; PostgreSQL at 127.0.0.1:5432, database `test`, in a fresh schema
# t_openapi_*), each seeded with the demo district and then with field work
# sent by real phone stores (tests/examples/seed_field_work.rs), so lists,
# details and exports return real rows. Two callers per server: the demo
# supervisor-li, whose district it is, and a supervisor of another district,
# who must find nothing and still get only documented answers. Generation
# settings and the dictionaries of real ids are in tests/openapi/.
#
# Without a reachable PostgreSQL its run is skipped with a message, except
# under CI (CI=true), where that is a failure. Servers stop on exit.
#
# Env: CARGO_TARGET_DIR           (default /var/cache/redline-target)
#      REDLINE_OPENAPI_EXAMPLES   test cases per operation and phase (default 100)
#      REDLINE_OPENAPI_SEED       schemathesis seed (default 20261201)
#      REDLINE_OPENAPI_REPORTS    a folder to keep each run's JUnit and HAR reports in
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/redline-target}"
SCHEMATHESIS_VERSION=4.32.5
VENV=/var/cache/redline-venv-schemathesis
EXAMPLES="${REDLINE_OPENAPI_EXAMPLES:-100}"
SEED="${REDLINE_OPENAPI_SEED:-20261201}"
PG_URL=postgres://postgres@127.0.0.1:5432/test
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
CHECKS+=,response_headers_conformance,negative_data_rejection,ignored_auth
START=$SECONDS

# Commands run when this process exits, however it exits, the last
# registered first (servers stop before their folders go).
EXIT_ACTIONS=()
at_exit() { EXIT_ACTIONS+=("$1"); }
run_exit_actions() {
    local i
    for ((i = ${#EXIT_ACTIONS[@]} - 1; i >= 0; i--)); do eval "${EXIT_ACTIONS[i]}" || true; done
}
trap run_exit_actions EXIT
RUN="$(mktemp -d "${TMPDIR:-/tmp}/redline-openapi.XXXXXX")"
at_exit "rm -rf '$RUN'"

# ---- tools --------------------------------------------------------------------

if [ "$("$VENV/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
    echo "== Installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV" 2>/dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        rm -rf "$VENV" && python3 -m venv "$VENV"
    }
    "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
echo "== Building redline-server and the seeding example"
# Built as the other test scripts build them (nothing to do after
# test-all.sh's build); copied out at once: a build of another checkout
# sharing the target folder would replace them in place.
mkdir -p "$RUN/bin"
./scripts/cargo-tests.sh build -q
cp "$CARGO_TARGET_DIR/debug/redline-server" "$CARGO_TARGET_DIR/debug/examples/seed_field_work" "$RUN/bin/"
SERVER_BIN="$RUN/bin/redline-server"
SEED_BIN="$RUN/bin/seed_field_work"

# ---- one server ------------------------------------------------------------------

# start_server DIR STORAGE-FLAGS...: starts redline-server on a free port
# with the demo region seeded and sets URL. Its standard output goes
# through a FIFO, read line by line until it says where it listens (a
# blocking read: no polling), then drained into DIR/stdout.
start_server() {
    local dir="$1"
    shift
    mkfifo "$dir/stdout.fifo"
    # Rate limits far above what the run sends: 429s would only hide answers.
    "$SERVER_BIN" --listen 127.0.0.1:0 --data-dir "$dir/data" --rate-per-sec 10000 --rate-burst 10000 "$@" \
        >"$dir/stdout.fifo" 2>"$dir/stderr" &
    local pid=$!
    at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    local line
    URL=""
    exec 3<"$dir/stdout.fifo"
    while IFS= read -r -u 3 line; do
        printf '%s\n' "$line" >>"$dir/stdout"
        case "$line" in
            "redline-server listening on "*) URL="${line#redline-server listening on }" && break ;;
        esac
    done
    cat <&3 >>"$dir/stdout" &
    exec 3<&-
    if [ -z "$URL" ]; then
        echo "redline-server did not start:" >&2
        cat "$dir/stdout" "$dir/stderr" >&2
        return 1
    fi
}

# token_of FILE USER: USER's token in FILE ("USER device D token T" lines).
token_of() {
    awk -v u="$2" '$1 == u && $2 == "device" && $4 == "token" { print $5 }' "$1"
}

# fuzz NAME DIR TOKEN: one schemathesis run against the server at URL.
RESULTS=()
PASSED=0
FAILED=0
fuzz() {
    local name="$1" dir="$2" token="$3" t0=$SECONDS status=0 reports=()
    echo "== schemathesis: $name"
    if [ -n "${REDLINE_OPENAPI_REPORTS:-}" ]; then
        local out
        out="$(realpath -m "$REDLINE_OPENAPI_REPORTS")/$(echo "$name" | tr -c 'a-z0-9\n' '-' | tr -s '-')"
        reports=(--report junit,har --report-dir "$out")
    fi
    (cd "$dir" && REDLINE_API_TOKEN="$token" "$VENV/bin/schemathesis" --config-file schemathesis.toml run \
        "$URL/api/v1/openapi.json" --checks "$CHECKS" --phases coverage,fuzzing --mode all \
        --max-examples "$EXAMPLES" --seed "$SEED" --workers 2 --generation-database none \
        --no-color --suppress-health-check too_slow "${reports[@]}") || status=$?
    if [ $status -eq 0 ]; then
        PASSED=$((PASSED + 1))
        RESULTS+=("ok      $name ($((SECONDS - t0)) s)")
    else
        FAILED=$((FAILED + 1))
        RESULTS+=("FAILED  $name ($((SECONDS - t0)) s)")
        echo "---- last lines of the redline-server log" && tail -n 20 "$dir/stdout"
    fi
}

# backend NAME STORAGE-FLAGS...: a seeded server, a supervisor of another
# district added beside the demo users, field work sent by phones, and one
# schemathesis run per caller.
backend() {
    local name="$1"
    shift
    local dir="$RUN/$name"
    mkdir -p "$dir"
    echo "== $name: starting and seeding redline-server"
    start_server "$dir" "$@"
    # A device of its own for each user the run acts as, beside those the
    # demo seed registered: "USER device ID token TOKEN" per line.
    "$SERVER_BIN" --data-dir "$dir/data" "$@" admin put-user supervisor-far 宁波督查员 supervisor --area zj/nb >/dev/null
    local user
    for user in inspector-zhang assistant-wang assistant-chen supervisor-li supervisor-far; do
        "$SERVER_BIN" --data-dir "$dir/data" "$@" admin add-device "$user" |
            awk -v u="$user" '$1 == "device" && $3 == "token" { print u, $0 }' >>"$dir/devices"
    done
    local li far
    li="$(token_of "$dir/devices" supervisor-li)"
    far="$(token_of "$dir/devices" supervisor-far)"
    if [ -z "$li" ] || [ -z "$far" ]; then
        echo "no device token for supervisor-li or supervisor-far:" >&2
        cat "$dir/devices" >&2
        return 1
    fi
    "$SEED_BIN" "$URL" "$dir/devices" "$dir/dict"
    cp "$ROOT_DIR/tests/openapi/schemathesis.toml" "$dir/"
    fuzz "$name, supervisor-li (in scope)" "$dir" "$li"
    fuzz "$name, supervisor-far (another district)" "$dir" "$far"
}

backend sqlite

if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    schema="t_openapi_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
    if command -v psql >/dev/null; then
        at_exit "psql -h 127.0.0.1 -U postgres -d test -qc 'DROP SCHEMA IF EXISTS $schema CASCADE' >/dev/null 2>&1"
    fi
    backend postgres --database-url "$PG_URL" --pg-schema "$schema"
elif [ "${CI:-}" = true ]; then
    echo "PostgreSQL at 127.0.0.1:5432 is unreachable, and CI requires it" >&2
    FAILED=$((FAILED + 1))
else
    echo "== postgres: skipped, nothing listens on 127.0.0.1:5432"
fi

echo "== OpenAPI conformance ($((SECONDS - START)) s in all)"
printf '   %s\n' "${RESULTS[@]}"
echo "openapi: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
