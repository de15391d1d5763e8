#!/usr/bin/env bash
# Conformance: the official SoftLayer Python SDK and slcli (6.2.9, from PyPI)
# against `slretire emulator`. Needs python3 (with venv) and cargo; fetches
# everything else itself. Exits non-zero when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${CONFORMANCE_VENV:-target/conformance-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check SoftLayer==6.2.9
# slcli 6.2.5: the last release whose `cdn` commands call the API (6.2.6
# replaced them with a deprecation notice), for the CDN Marketplace checks.
cdn_venv="${CONFORMANCE_CDN_VENV:-target/conformance-venv-cdn}"
if [ ! -x "$cdn_venv/bin/python" ]; then
    python3 -m venv "$cdn_venv"
fi
"$cdn_venv/bin/python" -m pip install --quiet --disable-pip-version-check SoftLayer==6.2.5
export SLCLI_CDN="$PWD/$cdn_venv/bin/slcli"

cargo build --locked --bin slretire
export SLRETIRE_BIN="$PWD/target/debug/slretire"
export PYTHONDONTWRITEBYTECODE=1

exec "$venv/bin/python" conformance/run.py
