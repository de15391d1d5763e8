"""Runs every conformance check; exits non-zero when any fails."""

import os
import subprocess
import sys
import time
import traceback

import check_fixtures
import check_sdk
import check_slcli
from harness import Emulator

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = [
    "cancel_virtual_guest_service.py",
    "cancel_server_by_private_ip.py",
    "cancel_load_balancer.py",
    "cancel_global_ip.py",
    "cancel_cdn.py",
    "cancel_storage.py",
    "cancel_subnet.py",
    "cancel_vlan.py",
    "create_cancel_server_ticket.py",
]


def run_seed(name):
    with Emulator() as emu:
        proc = subprocess.run(
            [sys.executable, os.path.join(HERE, "seeds", name)],
            capture_output=True, text=True, env=emu.env(), timeout=120,
        )
        if proc.returncode != 0 or not proc.stdout.strip().endswith("ok"):
            raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")


def main():
    checks = [(f"seed {s}", lambda s=s: run_seed(s)) for s in SEEDS]
    checks += [(f"slcli {c.__name__}", c) for c in check_slcli.CHECKS]
    checks += [(f"sdk {c.__name__}", c) for c in check_sdk.CHECKS]
    checks += [(f"fixtures {c.__name__}", c) for c in check_fixtures.CHECKS]
    failed = 0
    start = time.monotonic()
    for name, check in checks:
        t0 = time.monotonic()
        try:
            check()
            print(f"PASS {name} ({time.monotonic() - t0:.1f}s)", flush=True)
        except Exception:  # noqa: BLE001 - report every failure, then exit non-zero
            failed += 1
            print(f"FAIL {name}", flush=True)
            traceback.print_exc()
    total = len(checks)
    print(f"\n{total - failed}/{total} conformance checks passed in {time.monotonic() - start:.1f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
