"""Checkout pricing benchmark: how long one evaluate takes on workload W1.

    .venv/bin/python bench/checkout.py engine                 # in process, 2,000 runs
    .venv/bin/python bench/checkout.py engine --runs 20000 --profile
    .venv/bin/python bench/checkout.py http                   # gunicorn (2 gthread workers) + wrk, 20 s each
    .venv/bin/python bench/checkout.py http --worker-class sync --rounds 2
    .venv/bin/python bench/checkout.py http --duration 5 --concurrency 4 --requests 5000
    .venv/bin/python bench/checkout.py wsgi --api-key KEY      # in process, after `http --load-only`

Modes are functions in ``MODES`` taking the parsed arguments and returning a JSON-able dict;
``engine`` calls ``rules.evaluate`` in process; ``http`` loads W1 into PostgreSQL (its own
database, ``cg_bench_checkout``), serves ``bench/checkout_app.py`` with gunicorn on 127.0.0.1
and drives ``POST /checkout/evaluate`` and a constant-JSON endpoint (the framework's ceiling)
with ``wrk``. ``wsgi`` calls the same app in process (no gunicorn, no wrk) on the database
``http --load-only`` left, for CPU per request and instruction counts (``valgrind --tool=callgrind
--instr-atstart=no``: only the timed requests are counted) that a busy machine does not blur.
The engine mode imports neither Flask nor a database driver.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python bench/checkout.py` from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from bench.measures import percentile, process_cpu_seconds  # noqa: E402
from bench.workloads import make_w1  # noqa: E402
from rules import compile_rules, evaluate, parse_cart, parse_rules  # noqa: E402

#: The engine's budget per evaluate, median, on W1.
TARGET_MEDIAN_MS = 1.0


def summarise_ms(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 4),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 4),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 4),
        "min_ms": round(min(seconds) * 1000, 4),
    }


def time_calls(call: Callable[[], object], runs: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU durations of each call. On a shared machine the wall clock also
    counts time spent waiting for a core; the CPU clock shows what the call itself costs."""
    for _ in range(warmup):
        call()
    wall, cpu = [], []
    wall_clock, cpu_clock = time.perf_counter, time.thread_time
    for _ in range(runs):
        wall_started, cpu_started = wall_clock(), cpu_clock()
        call()
        cpu.append(cpu_clock() - cpu_started)
        wall.append(wall_clock() - wall_started)
    return wall, cpu


