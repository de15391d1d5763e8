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


# Seeds that fail on today's API, with the exit code and output they end
# with there (and must end with against the emulator).
FAILING_SEEDS = {
    "cancel_cdn.py": (1, 'Unable to create the cancel request 404 '
                         'Function ("getCdnAccounts") is not a valid method for this service.'),
}


def without_clock(world):
    """The world minus its clock (an export names the moment it was written)."""
    return {k: v for k, v in world.items() if k != "clock"}


def run_seed(name):
    with Emulator() as emu:
        before = without_clock(emu.world())
        proc = subprocess.run(
            [sys.executable, os.path.join(HERE, "seeds", name)],
            capture_output=True, text=True, env=emu.env(), timeout=120,
        )
        if name in FAILING_SEEDS:
            code, output = FAILING_SEEDS[name]
            if (proc.returncode, proc.stdout.strip()) != (code, output):
                raise AssertionError(
                    f"wanted exit {code} with {output!r}, got exit {proc.returncode}\n"
                    f"{proc.stdout}\n{proc.stderr}")
            if without_clock(emu.world()) != before:
                raise AssertionError("the failing seed changed the world")
            return
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
