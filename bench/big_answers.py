"""Peak memory of `slretire plan` when the API answers with huge bodies
(docs/performance.md, "Memory against huge answers").

    python3 bench/big_answers.py --binary target/release/slretire [--mb 250] [--shapes ...]

A loopback HTTP server answers the two credential checks (account and
current user) normally and every other call with a body of --mb megabytes,
in one of these shapes:

  string   200, a one-object list whose hostname is the whole body
  numbers  200, a list of numbers `[1,1,1,...]` (JSON that costs the most to
           hold as a tree: 2 bytes of text per value)
  object   200, `{"id": 1, "x": [1,1,...]}` (a non-list answer to a list call)
  error    500, SoftLayer's error document with the body as its message

The manifest names one object of each of the ten kinds, so every kind is
read in parallel, as a plan does. Each run goes through bench/measure.py
(peak RSS of the slretire process alone); the plan must fail (the answers
are garbage) with exit code 1, never be killed. Prints one line per shape
and exits 1 when a plan exits otherwise.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = {
    "virtual_guest": "id: 1001",
    "hardware": "id: 1002",
    "storage": "id: 1003",
    "subnet": "id: 1004",
    "vlan": "id: 1005",
    "global_ip": "id: 1006",
    "load_balancer": "id: 1007",
    "cdn": "id: 1008",
    "dedicated_host": "id: 1009",
    "billing_item": "id: 1010",
}


def body_of(shape, size):
    """The answer (status, bytes) of about `size` bytes in `shape`."""
    if shape == "string":
        return 200, b'[{"id": 1001, "hostname": "' + b"a" * size + b'"}]'
    if shape == "numbers":
        return 200, b"[" + b"1," * (size // 2) + b"1]"
    if shape == "object":
        return 200, b'{"id": 1, "x": [' + b"1," * (size // 2) + b"1]}"
    if shape == "error":
        return 500, (b'{"error": "' + b"e" * size
                     + b'", "code": "SoftLayer_Exception_Public"}')
    raise ValueError(shape)


def serve(status, body):
    """A threaded loopback server; returns (server, base URL)."""
    account = json.dumps({"id": 278184, "companyName": "Big", "email": "a@b.c"}).encode()
    user = json.dumps({"id": 1, "username": "bench"}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            path = self.path.split("?")[0]
            if path.endswith("/SoftLayer_Account/getObject.json"):
                code, data = 200, account
            elif path.endswith("/SoftLayer_Account/getCurrentUser.json"):
                code, data = 200, user
            else:
                code, data = status, body
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("SoftLayer-Total-Items", "1")
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = answer
        do_POST = answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/rest/v3.1/"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", required=True)
    p.add_argument("--mb", type=int, default=250)
    p.add_argument("--shapes", default="string,numbers,object,error")
    a = p.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        manifest = os.path.join(tmp, "all.yaml")
        with open(manifest, "w") as f:
            f.write("version: 1\naccount: 278184\nretire:\n")
            for kind, selector in KINDS.items():
                f.write(f"  - kind: {kind}\n    {selector}\n    reason: No longer needed\n")
        config = os.path.join(tmp, "empty.ini")
        open(config, "w").close()
        for shape in a.shapes.split(","):
            status, body = body_of(shape, a.mb * 1_000_000)
            server, url = serve(status, body)
            out = os.path.join(tmp, "measure.json")
            cmd = [sys.executable, os.path.join(here, "measure.py"), out, a.binary, "plan",
                   manifest, "--endpoint", url, "--username", "bench",
                   "--api-key", "bench-key-0123456789", "--config", config]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            server.shutdown()
            m = json.load(open(out))
            first = (proc.stderr.strip().splitlines() or [""])[0][:160]
            print(f"{shape:8} {a.mb} MB bodies: exit {m['exit']}, peak RSS "
                  f"{m['maxrss_kb'] / 1024:.0f} MB, wall {m['wall_s']:.1f} s, "
                  f"stderr {len(proc.stderr):,} bytes: {first}", flush=True)
            if m["exit"] != 1:
                failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