def run_engine(args: argparse.Namespace) -> dict[str, Any]:
    """``evaluate`` in process on a compiled ruleset, as the plugin calls it with its per-shop cache.

    Also times the whole in-process request path (parse the cart, evaluate, serialise) and
    compiling the ruleset, which happens once per shop and rule change.
    """
    rule_dicts, cart_dict, groups = make_w1(args.seed)
    rules = parse_rules(rule_dicts)
    started = time.perf_counter()
    ruleset = compile_rules(rules)
    compile_ms = (time.perf_counter() - started) * 1000
    cart = parse_cart(cart_dict)
    priced = evaluate(ruleset, cart, groups)

    def request_path() -> object:
        return evaluate(ruleset, parse_cart(cart_dict), groups).to_json()

    gc.collect()
    evaluate_wall, evaluate_cpu = time_calls(lambda: evaluate(ruleset, cart, groups), args.runs, args.warmup)
    request_wall, request_cpu = time_calls(request_path, args.runs, args.warmup)
    if args.profile:
        _profile(lambda: evaluate(ruleset, cart, groups), args.runs)
    evaluate_summary = summarise_ms(evaluate_wall)
    return {
        "mode": "engine",
        "workload": {
            "name": "W1",
            "seed": args.seed,
            "rules": len(rules),
            "groups": len({group for rule in rules for group in rule.groups}),
            "customer_groups": len(groups),
            "rules_for_customer": len(ruleset.for_groups(groups)),
            "lines": len(cart.lines),
            "applied_rules": len(priced.applied_rules),
            "gifts": len(priced.gifts),
        },
        "runs": args.runs,
        "evaluate": evaluate_summary,
        "evaluate_cpu": summarise_ms(evaluate_cpu),
        "parse_evaluate_to_json": summarise_ms(request_wall),
        "parse_evaluate_to_json_cpu": summarise_ms(request_cpu),
        "load_average": _load_average(),
        "compile_rules_ms": round(compile_ms, 3),
        "target_median_ms": TARGET_MEDIAN_MS,
        "within_target": evaluate_summary["median_ms"] <= TARGET_MEDIAN_MS,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def _load_average() -> list[float] | None:
    """Other work on the machine when the run ended (1, 5, 15 minutes), to judge the wall times."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _profile(call: Callable[[], object], runs: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        call()
    profiler.disable()
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(15)
    print(report.getvalue(), file=sys.stderr)


# -- http: gunicorn serving the demo shop, wrk driving it --------------------------------------

#: The http mode's own database; it is dropped and created again on every run, so no other
#: name is ever accepted.
HTTP_DATABASE = "cg_bench_checkout"
HTTP_DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{HTTP_DATABASE}"
MAINTENANCE_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
EVALUATE_PATH = "/api/customer-groups/v1/checkout/evaluate"
CONSTANT_PATH = "/bench/constant"
CUSTOMER_ID = "w1-customer"
#: End-to-end budget on W1 (issue 3): throughput, tail latency, share of the framework's ceiling.
TARGET_RPS = 1000.0
TARGET_P99_MS = 20.0
TARGET_CEILING_SHARE = 0.5

#: wrk's script: the POST, and a JSON line with its summary and latency percentiles at the end.
#: ``__LIMIT__`` requests per wrk thread at most (0: only the duration bounds the run).
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer __API_KEY__"
wrk.body = [==[__BODY__]==]
local limit = __LIMIT__
local threads = {}
function setup(thread) table.insert(threads, thread) end
if limit > 0 then
  -- A thread that has sent its share stops; wrk still waits out --duration, so each thread
  -- notes when it started and stopped (monotonic clock, through LuaJIT's ffi).
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } cg_timespec;
    int clock_gettime(int clock_id, cg_timespec *tp);
  ]]
  local function now_us()
    local t = ffi.new("cg_timespec")
    ffi.C.clock_gettime(1, t)
    return tonumber(t.tv_sec) * 1000000 + tonumber(t.tv_nsec) / 1000
  end
  local count = 0
  function init(args) started_us = now_us() end
  function response(status, headers, body)
    count = count + 1
    if count >= limit then stopped_us = now_us(); wrk.thread:stop() end
  end
end
function done(summary, latency, requests)
  local active_us = summary.duration
  if limit > 0 then
    active_us = 0
    for _, thread in ipairs(threads) do
      local started, stopped = thread:get("started_us"), thread:get("stopped_us")
      local ran = (started and stopped) and (stopped - started) or summary.duration
      if ran > active_us then active_us = ran end
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "active_us": %d, "bytes": %d, "errors": {"connect": %d, ' ..
    '"read": %d, "write": %d, "status": %d, "timeout": %d}, "latency_us": {"p50": %d, "p90": %d, ' ..
    '"p99": %d, "p999": %d, "mean": %.1f, "max": %d, "min": %d}}\\n',
    summary.requests, summary.duration, active_us, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.mean, latency.max, latency.min))
end
"""


def run_http(args: argparse.Namespace) -> dict[str, Any]:
    """``POST /checkout/evaluate`` end to end: PostgreSQL, gunicorn on 127.0.0.1, wrk on the same machine."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    rule_dicts, cart_dict, groups = make_w1(args.seed)
    _stderr(f"database {HTTP_DATABASE}: dropping, creating, migrating, loading W1 (seed {args.seed})")
    started = time.perf_counter()
    loaded = _load_w1(rule_dicts, groups)
    load_s = time.perf_counter() - started
    body = json.dumps({**{k: v for k, v in cart_dict.items() if k != "groups"}, "customer_id": CUSTOMER_ID})
    expected = evaluate(compile_rules(parse_rules(rule_dicts)), parse_cart(cart_dict), groups).to_json()
    if args.load_only:
        return {"mode": "http", "database": HTTP_DATABASE_URL, "api_key": loaded["api_key"],
                "customer_id": CUSTOMER_ID, "customer_groups": loaded["customer_groups"]}
    try:
        server = _start_gunicorn(args)
        try:
            check = _check_answers(server["port"], loaded["api_key"], body, expected)
            endpoints = {}
            for path in (CONSTANT_PATH, EVALUATE_PATH):  # every worker imports, connects, compiles
                _run_wrk(wrk, server, path, loaded["api_key"], body, args, duration=args.warmup_seconds, limit=0)
            for round_number in range(args.rounds):
                for name, path in (("constant", CONSTANT_PATH), ("evaluate", EVALUATE_PATH)):
                    _stderr(f"round {round_number + 1}/{args.rounds}: {name}, {args.duration:g} s, "
                            f"{args.concurrency} connections")
                    measured = _run_wrk(wrk, server, path, loaded["api_key"], body, args,
                                        duration=args.duration, limit=args.requests)
                    endpoints.setdefault(name, []).append(measured)
                    _stderr(f"  {measured['requests_per_s']:.0f} req/s, p50 {measured['latency_ms']['p50']} ms, "
                            f"p99 {measured['latency_ms']['p99']} ms")
            check_after = _check_answers(server["port"], loaded["api_key"], body, expected)
        finally:
            _stop_gunicorn(server)
    finally:
        if not args.keep_database:
            _drop_database()
    best = {name: max(runs, key=lambda run: run["requests_per_s"]) for name, runs in endpoints.items()}
    evaluate_best, constant_best = best["evaluate"], best["constant"]
    share = evaluate_best["requests_per_s"] / constant_best["requests_per_s"]
    return {
        "mode": "http",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": _machine(),
        "workload": {
            "name": "W1", "seed": args.seed, "rules": len(rule_dicts), "groups": len(loaded["w1_groups"]),
            "customer_groups": loaded["customer_groups"], "lines": len(cart_dict["lines"]),
            "request_body_bytes": len(body.encode()), "response_body_bytes": check["evaluate_bytes"],
            "load_seconds": round(load_s, 2),
        },
        "server": {
            "command": server["command"], "worker_class": args.worker_class, "workers": args.workers,
            "threads": args.threads if args.worker_class == "gthread" else 1,
            "database": f"PostgreSQL {loaded['postgres_version']} on 127.0.0.1, database {HTTP_DATABASE}",
        },
        "load_generator": {
            "tool": _wrk_version(wrk), "threads": args.wrk_threads, "connections": args.concurrency,
            "duration_s": args.duration, "max_requests": args.requests or None,
            "warmup_s": args.warmup_seconds, "rounds": args.rounds,
            "note": "closed loop: each connection sends its next request when the previous one is answered",
        },
        "answers_checked": {"before": check["matches_engine"], "after": check_after["matches_engine"]},
        "evaluate": evaluate_best,
        "constant": constant_best,
        "rounds": endpoints if args.rounds > 1 else None,
        "share_of_ceiling": round(share, 3),
        "share_of_ceiling_if_all_cores_ours": _ratio(evaluate_best, constant_best),
        "targets": {
            "requests_per_s": TARGET_RPS, "p99_ms": TARGET_P99_MS, "share_of_ceiling": TARGET_CEILING_SHARE,
        },
        "within_target": {
            "requests_per_s": evaluate_best["requests_per_s"] >= TARGET_RPS,
            "p99_ms": evaluate_best["latency_ms"]["p99"] <= TARGET_P99_MS,
            "share_of_ceiling": share >= TARGET_CEILING_SHARE,
        },
    }


def _ratio(ours: dict[str, Any], ceiling: dict[str, Any]) -> float | None:
    mine, theirs = (run["cpu"]["requests_per_s_if_all_cores_ours"] for run in (ours, ceiling))
    return round(mine / theirs, 3) if mine and theirs else None


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load_w1(rule_dicts: list[dict[str, Any]], groups: list[str]) -> dict[str, Any]:
    """A fresh ``cg_bench_checkout``, migrated, with one shop, W1's 50 groups and 1,000 rules, and
    a customer in exactly the 3 groups of W1 (registration puts them in Standard; they leave it)."""
    import psycopg
    from sqlalchemy import select

    from examples.demo_shop import create_app
    from plugin import migrate
    from plugin.db import session
    from plugin.models import Group
    from plugin.services import checkout, customers, members, rules, shops
    from plugin.services import groups as group_service

    _drop_database()
    with psycopg.connect(MAINTENANCE_DSN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{HTTP_DATABASE}"')
        postgres_version = connection.execute("SHOW server_version").fetchone()[0]
    app = create_app({"SQLALCHEMY_DATABASE_URI": HTTP_DATABASE_URL})
    with app.app_context():
        migrate.upgrade()
        shop, api_key = shops.create_shop("W1 bench shop", plan="pro", currency="EUR")
        w1_groups = sorted({key for rule in rule_dicts for key in rule["groups"]})
        by_key = {key: group_service.create_group(shop, {"name": key, "key": key}) for key in w1_groups}
        session().commit()
        rules.import_rules(shop, rule_dicts, replace=True)
        customer, _ = customers.register_customer(shop, {"external_id": CUSTOMER_ID, "first_name": "Bench"})
        for key in groups:
            members.add_members(shop, by_key[key], [customer.id], source="manual", actor="bench")
        standard = session().scalar(select(Group).where(Group.shop_id == shop.id, Group.is_default))
        members.remove_members(shop, standard, [customer.id], source="manual", actor="bench")
        session().commit()
        customer_groups = checkout.groups_of_shopper(shop, CUSTOMER_ID)
        if customer_groups != sorted(groups):
            raise SystemExit(f"the customer is in {customer_groups}, W1 wants {sorted(groups)}")
        session().remove()
        app.extensions["sqlalchemy"].engine.dispose()
    return {"api_key": api_key, "w1_groups": w1_groups, "customer_groups": customer_groups,
            "postgres_version": postgres_version}


def _drop_database() -> None:
    import psycopg

    with psycopg.connect(MAINTENANCE_DSN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{HTTP_DATABASE}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_gunicorn(args: argparse.Namespace) -> dict[str, Any]:
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "--chdir", str(REPO_ROOT), "--bind", f"127.0.0.1:{port}",
               "--workers", str(args.workers), "--worker-class", args.worker_class, "--log-level", "warning"]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    command.append("bench.checkout_app:app")
    environment = {**os.environ, "DATABASE_URL": HTTP_DATABASE_URL}
    _stderr("starting " + " ".join(command[1:]))
    process = subprocess.Popen(command, env=environment, cwd=REPO_ROOT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"GET /bench/constant HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if connection.recv(16).startswith(b"HTTP/"):
                    break
        except OSError:
            if time.monotonic() > deadline:
                process.terminate()
                raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port} within 30 s") from None
            time.sleep(0.2)
    return {"process": process, "port": port, "command": " ".join(["gunicorn", *command[5:]])}


def _stop_gunicorn(server: dict[str, Any]) -> None:
    process = server["process"]
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _check_answers(port: int, api_key: str, body: str, expected: dict[str, Any]) -> dict[str, Any]:
    """Before and after the load: evaluate answers 200 and exactly what the engine gives in process
    (a wrong answer served fast is no result), and the constant endpoint answers 200."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", EVALUATE_PATH, body=body,
                           headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"})
        answer = connection.getresponse()
        payload = answer.read()
        if answer.status != 200:
            raise SystemExit(f"evaluate answered {answer.status}: {payload[:500]!r}")
        matches = json.loads(payload) == expected
        if not matches:
            raise SystemExit("evaluate over HTTP differs from rules.evaluate in process")
        connection.close()
        connection.request("POST", CONSTANT_PATH, body=body, headers={"Content-Type": "application/json"})
        constant = connection.getresponse()
        constant.read()
        if constant.status != 200:
            raise SystemExit(f"the constant endpoint answered {constant.status}")
    finally:
        connection.close()
    return {"matches_engine": matches, "evaluate_bytes": len(payload)}


def _run_wrk(wrk: str, server: dict[str, Any], path: str, api_key: str, body: str,
             args: argparse.Namespace, *, duration: float, limit: int) -> dict[str, Any]:
    """One wrk run against ``path``, with the CPU that the server, PostgreSQL and wrk spent."""
    if "]==]" in body:
        raise SystemExit("the request body cannot be quoted in wrk's Lua script")
    per_thread = -(-limit // args.wrk_threads) if limit else 0
    script = (WRK_SCRIPT.replace("__API_KEY__", api_key).replace("__BODY__", body)
              .replace("__LIMIT__", str(per_thread)))
    with tempfile.TemporaryDirectory(prefix="cg-bench-wrk-") as directory:
        script_path = Path(directory) / "checkout.lua"
        script_path.write_text(script)
        output_path = Path(directory) / "wrk.out"
        command = [wrk, "--threads", str(args.wrk_threads), "--connections", str(args.concurrency),
                   "--duration", f"{max(1, round(duration))}s", "--timeout", "10s", "--latency",
                   "--script", str(script_path), f"http://127.0.0.1:{server['port']}{path}"]
        workers = _children(server["process"].pid)
        server_pids = [server["process"].pid, *workers]
        before_server = sum(process_cpu_seconds(pid) for pid in server_pids)
        before_postgres = _postgres_cpu_s()
        before_system = _system_cpu()
        with output_path.open("w") as output:
            wrk_process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            _, status, usage = os.wait4(wrk_process.pid, 0)
            wrk_process.returncode = os.waitstatus_to_exitcode(status)
        after_system = _system_cpu()
        server_cpu = sum(process_cpu_seconds(pid) for pid in server_pids) - before_server
        postgres_cpu = _postgres_cpu_s(before_postgres)
        text = output_path.read_text()
    if wrk_process.returncode != 0 or "WRK_JSON " not in text:
        raise SystemExit(f"wrk failed ({wrk_process.returncode}):\n{text}")
    summary = json.loads(text.split("WRK_JSON ", 1)[1].splitlines()[0])
    seconds = summary["active_us"] / 1e6  # the whole --duration, unless --requests ended it sooner
    requests = summary["requests"]
    errors = {kind: count for kind, count in summary["errors"].items() if count}
    busy, total = after_system[0] - before_system[0], after_system[1] - before_system[1]
    latency = summary["latency_us"]
    wrk_cpu = usage.ru_utime + usage.ru_stime
    cpu_per_request = (server_cpu + postgres_cpu + wrk_cpu) / requests if requests else None
    return {
        "requests": requests,
        "seconds": round(seconds, 2),
        "requests_per_s": round(requests / seconds, 1),
        "latency_ms": {key: round(latency[key] / 1000, 2) for key in ("p50", "p90", "p99", "p999", "mean", "max")},
        "errors": errors,
        "cpu": {
            "machine_busy_share": round(busy / total, 3) if total else None,
            "gunicorn_cores": round(server_cpu / seconds, 2),
            "postgres_cores": round(postgres_cpu / seconds, 2),
            "wrk_cores": round(wrk_cpu / seconds, 2),
            "gunicorn_us_per_request": round(server_cpu / requests * 1e6) if requests else None,
            "postgres_us_per_request": round(postgres_cpu / requests * 1e6) if requests else None,
            "wrk_us_per_request": round(wrk_cpu / requests * 1e6) if requests else None,
            # What the run's CPU cost per request would allow if every core were ours: on a
            # shared machine the measured rate is what the neighbours leave over.
            "requests_per_s_if_all_cores_ours": round(_cores() / cpu_per_request, 1) if cpu_per_request else None,
        },
    }


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(child) for task in tasks for child in (task / "children").read_text().split()]
    except OSError:
        return []


def _postgres_cpu_s(before: dict[int, float] | None = None) -> Any:
    """CPU of the PostgreSQL backends connected to our database: a snapshot by pid, or (given the
    snapshot before) the seconds spent since. Backends are per connection and last as long as
    the worker's pool keeps them, so the same pids are read before and after."""
    import psycopg

    with psycopg.connect(MAINTENANCE_DSN, autocommit=True) as connection:
        pids = [row[0] for row in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [HTTP_DATABASE])]
    now = {pid: process_cpu_seconds(pid) for pid in pids}
    if before is None:
        return now
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())


