"""The slretire benchmark: `plan` and `apply` of the real binary against
`slretire emulator --latency-ms 20` (a separate process, HTTP on loopback),
the SDK baseline on the same emulator, the minimum number of API calls,
and the targets of docs/performance.md. Run it through bench/run.sh.

Standard library only (the SDK baseline runs in its own venv process).
"""

import argparse
from datetime import datetime
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import workload  # noqa: E402

USERNAME = "SL278184"
PLANNED = re.compile(r"Planned (\d+) entries in ([0-9.]+)s with (\d+) API calls")
APPLIED = re.compile(r"Apply complete: (\d+) cancelled, (\d+) already done, (\d+) drifted, (\d+) failed")

# The targets (docs/performance.md).
PLAN_SECONDS_AT_20K = 3.0
BASELINE_FACTOR = 10.0
CALL_FACTOR = 1.2
RSS_MB_AT_100K = 200.0
PLANNING_CPU_S_AT_100K = 1.0
APPLY_FACTOR = 1.2
# A --rate-limit no run reaches: the latency bound shows.
UNTHROTTLED = 1000
APPLY_RUNS = ("apply", "apply_default", "apply_unthrottled")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_measured(cmd, env=None, cwd=None, stdout_path=None, timeout=3600):
    """Runs `cmd` through bench/measure.py; returns (exit code, wall seconds,
    peak RSS in MB, stdout, stderr, CPU seconds). The RSS is the command's
    own, floored by the launcher's few MB (see measure.py)."""
    fd, report = tempfile.mkstemp(prefix="measure-", suffix=".json")
    os.close(fd)
    out = open(stdout_path, "w") if stdout_path else subprocess.PIPE
    launcher = [sys.executable, "-S", "-E", os.path.join(HERE, "measure.py"), report]
    try:
        proc = subprocess.run(launcher + cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.PIPE,
                              text=True, timeout=timeout)
        with open(report) as f:
            m = json.load(f)
    finally:
        if stdout_path:
            out.close()
        os.unlink(report)
    if proc.returncode != 0:
        raise RuntimeError(f"the launcher failed: {proc.stderr[-2000:]}")
    return (m["exit"], m["wall_s"], m["maxrss_kb"] / 1024.0, proc.stdout or "", proc.stderr,
            m["user_s"] + m["sys_s"])


def launcher_floor_mb():
    """The peak RSS measure.py reports for `true`: the floor of every figure."""
    return round(run_measured(["true"])[2], 1)


