#!/usr/bin/env bash
# The slretire benchmark (docs/performance.md).
#
#   bench/run.sh [--sizes 1000,20000,100000] [--smoke] [other bench.py flags]
#
# Builds slretire (release; --smoke uses the debug build CI already has),
# installs the official SDK (SoftLayer 6.2.9 from PyPI) into a venv for the
# baseline, then runs bench/bench.py: plan and apply of the real binary
# against `slretire emulator --latency-ms 20` in its own process, the SDK
# baseline on the same emulator, and the targets. Results go to stdout and
# target/bench/results.json (--smoke: target/bench/smoke/results.json).
# Exits non-zero when a run fails or a target is missed.
#
# --smoke: N = 1,000, 100 cancellations, no default-rate runs, no planning
# CPU bench; fails on a failed plan or apply, or API calls above 1.2x the
# minimum. Needs python3 (with venv) and cargo; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
for arg in "$@"; do
    [ "$arg" = "--smoke" ] && smoke=1
done

venv="${CONFORMANCE_VENV:-target/conformance-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check SoftLayer==6.2.9

export PYTHONDONTWRITEBYTECODE=1
if [ "$smoke" = 1 ]; then
    cargo build --locked --bin slretire
    exec python3 bench/bench.py --binary "$PWD/target/debug/slretire" --python "$PWD/$venv/bin/python" \
        --sizes 1000 --apply-items 100 --no-planning-bench --out "$PWD/target/bench/smoke" "$@"
else
    cargo build --locked --release --bin slretire
    cargo bench --locked --no-run --bench planning
    exec python3 bench/bench.py --binary "$PWD/target/release/slretire" --python "$PWD/$venv/bin/python" "$@"
fi
