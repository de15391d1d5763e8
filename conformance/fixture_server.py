"""softlayer-python's own fixtures served as the SoftLayer REST API.

The SDK ships one module per service (`SoftLayer/fixtures/SoftLayer_*.py`)
with one attribute per method: the answers its own tests are checked
against, in the shapes the real API sends (string ids, fees as numbers or
strings, the string "None", missing fees and dates, dates without offsets).
This server answers every `/rest/v3.1/<Service>[/<id>]/<method>.json`
request with that attribute's value, verbatim: types kept, the id, the
objectMask and the objectFilter ignored, as the fixtures ignore them.

What it adds, because slretire's client relies on it as on the real API:

- `resultLimit=<offset>,<limit>` (or `<limit>`) slices a list answer and
  sends the list's length as `SoftLayer-Total-Items`;
- a service without a fixture module, or a method without an attribute,
  gets SoftLayer's 404 bodies (softlayer-api-semantics.md §5.6);
- a request without an `Authorization` header gets the API's 401.

Two answers are amended, each listed in AMENDMENTS with why; `verbatim=True`
serves the fixtures without them. Nothing here listens beyond 127.0.0.1.
"""

import importlib
import json
import pkgutil
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import SoftLayer.fixtures

PREFIX = "/rest/v3.1/"
_JSON_TYPES = (dict, list, str, int, float, bool, type(None))


def load_fixtures():
    """{service: {method: value}} for every `SoftLayer_*` fixture module."""
    services = {}
    for module in pkgutil.iter_modules(SoftLayer.fixtures.__path__):
        if not module.name.startswith("SoftLayer_"):
            continue
        loaded = importlib.import_module(f"SoftLayer.fixtures.{module.name}")
        services[module.name] = {
            name: value
            for name, value in vars(loaded).items()
            # Methods are lowerCamelCase; module constants (STAAS_TEST_VOLUME)
            # and imports are not answers.
            if name[:1].islower() and isinstance(value, _JSON_TYPES)
        }
    return services


def _account_storage(services):
    """The real `getNetworkStorage` returns every storage product of the
    account (block, file, object storage, EVault, ...); the SDK's fixture of
    it holds two volumes only, and keeps the other types in the per-type
    methods' fixtures. The answer here is all of them, each object verbatim,
    so `kind: storage` meets object storage as it does on a real account."""
    account = services["SoftLayer_Account"]
    union, seen = [], set()
    for method in ("getNetworkStorage", "getHubNetworkStorage",
                   "getIscsiNetworkStorage", "getNasNetworkStorage"):
        for obj in account.get(method, []):
            if obj["id"] not in seen:
                seen.add(obj["id"])
                union.append(obj)
    return union


def _account_object(services):
    """`SoftLayer_Account::getObject`'s fixture has no `id` (only the CDN
    accounts and an `accountId` of 1234, which `getCurrentUser`'s fixture
    contradicts with 123456789): every real account has an id, and no plan
    can be made without one. The answer here adds `id` from the fixture's
    own `accountId`, and nothing else."""
    account = dict(services["SoftLayer_Account"]["getObject"])
    account["id"] = account["accountId"]
    return account


AMENDMENTS = {
    ("SoftLayer_Account", "getNetworkStorage"): _account_storage,
    ("SoftLayer_Account", "getObject"): _account_object,
}


class FixtureServer:
    """The fixtures on a loopback port; `url` is the REST endpoint."""

    def __init__(self, verbatim=False):
        self.services = load_fixtures()
        self.answers = {
            key: amend(self.services) for key, amend in ({} if verbatim else AMENDMENTS).items()
        }
        self.log = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{PREFIX}"

    def fixture(self, service, method):
        """What a call answers: the amended value or the fixture's own."""
        if (service, method) in self.answers:
            return self.answers[(service, method)]
        return self.services[service][method]

    def requests(self):
        with self.lock:
            return list(self.log)

    def calls(self, method):
        """The (service, id, parameters) of every logged call of `method`."""
        return [(r["service"], r["id"], r["parameters"]) for r in self.requests()
                if r["method_name"] == method]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _error(status, code, text):
    return status, {"error": text, "code": code}, {}


def answer(server, service, method, query):
    """(status, body, headers) for one call, as SoftLayer would send them."""
    if service not in server.services:
        return _error(404, "SoftLayer_Exception_Public", "Service does not exist")
    if method not in server.services[service]:
        return _error(404, "SoftLayer_Exception_Public",
                      f'Function ("{method}") is not a valid method for this service.')
    value = server.fixture(service, method)
    limit = query.get("resultLimit")
    if not isinstance(value, list) or limit is None:
        return 200, value, {}
    parts = [int(p) if p.strip() else 0 for p in limit.split(",")]
    offset, size = (0, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
    page = value[offset:offset + size] if size else value[offset:]
    return 200, page, {"SoftLayer-Total-Items": str(len(value))}


def _route(path):
    """(service, id, method) of `/rest/v3.1/Service[/id]/method[.json]`."""
    if not path.startswith(PREFIX):
        return None
    parts = [urllib.parse.unquote(p) for p in path[len(PREFIX):].split("/") if p]
    if len(parts) < 2:
        return None
    method = parts[-1].removesuffix(".json")
    ident = parts[1] if len(parts) > 2 else None
    return parts[0], ident, method


def _handler(server):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet: the check reads the log instead
            pass

        def _serve(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            route = _route(url.path)
            params = None
            if body:
                try:
                    params = json.loads(body).get("parameters")
                except (ValueError, AttributeError):
                    params = None
            if route is None:
                status, payload, headers = _error(404, "SoftLayer_Exception_Public", "Service does not exist")
            elif not self.headers.get("Authorization"):
                status, payload, headers = _error(401, "SoftLayer_Exception_InvalidLegacyToken", "Invalid API token.")
            else:
                status, payload, headers = answer(server, route[0], route[2], query)
            with server.lock:
                server.log.append({
                    "verb": self.command, "path": url.path, "query": query, "status": status,
                    "service": route[0] if route else None, "id": route[1] if route else None,
                    "method_name": route[2] if route else None, "parameters": params,
                })
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler
