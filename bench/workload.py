"""The benchmark's workload, derived from a generated world: the manifests
(several hundred entries mixing ids, addresses, globs and tags, all chosen
from real objects), the same entries as JSON for the SDK baseline, a plain
Python resolver that says which objects they select (to check that slretire
and the baseline did the same work), and the minimum number of API calls.

Standard library only: the orchestrator runs it with the system python3.
"""

import fnmatch
import ipaddress
import json
import math
import random
from datetime import datetime, timedelta, timezone

ACCOUNT = 278184

# Where each manifest kind's objects come from: the world list, the list
# call, and what the server can narrow that list by (mirrors the kind files
# under src/resolve/). `addresses` are filter paths; each needs its own call
# because SoftLayer's objectFilter ANDs keys and has no OR.
SOURCES = {
    "virtual_guest": [
        dict(world="virtualGuests", call="SoftLayer_Account::getVirtualGuests",
             addresses=2, datacenter=True, tags=True, number=False, network=False),
    ],
    "hardware": [
        dict(world="hardware", call="SoftLayer_Account::getHardware",
             addresses=2, datacenter=True, tags=True, number=False, network=False),
    ],
    "storage": [
        dict(world="networkStorage", call="SoftLayer_Account::getNetworkStorage",
             addresses=1, datacenter=True, tags=False, number=False, network=False),
    ],
    "subnet": [
        dict(world="subnets", call="SoftLayer_Account::getSubnets",
             addresses=0, datacenter=True, tags=True, number=False, network=True),
    ],
    "vlan": [
        dict(world="networkVlans", call="SoftLayer_Account::getNetworkVlans",
             addresses=0, datacenter=True, tags=True, number=True, network=False),
    ],
    "global_ip": [
        dict(world="globalIpRecords", call="SoftLayer_Account::getGlobalIpRecords",
             addresses=1, datacenter=False, tags=False, number=False, network=False),
    ],
    "load_balancer": [
        dict(world="adcLoadBalancers", call="SoftLayer_Account::getAdcLoadBalancers",
             addresses=1, datacenter=False, tags=False, number=False, network=False),
        dict(world="lbaasLoadBalancers", call="SoftLayer_Network_LBaaS_LoadBalancer::getAllObjects",
             addresses=0, datacenter=True, tags=False, number=False, network=False),
    ],
    "cdn": [
        dict(world="cdnAccounts", call="SoftLayer_Account::getCdnAccounts",
             addresses=0, datacenter=False, tags=False, number=False, network=False),
    ],
    "dedicated_host": [
        dict(world="dedicatedHosts", call="SoftLayer_Account::getDedicatedHosts",
             addresses=0, datacenter=True, tags=True, number=False, network=False),
    ],
}


# ---------------------------------------------------------------- facts


def parse_ts(text):
    if not text:
        return None
    return datetime.fromisoformat(text)


def tags_of(obj):
    return sorted({r["tag"]["name"] for r in obj.get("tagReferences", []) if r.get("tag")})


def facts(kind, world_list, obj):
    """What a selector can test, per kind (the planner's `Resource`)."""
    f = dict(id=obj["id"], names=[], addresses=[], datacenter=None, tags=[],
             created=None, number=None, router=None, network=None, kind=kind)
    if world_list in ("virtualGuests", "hardware"):
        host, domain = obj.get("hostname"), obj.get("domain")
        f["names"] = [n for n in (host, f"{host}.{domain}" if host and domain else None) if n]
        f["addresses"] = [obj[k] for k in ("primaryIpAddress", "primaryBackendIpAddress") if obj.get(k)]
        f["datacenter"] = (obj.get("datacenter") or {}).get("name")
        f["tags"] = tags_of(obj)
        f["created"] = parse_ts(obj.get("createDate") or obj.get("provisionDate"))
    elif world_list == "networkStorage":
        f["names"] = [obj["username"]]
        if obj.get("serviceResourceBackendIpAddress"):
            f["addresses"] = [obj["serviceResourceBackendIpAddress"]]
        f["datacenter"] = ((obj.get("serviceResource") or {}).get("datacenter") or {}).get("name")
        f["created"] = parse_ts(obj.get("createDate"))
    elif world_list == "subnets":
        f["network"] = f"{obj['networkIdentifier']}/{obj['cidr']}"
        f["datacenter"] = (obj.get("datacenter") or {}).get("name")
        f["tags"] = tags_of(obj)
    elif world_list == "networkVlans":
        f["number"] = obj.get("vlanNumber")
        f["router"] = (obj.get("primaryRouter") or {}).get("hostname")
        f["names"] = [obj["name"]] if obj.get("name") else []
        f["datacenter"] = ((obj.get("primaryRouter") or {}).get("datacenter") or {}).get("name")
        f["tags"] = tags_of(obj)
    elif world_list == "globalIpRecords":
        f["addresses"] = [obj["ipAddress"]["ipAddress"]]
    elif world_list == "adcLoadBalancers":
        # A VIP has no name in the API; its notes are its label.
        f["names"] = [obj["notes"]] if obj.get("notes") else []
        f["addresses"] = [obj["ipAddress"]["ipAddress"]]
    elif world_list == "lbaasLoadBalancers":
        f["names"] = [n for n in (obj.get("uuid"), obj.get("name")) if n]
        f["datacenter"] = (obj.get("datacenter") or {}).get("name")
        f["created"] = parse_ts(obj.get("createDate"))
    elif world_list == "cdnAccounts":
        f["names"] = [obj["cdnAccountName"]]
    elif world_list == "dedicatedHosts":
        f["names"] = [obj["name"]]
        f["datacenter"] = (obj.get("datacenter") or {}).get("name")
        f["tags"] = tags_of(obj)
    return f


def selects(entry, f, now):
    """Whether every key of `entry` matches the object's facts (AND)."""
    if "id" in entry and f["id"] not in as_list(entry["id"]):
        return False
    if "ip" in entry:
        if f["network"]:
            net = ipaddress.ip_network(f["network"])
            if not any(ipaddress.ip_address(a) in net for a in as_list(entry["ip"])):
                return False
        elif not set(as_list(entry["ip"])) & set(f["addresses"]):
            return False
    if "name" in entry:
        pats = [p.lower() for p in as_list(entry["name"])]
        if not any(fnmatch.fnmatchcase(n.lower(), p) for n in f["names"] for p in pats):
            return False
    if "cidr" in entry and f["network"] != entry["cidr"]:
        return False
    if "number" in entry and f["number"] != entry["number"]:
        return False
    if "router" in entry and (f["router"] or "").lower() != entry["router"].lower():
        return False
    if "datacenter" in entry and f["datacenter"] != entry["datacenter"]:
        return False
    if not set(entry.get("tags", [])) <= set(f["tags"]):
        return False
    if "older_than_days" in entry:
        if f["created"] is None or f["created"] >= now - timedelta(days=entry["older_than_days"]):
            return False
    return True


def as_list(v):
    return v if isinstance(v, list) else [v]


# ---------------------------------------------------------------- manifests


def cancellable(obj):
    """Active, cancellable through the API, not protected, not busy."""
    b = obj.get("billingItem")
    return (
        b is not None
        and not b.get("cancellationDate")
        and b.get("allowCancellationFlag", 1) == 1
        and "keep" not in tags_of(obj)
        and not obj.get("activeTransaction")
    )


def unprotected(obj):
    return "keep" not in tags_of(obj)


def sample(rng, items, k):
    items = list(items)
    return rng.sample(items, min(k, len(items)))


def plan_entries(world, seed):
    """Several hundred entries over every kind: ids, addresses, globs, tags."""
    rng = random.Random(seed)
    w = lambda key: world.get(key, [])
    entries = []

    def add(kind, **keys):
        entries.append(dict(kind=kind, **keys))

    guests = [g for g in w("virtualGuests") if unprotected(g)]
    for g in sample(rng, guests, 150):
        add("virtual_guest", id=g["id"])
    for g in sample(rng, guests, 80):
        key = rng.choice(["primaryIpAddress", "primaryBackendIpAddress"])
        if g.get(key):
            add("virtual_guest", ip=g[key])
    for g in sample(rng, w("virtualGuests"), 20):
        # `web-00123` -> `web-001*`: about a dozen guests at any size.
        add("virtual_guest", name=g["hostname"][:-2] + "*")
    for _ in range(5):
        t = sorted(rng.sample(["ephemeral", "ci", "batch", "dev", "team-a"], 2))
        dc = rng.choice(w("virtualGuests"))["datacenter"]["name"]
        add("virtual_guest", tags=t, datacenter=dc, older_than_days=900)

    servers = [h for h in w("hardware") if unprotected(h)]
    for h in sample(rng, servers, 30):
        add("hardware", id=h["id"])
    for h in sample(rng, servers, 20):
        if h.get("primaryBackendIpAddress"):
            add("hardware", ip=h["primaryBackendIpAddress"])
    for h in sample(rng, w("hardware"), 5):
        add("hardware", name=h["hostname"][:-2] + "*")
    for t in ("legacy", "batch"):
        add("hardware", tags=[t], older_than_days=700)

    volumes = w("networkStorage")
    for s in sample(rng, volumes, 30):
        add("storage", id=s["id"])
    for s in sample(rng, volumes, 10):
        add("storage", name=s["username"])
    for s in sample(rng, volumes, 5):
        add("storage", ip=s["serviceResourceBackendIpAddress"])

    portable = [s for s in w("subnets") if s.get("subnetType") == "SECONDARY_ON_VLAN" and unprotected(s)]
    for s in sample(rng, portable, 15):
        add("subnet", cidr=f"{s['networkIdentifier']}/{s['cidr']}")
    for s in sample(rng, portable, 10):
        add("subnet", id=s["id"])

    vlans = [v for v in w("networkVlans") if unprotected(v)]
    for v in sample(rng, vlans, 10):
        add("vlan", number=v["vlanNumber"], router=v["primaryRouter"]["hostname"])
    for v in sample(rng, vlans, 10):
        add("vlan", id=v["id"])

    for g in sample(rng, w("globalIpRecords"), 15):
        add("global_ip", ip=g["ipAddress"]["ipAddress"])
    for g in sample(rng, w("globalIpRecords"), 5):
        add("global_ip", id=g["id"])

    for a in sample(rng, w("adcLoadBalancers"), 5):
        add("load_balancer", id=a["id"])
    for lb in sample(rng, w("lbaasLoadBalancers"), 5):
        add("load_balancer", name=lb["name"])
    for c in sample(rng, w("cdnAccounts"), 5):
        add("cdn", name=c["cdnAccountName"])
    for h in sample(rng, w("dedicatedHosts"), 5):
        add("dedicated_host", name=h["name"][:-1] + "*")
    for b in sample(rng, w("allTopLevelBillingItems"), 20):
        add("billing_item", id=b["id"])
    return entries


