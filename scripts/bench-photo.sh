#!/usr/bin/env bash
# Benchmarks the photo capture pipeline (redline-device `photo::process`)
# against Pillow doing the same work on the same 12 MP JPEG: every run in a
# fresh process, peak RSS from wait4. Results go to BENCHMARKS.md by hand
# ("Photos: capture pipeline").
#
#   scripts/bench-photo.sh            # 15 runs per row
#   scripts/bench-photo.sh --runs 5
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/redline-target}"

# Pillow in its own venv: the system Python is not ours to change.
VENV=/var/cache/redline-venv-bench
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import PIL" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet pillow
fi

# The watermark row draws Chinese with Debian's WenQuanYi Micro Hei.
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei
fi

# Only the photo feature: the benchmark needs no SQLite store.
REDLINE_BENCH_PYTHON="$VENV/bin/python" \
    cargo bench -p redline-device --no-default-features --features photos --bench photo -- "$@"
