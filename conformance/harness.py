"""Shared plumbing for the conformance checks: start a fresh emulator on a
fresh copy of the world, read its state and request log, run slcli with a
scratch configuration.

Nothing here talks to anything but 127.0.0.1.
"""

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
WORLD = os.path.join(HERE, "world.json")
USERNAME = "SL278184"
API_KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"


def world_clock(path):
    """The moment a world file describes (its "clock"), or None."""
    with open(path) as f:
        text = json.load(f).get("clock")
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def emulator_now(clock, started):
    """The latest time an emulator can show: it starts its clock at the
    world's clock and runs on from there (started is the wall time just
    before it was launched); a world without a clock runs on real time."""
    if clock is None:
        return datetime.datetime.now(datetime.timezone.utc)
    return clock + datetime.timedelta(seconds=time.time() - started)


def emulator_now_from_env():
    """emulator_now for a seed script run with Emulator.env()."""
    clock = os.environ.get("EMULATOR_WORLD_CLOCK")
    clock = datetime.datetime.fromisoformat(clock) if clock else None
    return emulator_now(clock, float(os.environ["EMULATOR_STARTED"]))


def binary():
    path = os.environ.get("SLRETIRE_BIN")
    if not path:
        sys.exit("SLRETIRE_BIN is not set (run conformance/run.sh)")
    return path


class Emulator:
    """`slretire emulator` on a fresh copy of the world."""

    def __init__(self, *flags, world=WORLD, extra=None):
        self.dir = tempfile.mkdtemp(prefix="slretire-conformance-")
        copy = os.path.join(self.dir, "world.json")
        shutil.copyfile(world, copy)
        if extra:
            # Top-level lists added to the copy (e.g. cdnDomainMappings).
            with open(copy) as f:
                doc = json.load(f)
            doc.update(extra)
            with open(copy, "w") as f:
                json.dump(doc, f)
        self.clock = world_clock(copy)
        self.started = time.time()
        self.proc = subprocess.Popen(
            [binary(), "emulator", "--world", copy, *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            err = self.proc.stderr.read()
            raise RuntimeError(f"emulator did not start: {line!r} {err}")
        self.url = line
        self.root = line.split("/rest/")[0]

    def get(self, path):
        with urllib.request.urlopen(self.root + path, timeout=30) as resp:
            return json.load(resp)

    def now(self):
        """The latest time this emulator's clock can show."""
        return emulator_now(self.clock, self.started)

    def world(self):
        return self.get("/__emulator/world")

    def requests(self):
        return self.get("/__emulator/requests")

    def env(self):
        env = dict(os.environ)
        env["SL_ENDPOINT_URL"] = self.url
        env["SL_USERNAME"] = USERNAME
        env["SL_API_KEY"] = API_KEY
        env["EMULATOR_WORLD_CLOCK"] = self.clock.isoformat() if self.clock else ""
        env["EMULATOR_STARTED"] = repr(self.started)
        return env

    def slcli(self, *args, stdin="", binary=None):
        """Runs slcli (the venv's, or `binary`) against this emulator with a
        scratch HOME and config."""
        home = os.path.join(self.dir, "home")
        os.makedirs(home, exist_ok=True)
        config = os.path.join(home, "slcli.conf")
        with open(config, "w") as f:
            f.write(
                "[softlayer]\n"
                f"username = {USERNAME}\n"
                f"api_key = {API_KEY}\n"
                f"endpoint_url = {self.url}\n"
                "timeout = 30\n"
            )
        env = {k: v for k, v in os.environ.items() if not k.startswith("SL_")}
        env["HOME"] = home
        env["SLCLI_CONFIG"] = config
        env["COLUMNS"] = "200"
        slcli = binary or os.path.join(os.path.dirname(sys.executable), "slcli")
        proc = subprocess.run(
            [slcli, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
        )
        return proc.returncode, (proc.stdout + proc.stderr).strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def cdn_slcli():
    """slcli 6.2.5, the last release on PyPI whose `cdn` commands call the
    API (6.2.6 made them a deprecation notice); run.sh installs it in its
    own venv."""
    path = os.environ.get("SLCLI_CDN")
    if not path:
        sys.exit("SLCLI_CDN is not set (run conformance/run.sh)")
    return path


def cdn_mappings():
    """CDN domain mappings exactly as softlayer-python's own fixtures write
    them: the listDomainMappings entry, and the mapping deleteDomainMapping
    answers with (as it was before it was deleted: running)."""
    from SoftLayer.fixtures import SoftLayer_Network_CdnMarketplace_Configuration_Mapping as fixture

    listed = [dict(m) for m in fixture.listDomainMappings]
    deleted = dict(fixture.deleteDomainMapping[0], status="RUNNING")
    return listed + [deleted]


def world_from_env():
    """The current world of the emulator named by SL_ENDPOINT_URL."""
    root = os.environ["SL_ENDPOINT_URL"].split("/rest/")[0]
    with urllib.request.urlopen(root + "/__emulator/world", timeout=30) as resp:
        return json.load(resp)


def find(world, key, ident):
    """The object with id `ident` in the world list `key`, or None."""
    for obj in world.get(key, []):
        if obj.get("id") == ident:
            return obj
    return None