APPLY_POOLS = ["virtualGuests", "networkStorage", "hardware", "globalIpRecords"]
APPLY_KIND = {"virtualGuests": "virtual_guest", "networkStorage": "storage",
              "hardware": "hardware", "globalIpRecords": "global_ip"}


def apply_entries(world, count, seed):
    """Entries selecting `count` objects that the plan will cancel, mostly by
    id (ten to an entry), one in five by address."""
    rng = random.Random(seed + 1)
    chosen = []
    for key in APPLY_POOLS:
        pool = [o for o in world.get(key, []) if cancellable(o)]
        chosen += [(key, o) for o in sample(rng, pool, count - len(chosen))]
        if len(chosen) >= count:
            break
    entries = []
    by_kind = {}
    for key, o in chosen:
        address = o.get("primaryBackendIpAddress") if key in ("virtualGuests", "hardware") else None
        if address and rng.random() < 0.2:
            entries.append(dict(kind=APPLY_KIND[key], ip=address))
        else:
            by_kind.setdefault(APPLY_KIND[key], []).append(o["id"])
    for kind, ids in by_kind.items():
        for i in range(0, len(ids), 10):
            entries.append(dict(kind=kind, id=ids[i:i + 10]))
    return entries, len(chosen)


def yaml_value(v):
    if isinstance(v, list):
        return "[" + ", ".join(yaml_value(x) for x in v) + "]"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)  # a JSON string is a valid YAML double-quoted scalar