def _system_cpu() -> tuple[int, int]:
    """Busy and total jiffies of the whole machine, from /proc/stat."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields[:8]) - idle, sum(fields[:8])


def _wrk_version(wrk: str) -> str:
    run = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    first = (run.stdout or run.stderr).splitlines()
    return first[0].strip() if first else "wrk"


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _machine() -> dict[str, Any]:
    cpu_model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu_model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                          if line.startswith("model name")), "")
    return {
        "cores": _cores(),
        "cpu": cpu_model,
        "python": platform.python_version(),
        "load_average": _load_average(),
    }


def run_wsgi(args: argparse.Namespace) -> dict[str, Any]:
    """``bench/checkout_app.py``'s WSGI app called in process with the very request wrk sends,
    evaluate and constant alternately: thread CPU per request, and under callgrind only the
    timed requests are instrumented (``callgrind_control -i on`` around them)."""
    from werkzeug.test import EnvironBuilder

    os.environ["DATABASE_URL"] = HTTP_DATABASE_URL
    from bench.checkout_app import app

    rule_dicts, cart_dict, groups = make_w1(args.seed)
    body = json.dumps({**{k: v for k, v in cart_dict.items() if k != "groups"}, "customer_id": CUSTOMER_ID}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {args.api_key}"}
    paths = {"evaluate": EVALUATE_PATH, "constant": CONSTANT_PATH}
    environs = {name: EnvironBuilder(path=path, method="POST", data=body, headers=headers).get_environ()
                for name, path in paths.items()}

    def request(name: str) -> bytes:
        environ = {**environs[name], "wsgi.input": io.BytesIO(body)}
        statuses: list[str] = []
        answer = app(environ, lambda status, *_: statuses.append(status))
        payload = b"".join(answer)
        answer.close()
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{name} answered {statuses[0]}: {payload[:300]!r}")
        return payload

    expected = evaluate(compile_rules(parse_rules(rule_dicts)), parse_cart(cart_dict), groups).to_json()
    if json.loads(request("evaluate")) != expected:
        raise SystemExit("evaluate in process differs from rules.evaluate")
    for name in paths:
        for _ in range(args.warmup):
            request(name)
    cpu_us: dict[str, list[float]] = {name: [] for name in paths}
    names = [args.only] if args.only else list(paths)
    callgrind = shutil.which("callgrind_control") if args.callgrind else None
    for _ in range(args.batches):
        for name in names:
            if callgrind:
                subprocess.run([callgrind, "-i", "on", str(os.getpid())], check=True, capture_output=True)
            started = time.thread_time()
            for _ in range(args.batch):
                request(name)
            cpu_us[name].append((time.thread_time() - started) / args.batch * 1e6)
            if callgrind:
                subprocess.run([callgrind, "-i", "off", str(os.getpid())], check=True, capture_output=True)
    return {
        "mode": "wsgi",
        "requests_per_endpoint": args.batches * args.batch,
        "cpu_us_per_request": {name: {"min": round(min(values)), "median": round(statistics.median(values))}
                               for name, values in cpu_us.items() if values},
        "load_average": _load_average(),
    }


#: mode name -> function(args) -> result dict.
MODES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "engine": run_engine, "http": run_http, "wsgi": run_wsgi,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True, metavar="MODE")
    engine = modes.add_parser("engine", help="rules.evaluate in process")
    engine.add_argument("--runs", type=int, default=2000, help="timed evaluations (default: %(default)s)")
    engine.add_argument("--warmup", type=int, default=200, help="untimed evaluations first (default: %(default)s)")
    engine.add_argument("--seed", type=int, default=1, help="workload seed (default: %(default)s)")
    engine.add_argument("--profile", action="store_true", help="cProfile the evaluations; report on stderr")
    http = modes.add_parser("http", help="POST /checkout/evaluate under gunicorn on PostgreSQL, driven by wrk")
    http.add_argument("--duration", type=float, default=20, help="seconds of load per endpoint and round (default: %(default)s)")
    http.add_argument("--requests", type=int, default=0,
                      help="also stop an endpoint's run after this many requests (default: duration only)")
    http.add_argument("--concurrency", type=int, default=4, help="wrk connections (default: %(default)s)")
    http.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default: %(default)s)")
    http.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: %(default)s)")
    http.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"],
                      help="gunicorn worker class (default: %(default)s: keeps connections alive and "
                           "overlaps the database wait; see bench/results/checkout.md)")
    http.add_argument("--threads", type=int, default=2, help="threads per gthread worker (default: %(default)s)")
    http.add_argument("--warmup-seconds", type=float, default=3, help="untimed load per endpoint first (default: %(default)s)")
    http.add_argument("--rounds", type=int, default=1,
                      help="constant then evaluate, this many times; the best round of each is reported (default: %(default)s)")
    http.add_argument("--seed", type=int, default=1, help="workload seed (default: %(default)s)")
    http.add_argument("--keep-database", action="store_true", help=f"leave {HTTP_DATABASE} in place afterwards")
    http.add_argument("--load-only", action="store_true",
                      help=f"only load W1 into {HTTP_DATABASE} and print its API key (to profile by hand)")
    wsgi = modes.add_parser("wsgi", help="the http mode's app called in process, on the database --load-only left")
    wsgi.add_argument("--api-key", required=True, help="the key `http --load-only` printed")
    wsgi.add_argument("--batches", type=int, default=10, help="timed batches per endpoint, alternating (default: %(default)s)")
    wsgi.add_argument("--batch", type=int, default=50, help="requests per batch (default: %(default)s)")
    wsgi.add_argument("--warmup", type=int, default=50, help="untimed requests per endpoint first (default: %(default)s)")
    wsgi.add_argument("--only", choices=["evaluate", "constant"], help="time one endpoint only")
    wsgi.add_argument("--callgrind", action="store_true",
                      help="under `valgrind --tool=callgrind --instr-atstart=no`: instrument the timed requests only")
    wsgi.add_argument("--seed", type=int, default=1, help="workload seed (default: %(default)s)")
    args = parser.parse_args(argv)
    result = MODES[args.mode](args)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