class Emulator:
    """`slretire emulator --world W --latency-ms L` in its own process."""

    def __init__(self, binary, world, latency_ms):
        self.proc = subprocess.Popen(
            [binary, "emulator", "--world", world, "--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            raise RuntimeError(f"the emulator did not start: {line!r} {self.proc.stderr.read()}")
        self.url = line
        self.root = line.split("/rest/")[0]

    def requests(self):
        with urllib.request.urlopen(self.root + "/__emulator/requests", timeout=600) as r:
            return json.load(r)

    def cpu_s(self):
        """The emulator process's CPU time so far (Linux /proc), or None."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def slretire_env(home, now):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SL_")}
    env.update(HOME=home, SL_USERNAME=USERNAME, SL_API_KEY="bench", SLRETIRE_NOW=now, CI="1")
    return env


def count_calls(emu, action):
    """Runs `action()` and returns (its result, the API requests it caused,
    the CPU seconds the emulator spent meanwhile or None)."""
    before = len(emu.requests())
    cpu_before = emu.cpu_s()
    result = action()
    cpu_after = emu.cpu_s()
    after = emu.requests()
    if len(after) >= 100_000:
        raise RuntimeError("the emulator's request log overflowed; counts would be wrong")
    cpu = None if cpu_before is None or cpu_after is None else round(cpu_after - cpu_before, 3)
    return result, after[before:], cpu


def service_s(requests):
    """The emulator's own time on `requests` (its request log measures each,
    the configured latency left out), waiting for other requests included."""
    return round(sum(r.get("service_us", 0) for r in requests) / 1e6, 3)


def by_call(requests):
    counts = {}
    for r in requests:
        key = f"{r['service']}::{r['method_name']}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def plan_selection(plan_path):
    with open(plan_path) as f:
        plan = json.load(f)
    return plan, {(i["kind"], i["id"]) for i in plan["items"]}


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem,
            "system": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def bench_size(a, n, results, failures):
    out = os.path.join(a.out, f"n{n}")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    home = os.path.join(out, "home")
    os.makedirs(home)
    world_path = os.path.join(a.out, f"world-{n}-seed{a.seed}.json")
    if not os.path.exists(world_path):
        log(f"[{n}] generating the world")
        rc, wall, rss, _, err, _ = run_measured(
            [a.binary, "emulator", "--generate", str(n), "--seed", str(a.seed), "--out", world_path])
        if rc != 0:
            raise RuntimeError(f"generating the world failed: {err}")
        log(f"[{n}] generated in {wall:.1f}s")
    now = workload.now_utc()
    now_text = now.isoformat().replace("+00:00", "Z")
    # The world is read in a separate process: see workload.prepare.
    subprocess.run([sys.executable, os.path.join(HERE, "workload.py"), world_path, out, str(a.seed),
                    str(a.page_size), str(a.apply_items), now_text], check=True)
    with open(os.path.join(out, "workload.json")) as f:
        w = json.load(f)
    # The world's clock when it has one: slretire, the baseline and the
    # emulator then agree on what "now" is.
    now_text = w["now"]
    now = datetime.fromisoformat(now_text.replace("Z", "+00:00"))
    expected = {(k, i) for k, i in w["expected"]}
    minimum = w["minimum_calls"]
    apply_count = w["apply_items"]
    plan_dir = os.path.join(out, "plan-manifests")
    apply_dir = os.path.join(out, "apply-manifests")
    entries_json = os.path.join(out, "entries.json")
    r = {"objects": w["objects"], "world": world_path, "entries": w["entries"],
         "entries_by_kind": w["entries_by_kind"], "selected": len(expected),
         "minimum_calls": minimum, "minimum_by_call": w["minimum_by_call"]}

    log(f"[{n}] {r['objects']} objects, {r['entries']} entries selecting {len(expected)} objects; "
        f"minimum {minimum} API calls")
    emu = Emulator(a.binary, world_path, a.latency_ms)
    try:
        env = slretire_env(home, now_text)
        runs = [("plan", a.rate_limit)]
        if not a.smoke:
            runs.append(("plan_default", 10))
        for name, rate in runs:
            plan_path = os.path.join(out, f"{name}.json")
            cmd = [a.binary, "plan", plan_dir, "--endpoint", emu.url, "--rate-limit", str(rate),
                   "--page-size", str(a.page_size), "--out", plan_path]
            (rc, wall, rss, _, err, cpu), reqs, emu_cpu = count_calls(
                emu, lambda: run_measured(cmd, env=env, stdout_path=os.path.join(out, f"{name}.txt")))
            m = PLANNED.search(err)
            res = {"rate_limit": rate, "exit": rc, "wall_s": round(wall, 3), "peak_rss_mb": round(rss, 1),
                   "cpu_s": round(cpu, 3), "emulator_cpu_s": emu_cpu, "emulator_service_s": service_s(reqs),
                   "api_calls_emulator": len(reqs), "api_calls_reported": int(m.group(3)) if m else None,
                   "calls": by_call(reqs)}
            r[name] = res
            log(f"[{n}] {name} @{rate}/s: exit {rc}, {wall:.2f}s, {len(reqs)} calls, {rss:.0f} MB")
            if rc != 0:
                failures.append(f"N={n} {name}: slretire plan exited {rc}: {err.strip()[-2000:]}")
                continue
            plan, got = plan_selection(plan_path)
            res["plan_items"] = len(plan["items"])
            res["summary"] = plan["summary"]
            if got != expected:
                failures.append(
                    f"N={n} {name}: the plan selected {len(got)} objects, the plain resolver {len(expected)} "
                    f"(only in plan: {sorted(got - expected)[:5]}, only expected: {sorted(expected - got)[:5]})")
            ratio = len(reqs) / minimum
            res["calls_over_minimum"] = round(ratio, 3)
            # The time the minimum number of calls needs at this rate: the
            # limiter spaces them 1/rate apart, and the last one takes a
            # round trip.
            res["floor_s"] = round((minimum - 1) / rate + a.latency_ms / 1000.0, 3)
            res["over_floor"] = round(wall / res["floor_s"], 2)
            if ratio > CALL_FACTOR:
                failures.append(f"N={n} {name}: {len(reqs)} API calls, {ratio:.2f}x the minimum {minimum} "
                                f"(limit {CALL_FACTOR}x)")
            if m and int(m.group(3)) != len(reqs):
                failures.append(f"N={n} {name}: slretire reported {m.group(3)} API calls, the emulator "
                                f"logged {len(reqs)}")

        if not a.no_baseline:
            cmd = [a.python, os.path.join(HERE, "baseline_sdk.py"), emu.url, entries_json, now.isoformat()]
            benv = dict(env, PYTHONDONTWRITEBYTECODE="1")
            (rc, wall, rss, stdout, err, cpu), reqs, emu_cpu = count_calls(emu, lambda: run_measured(cmd, env=benv))
            res = {"exit": rc, "wall_s": round(wall, 3), "peak_rss_mb": round(rss, 1), "cpu_s": round(cpu, 3),
                   "emulator_cpu_s": emu_cpu, "emulator_service_s": service_s(reqs), "api_calls_emulator": len(reqs), "calls": by_call(reqs)}
            r["baseline"] = res
            log(f"[{n}] baseline: exit {rc}, {wall:.2f}s, {len(reqs)} calls")
            if rc != 0:
                failures.append(f"N={n} baseline failed: {err.strip()[-2000:]}")
            else:
                got = {(k, i) for k, i in json.loads(stdout)["selected"]}
                if got != expected:
                    failures.append(f"N={n} baseline selected {len(got)} objects, expected {len(expected)} "
                                    f"(only baseline: {sorted(got - expected)[:5]}, "
                                    f"only expected: {sorted(expected - got)[:5]})")
                if "plan" in r and r["plan"]["exit"] == 0:
                    res["ratio_to_plan"] = round(wall / r["plan"]["wall_s"], 1)

        # The reviewed plan for the apply runs, made on the untouched world.
        apply_plan = os.path.join(out, "apply-plan.json")
        rc, _, _, _, err, _ = run_measured(
            [a.binary, "plan", apply_dir, "--endpoint", emu.url, "--rate-limit", str(a.rate_limit),
             "--out", apply_plan], env=env, stdout_path=os.devnull)
        if rc != 0:
            failures.append(f"N={n}: planning the apply manifest failed: {err.strip()[-2000:]}")
            results[str(n)] = r
            return
        with open(apply_plan) as f:
            to_cancel = json.load(f)["summary"]["cancel"]
        if to_cancel != apply_count:
            failures.append(f"N={n}: the apply plan has {to_cancel} cancellations, not {apply_count}")
    finally:
        emu.stop()

    apply_runs = [("apply", a.rate_limit)]
    if not a.smoke:
        # The default rate; and a rate no run reaches, where latency x items
        # / parallelism is the bound.
        apply_runs += [("apply_default", 10), ("apply_unthrottled", UNTHROTTLED)]
    for name, rate in apply_runs:
        emu = Emulator(a.binary, world_path, a.latency_ms)  # a fresh, uncancelled world
        try:
            cmd = [a.binary, "apply", apply_plan, "--endpoint", emu.url, "--rate-limit", str(rate),
                   "--parallelism", str(a.parallelism), "--progress", "none",
                   "--journal", os.path.join(out, f"{name}-journal.jsonl")]
            (rc, wall, rss, stdout, err, cpu), reqs, emu_cpu = count_calls(emu, lambda: run_measured(cmd, env=env))
        finally:
            emu.stop()
        m = APPLIED.search(stdout)
        cancelled = int(m.group(1)) if m else 0
        rate_bound = len(reqs) / rate
        latency_bound = a.latency_ms / 1000.0 * to_cancel / a.parallelism
        bound = max(rate_bound, latency_bound)
        res = {"rate_limit": rate, "parallelism": a.parallelism, "exit": rc, "items": to_cancel,
               "cancelled": cancelled, "wall_s": round(wall, 3), "peak_rss_mb": round(rss, 1),
               "cpu_s": round(cpu, 3), "emulator_cpu_s": emu_cpu, "emulator_service_s": service_s(reqs),
               "api_calls_emulator": len(reqs), "calls": by_call(reqs),
               "rate_bound_s": round(rate_bound, 3), "latency_bound_s": round(latency_bound, 3),
               "over_bound": round(wall / bound, 3)}
        r[name] = res
        log(f"[{n}] {name} @{rate}/s: exit {rc}, {cancelled}/{to_cancel} cancelled, {wall:.2f}s, "
            f"{len(reqs)} calls, bound {bound:.2f}s")
        if rc != 0 or cancelled != to_cancel:
            failures.append(f"N={n} {name}: exit {rc}, {cancelled} of {to_cancel} cancelled: "
                            f"{(stdout + err).strip()[-2000:]}")

    if a.planning_bench:
        cmd = ["cargo", "bench", "--locked", "--quiet", "--bench", "planning", "--",
               "--world", world_path, "--manifests", plan_dir, "--repeat", "5"]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            failures.append(f"N={n}: the planning bench failed: {proc.stderr.strip()[-2000:]}")
        else:
            r["planning"] = json.loads(proc.stdout.strip().splitlines()[-1])
            log(f"[{n}] planning (no network): {r['planning']['planning_cpu_s_min']:.3f}s CPU")
    results[str(n)] = r


def targets(results, a):
    """Every target with its measured value: (name, measured, limit, met,
    required); a figure that is not required is reported, never fails the run."""
    rows = []
    for n, r in results.items():
        n = int(n)
        plan = r.get("plan")
        if n == 20_000 and r.get("plan_default", {}).get("exit") == 0:
            # Reported, not required: the targets are set at SoftLayer's own
            # 50 calls/s (docs/performance.md says why).
            d = r["plan_default"]
            rows.append((f"N={n}: plan wall time at the default {d['rate_limit']}/s (s)",
                         d["wall_s"], PLAN_SECONDS_AT_20K, d["wall_s"] < PLAN_SECONDS_AT_20K, False))
            if "baseline" in r:
                ratio = round(r["baseline"]["wall_s"] / d["wall_s"], 1)
                rows.append((f"N={n}: baseline / plan wall time at the default {d['rate_limit']}/s",
                             ratio, BASELINE_FACTOR, ratio >= BASELINE_FACTOR, False))
        if plan and plan["exit"] == 0:
            rows.append((f"N={n}: plan API calls / minimum ({plan['api_calls_emulator']} / {r['minimum_calls']})",
                         plan["calls_over_minimum"], CALL_FACTOR, plan["calls_over_minimum"] <= CALL_FACTOR, True))
        if n == 20_000 and plan and plan["exit"] == 0:
            rows.append((f"N={n}: plan wall time at {plan['rate_limit']}/s (s)", plan["wall_s"],
                         PLAN_SECONDS_AT_20K, plan["wall_s"] < PLAN_SECONDS_AT_20K, True))
            base = r.get("baseline")
            if base and "ratio_to_plan" in base:
                rows.append((f"N={n}: baseline / plan wall time", base["ratio_to_plan"], BASELINE_FACTOR,
                             base["ratio_to_plan"] >= BASELINE_FACTOR, True))
        if n == 100_000 and plan and plan["exit"] == 0:
            rows.append((f"N={n}: plan peak RSS (MB)", plan["peak_rss_mb"], RSS_MB_AT_100K,
                         plan["peak_rss_mb"] < RSS_MB_AT_100K, True))
        if n == 100_000 and "planning" in r:
            cpu = r["planning"]["planning_cpu_s_min"]
            cpu = None if cpu is None else round(cpu, 3)
            rows.append((f"N={n}: planning CPU, no network (s)", cpu, PLANNING_CPU_S_AT_100K,
                         cpu is not None and cpu < PLANNING_CPU_S_AT_100K, True))
        for name in APPLY_RUNS:
            ap = r.get(name)
            if ap and ap["items"] >= 500:
                rows.append((f"N={n}: {name} of {ap['items']} at {ap['rate_limit']}/s: wall / bound",
                             ap["over_bound"], APPLY_FACTOR, ap["over_bound"] <= APPLY_FACTOR, True))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="1000,20000,100000")
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--binary", required=True)
    p.add_argument("--python", required=True, help="the venv python with SoftLayer==6.2.9")
    p.add_argument("--out", default=os.path.join(ROOT, "target", "bench"))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--latency-ms", type=int, default=20)
    p.add_argument("--rate-limit", type=float, default=50)
    p.add_argument("--page-size", type=int, default=500)
    p.add_argument("--parallelism", type=int, default=4)
    p.add_argument("--apply-items", type=int, default=500)
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--no-planning-bench", dest="planning_bench", action="store_false")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    sizes = [int(s) for s in a.sizes.split(",") if s]
    results, failures = {}, []
    started = time.monotonic()
    for n in sizes:
        try:
            bench_size(a, n, results, failures)
        except Exception as err:  # a harness failure is a failed run, with its reason
            failures.append(f"N={n}: {type(err).__name__}: {err}")
    rows = targets(results, a)
    doc = {"machine": machine(), "settings": {k: v for k, v in vars(a).items()},
           "results": results,
           "targets": [dict(name=t[0], measured=t[1], limit=t[2], met=t[3], required=t[4]) for t in rows],
           "failures": failures, "elapsed_s": round(time.monotonic() - started, 1),
           "rss_floor_mb": launcher_floor_mb()}
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=2, default=str)
    print(report(doc))
    for t in rows:
        if t[4] and not t[3]:
            failures.append(f"target missed: {t[0]} = {t[1]} (limit {t[2]})")
    if failures:
        print("\nFAILED:", file=sys.stderr)
        for f in failures:
            print(f"  - {f}", file=sys.stderr)
        sys.exit(1)


def fmt2(x):
    return "" if x is None else f"{x:.2f}"


def report(doc):
    m = doc["machine"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']} MB, {m['system']}",
             f"Emulator latency {doc['settings']['latency_ms']} ms; page size {doc['settings']['page_size']}; "
             f"RSS floor (the launcher's, measured on `true`) {doc['rss_floor_mb']} MB",
             "",
             "| N | objects | entries | selected | run | rate/s | wall s | CPU s | emulator CPU s | API calls | minimum | calls/min | peak RSS MB |",
             "| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n, r in doc["results"].items():
        for name in ("plan", "plan_default", "baseline") + APPLY_RUNS:
            x = r.get(name)
            if not x:
                continue
            minimum = r["minimum_calls"] if name.startswith("plan") or name == "baseline" else ""
            ratio = f"{x['api_calls_emulator'] / minimum:.2f}" if minimum else ""
            label = name if not name.startswith("apply") else f"{name} ({x['items']} items)"
            lines.append(f"| {n} | {r['objects']} | {r['entries']} | {r['selected']} | {label} | "
                         f"{x.get('rate_limit', 'none')} | {x['wall_s']:.2f} | {x['cpu_s']:.2f} | "
                         f"{fmt2(x.get('emulator_cpu_s'))} | {x['api_calls_emulator']} | "
                         f"{minimum} | {ratio} | {x['peak_rss_mb']:.0f} |")
    lines.append("")
    lines.append("`CPU s` is slretire's; `emulator CPU s` the emulator process's over the same run: the "
                 "test equipment's share. The request log (`service_us`) and `GET /__emulator/stats` "
                 "also give its service time per request, in `emulator_service_s` of results.json.")
    lines.append("")
    for n, r in doc["results"].items():
        for name in ("plan", "plan_default"):
            x = r.get(name)
            if x and "floor_s" in x:
                lines.append(f"N={n}: {name} at {x['rate_limit']}/s: {x['wall_s']:.2f}s; the minimum "
                             f"{r['minimum_calls']} calls need {x['floor_s']:.2f}s -> {x['over_floor']:.2f}x")
        if "baseline" in r and "ratio_to_plan" in r["baseline"]:
            lines.append(f"N={n}: baseline (SDK) / slretire plan wall time = {r['baseline']['ratio_to_plan']}x")
        for name in APPLY_RUNS:
            if name in r:
                x = r[name]
                lines.append(f"N={n}: {name}: {x['wall_s']:.2f}s for {x['items']} items; rate bound "
                             f"{x['rate_bound_s']:.2f}s, latency bound {x['latency_bound_s']:.2f}s "
                             f"-> {x['over_bound']:.2f}x the larger")
        if "planning" in r:
            p = r["planning"]
            lines.append(f"N={n}: planning without network (select + build, {p['objects_fetched']} objects, "
                         f"{p['plan_items']} plan items): {p['planning_cpu_s_min']:.3f}s CPU "
                         f"(median {p['planning_cpu_s_median']:.3f}s)")
    lines.append("")
    for t in doc["targets"]:
        verdict = ("MET   " if t["met"] else "MISSED") if t["required"] else (
            "info: met    " if t["met"] else "info: NOT met")
        lines.append(f"{verdict} {t['name']}: {t['measured']} (limit {t['limit']})")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