def manifest_yaml(entries, when="auto"):
    lines = [
        "# Generated by bench/workload.py from the benchmark world.",
        "version: 1",
        f"account: {ACCOUNT}",
        "defaults:",
        f"  when: {when}",
        '  note: "bench: retire the generated estate"',
        "protect:",
        "  - tag: keep",
        "retire:",
    ]
    for e in entries:
        lines.append(f"  - kind: {e['kind']}")
        for k, v in e.items():
            if k == "kind":
                continue
            if k == "older_than_days":
                lines.append(f"    older_than: {v}d")
            else:
                lines.append(f"    {k}: {yaml_value(v)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- expected work


def resolve(world, entries, now):
    """(kind, id) of every object the entries select, resolved the plain way."""
    out = set()
    for kind, sources in SOURCES.items():
        mine = [e for e in entries if e["kind"] == kind]
        if not mine:
            continue
        for s in sources:
            for obj in world.get(s["world"], []):
                f = facts(kind, s["world"], obj)
                if any(selects(e, f, now) for e in mine):
                    out.add((kind, obj["id"]))
    items = {b["id"] for b in world.get("allTopLevelBillingItems", [])}
    for e in entries:
        if e["kind"] == "billing_item":
            out |= {("billing_item", i) for i in as_list(e["id"]) if i in items}
    return out


def narrowing(entry, source):
    """The server-side filter an entry can use on a source (the planner's
    choice, in its order), or None when only the whole list will do."""
    if "id" in entry:
        return "id"
    if "ip" in entry and source["addresses"] and entry["kind"] != "subnet":
        return "addresses"
    if "number" in entry and source["number"]:
        return "number"
    if "cidr" in entry and source["network"]:
        return "network"
    if entry.get("tags") and source["tags"]:
        return "tags"
    if "datacenter" in entry and source["datacenter"]:
        return "datacenter"
    return None


def minimum_calls(world, entries, now, page_size):
    """The fewest API calls that can resolve `entries`, by this definition:

    1 account check, plus per list source of every kind the entries touch
    the cheaper of (a) listing it whole, ceil(objects / page size) pages (at
    least one call), and (b) -- only when every entry can be narrowed on the
    server -- one filtered call per filter property used (ids; each address
    property; VLAN numbers; networks; tags; datacenters), each as many pages
    as its matches need, with no limit on the length of a URL; plus one
    lookup per billing item id (the API has no batch lookup).
    """
    per_source = {}
    total = 1
    for kind, sources in SOURCES.items():
        mine = [e for e in entries if e["kind"] == kind]
        if not mine:
            continue
        for s in sources:
            objects = world.get(s["world"], [])
            whole = max(1, math.ceil(len(objects) / page_size))
            used = {narrowing(e, s) for e in mine}
            if None in used:
                calls = whole
            else:
                narrow = 0
                for prop in sorted(used):
                    matched = [o for o in objects
                               if filter_matches(prop, [e for e in mine if narrowing(e, s) == prop],
                                                 facts(kind, s["world"], o))]
                    calls_for = max(1, math.ceil(len(matched) / page_size))
                    narrow += calls_for * (s["addresses"] if prop == "addresses" else 1)
                calls = min(whole, narrow)
            per_source[s["call"]] = calls
            total += calls
    lookups = len({i for e in entries if e["kind"] == "billing_item" for i in as_list(e["id"])})
    if lookups:
        per_source["SoftLayer_Billing_Item::getObject"] = lookups
        total += lookups
    return total, per_source


def filter_matches(prop, entries, f):
    """Whether the server's filter for `prop` (the union over entries) returns the object."""
    if prop == "id":
        return any(f["id"] in as_list(e["id"]) for e in entries)
    if prop == "addresses":
        wanted = {a for e in entries for a in as_list(e["ip"])}
        return bool(wanted & set(f["addresses"]))
    if prop == "number":
        return f["number"] in {e["number"] for e in entries}
    if prop == "network":
        return f["network"] is not None and f["network"].split("/")[0] in {
            e["cidr"].split("/")[0] for e in entries}
    if prop == "tags":
        return bool({t for e in entries for t in e["tags"]} & set(f["tags"]))
    if prop == "datacenter":
        return f["datacenter"] in {e["datacenter"] for e in entries}
    return True


def now_utc():
    return datetime.now(timezone.utc).replace(microsecond=0)


# ---------------------------------------------------------------- command line


def prepare(world_path, out, seed, page_size, apply_items, now_text):
    """Writes the workload for one world into `out`: the manifests, the
    entries as JSON, the objects they select and the minimum call count.
    Run as its own process so the harness that measures slretire never
    holds the world (a child's peak RSS counts its parent's at fork)."""
    import os
    with open(world_path) as f:
        world = json.load(f)
    # A world that names the moment it describes is planned at that moment
    # (the emulator serving it starts its clock there); else at `now_text`.
    now_text = world.get("clock") or now_text
    now = datetime.fromisoformat(now_text.replace("Z", "+00:00"))
    entries = plan_entries(world, seed)
    os.makedirs(os.path.join(out, "plan-manifests"))
    with open(os.path.join(out, "plan-manifests", "bench.yaml"), "w") as f:
        f.write(manifest_yaml(entries))
    with open(os.path.join(out, "entries.json"), "w") as f:
        json.dump(entries, f)
    apply_list, apply_count = apply_entries(world, apply_items, seed)
    os.makedirs(os.path.join(out, "apply-manifests"))
    with open(os.path.join(out, "apply-manifests", "apply.yaml"), "w") as f:
        f.write(manifest_yaml(apply_list))
    minimum, by_call = minimum_calls(world, entries, now, page_size)
    kinds = {}
    for e in entries:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    summary = {
        "objects": sum(len(v) for v in world.values() if isinstance(v, list)),
        "entries": len(entries),
        "entries_by_kind": kinds,
        "expected": sorted([k, i] for k, i in resolve(world, entries, now)),
        "minimum_calls": minimum,
        "minimum_by_call": by_call,
        "apply_items": apply_count,
        "now": now_text,
    }
    with open(os.path.join(out, "workload.json"), "w") as f:
        json.dump(summary, f)


if __name__ == "__main__":
    import sys
    world_path, out, seed, page_size, apply_items, now_text = sys.argv[1:7]
    prepare(world_path, out, int(seed), int(page_size), int(apply_items), now_text)
