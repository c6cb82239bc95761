"""What registering a customer costs: the in-process hook, and ``POST /events/customers`` in a loop.

Three measurements on PostgreSQL, each on a fresh shop and fresh external ids:

* the hook ``plugin.hooks.customer_registered`` (upsert, default group, history row, kept
  count, commit): median and p95 of the time it adds to a host's request;
* ``POST /events/customers`` through the Flask test client (framework and plugin, in process);
* the same over real HTTP against the demo shop served by gunicorn with one worker.

    .venv/bin/python bench/registration.py                    # 5,000 hook calls, 3,000 + 3,000 posts
    .venv/bin/python bench/registration.py --hook-count 500 --client-count 300 --http-count 300
"""
from __future__ import annotations

import cProfile
import http.client
import io
import itertools
import json
import os
import pstats
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402

from plugin.db import session  # noqa: E402
from plugin.hooks import customer_registered  # noqa: E402
from plugin.models import Customer, Group  # noqa: E402
from plugin.services import groups as group_service  # noqa: E402
from plugin.services import shops as shop_service  # noqa: E402

#: The target of issue 2: registrations per second, single process.
TARGET_PER_SECOND = 500.0


def main(argv: list[str] | None = None) -> dict:
    parser = common.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--hook-count", type=int, default=5000, help="timed hook registrations (default: %(default)s)")
    parser.add_argument("--repeat-count", type=int, default=500,
                        help="hook calls repeating a known customer, the idempotent update path (default: %(default)s)")
    parser.add_argument("--client-count", type=int, default=3000, help="POSTs through the test client (default: %(default)s)")
    parser.add_argument("--http-count", type=int, default=3000, help="POSTs over HTTP to gunicorn (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=1,
                        help="customers per POST in the test-client and HTTP loops; above 1 they go to "
                             "/events/customers/batch, and rates count registrations (default: %(default)s)")
    parser.add_argument("--http-clients", type=int, default=1,
                        help="concurrent HTTP client connections; 1 is a plain keep-alive loop (default: %(default)s)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads of the one worker (gthread; default: %(default)s)")
    parser.add_argument("--max-seconds", type=float, default=120.0,
                        help="time box of each loop; a loop stops early when it is spent (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed calls before each loop (default: %(default)s)")
    parser.add_argument("--skip-http", action="store_true", help="skip the gunicorn measurement")
    parser.add_argument("--synchronous-commit", choices=("on", "off"), default="on",
                        help="PostgreSQL synchronous_commit of the plugin's connections; 'off' takes the WAL "
                             "flush (the disk) out of the figure, to see what the code costs (default: %(default)s)")
    parser.add_argument("--without-segments", action="store_true",
                        help="delete the shops' dynamic groups (the preset segments) first, to see what "
                             "refreshing them on each registration costs")
    parser.add_argument("--profile", action="store_true",
                        help="profile (CPU time) the hook and test-client loops and print where the plugin spends it")
    args = parser.parse_args(argv)

    common.prepare(args.database_url, args.revision, reset=args.reset_schema)
    app = common.bench_app(args.database_url, SQLALCHEMY_ENGINE_OPTIONS=_engine_options(args.synchronous_commit))
    run = uuid.uuid4().hex[:8]
    rng = random.Random(args.seed)
    results: dict = {
        "benchmark": "registration",
        "machine": common.machine(),
        "postgres": common.postgres_version(args.database_url),
        "target_per_second": TARGET_PER_SECOND,
        "synchronous_commit": args.synchronous_commit,
        "dynamic_groups": "deleted (--without-segments)" if args.without_segments else "the shop's presets",
        "commit_round_trip": measure_commit(args.database_url, args.synchronous_commit),
    }

    shop_id, _key = _shop(app, f"bench-hook-{run}", args)
    results["hook"] = measure_hook(app, shop_id, rng, args)
    results["hook"]["check"] = check_counts(app, shop_id)

    shop_id, api_key = _shop(app, f"bench-client-{run}", args)
    results["test_client"] = measure_test_client(app, api_key, rng, args)
    results["test_client"]["check"] = check_counts(app, shop_id)

    if not args.skip_http:
        shop_id, api_key = _shop(app, f"bench-http-{run}", args)
        results["http_gunicorn"] = measure_http(args.database_url, api_key, rng, args)
        results["http_gunicorn"]["check"] = check_counts(app, shop_id)

    results["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    common.emit(results, args.output)
    return results


def _shop(app: Flask, name: str, args) -> tuple[int, str]:
    shop_id, api_key = common.new_shop(app, name)
    if args.without_segments:
        with app.app_context():
            shop = shop_service.get_shop(shop_id)
            for group in group_service.list_groups(shop):
                if group.kind == "dynamic":
                    group_service.delete_group(shop, group, actor="bench")
            session().commit()
    return shop_id, api_key


def _engine_options(synchronous_commit: str) -> dict:
    return {"connect_args": {"options": f"-c synchronous_commit={synchronous_commit}"}}


def measure_commit(url: str, synchronous_commit: str, count: int = 300) -> dict:
    """The floor under any registration: one small INSERT and its COMMIT (the WAL flush, when on)."""
    with psycopg.connect(common.libpq_url(url), options=f"-c synchronous_commit={synchronous_commit}") as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (id bigserial PRIMARY KEY, at timestamptz)")
        connection.commit()
        durations = []
        for _ in range(count):
            started = time.perf_counter()
            connection.execute("INSERT INTO bench_commit_probe (at) VALUES (now())")
            connection.commit()
            durations.append(time.perf_counter() - started)
        connection.execute("DROP TABLE bench_commit_probe")
        connection.commit()
    summary = common.summarise_ms(durations)
    _stderr(f"insert + commit: median {summary['median_ms']} ms, p95 {summary['p95_ms']} ms")
    return summary


def measure_hook(app: Flask, shop_id: int, rng: random.Random, args) -> dict:
    """Each call runs in its own app context, as in a host request; the hook call alone is timed."""
    numbers = iter(range(1, 10**9))

    def register(fields: dict) -> float:
        with app.app_context():
            started = time.perf_counter()
            registration = customer_registered(shop_id, fields)
            elapsed = time.perf_counter() - started
        assert registration.groups, "a registered customer is in the default group"
        return elapsed

    people = [common.person(rng, next(numbers)) for _ in range(args.warmup + args.hook_count)]
    for fields in people[:args.warmup]:
        register(fields)
    statements = StatementCounter(app)
    meter = common.CpuMeter({"python": {os.getpid()}, "postgres": common.backend_pids(args.database_url)}).start()
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    if profiler:
        profiler.enable()
    new, started = [], time.perf_counter()
    for fields in people[args.warmup:]:
        new.append(register(fields))
        if time.perf_counter() - started > args.max_seconds:
            break
    new_wall = time.perf_counter() - started
    meter.stop()
    statements.stop()
    if profiler:
        profiler.disable()
        _print_profile(profiler, "hook")

    registered = people[:args.warmup + len(new)]
    repeats = [register(dict(fields, city="Brașov"))
               for fields in rng.sample(registered, min(args.repeat_count, len(registered)))]
    _stderr(f"hook: new median {_ms(new, 0.5)} ms, p95 {_ms(new, 0.95)} ms; repeat median {_ms(repeats, 0.5)} ms")
    return {
        "new_customer": _summary(new),
        "new_customer_per_second": round(len(new) / new_wall, 1) if new else None,
        "cpu_per_new_customer": _cpu(meter, len(new)),
        "statements_per_new_customer": statements.per_item(len(new)),
        "repeat_event": _summary(repeats),
    }


def measure_test_client(app: Flask, api_key: str, rng: random.Random, args) -> dict:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_key}"}
    path = _events_path(args.batch_size)
    people = (common.person(rng, number) for number in range(1, 10**9))
    bodies = (_body(people, args.batch_size) for _ in itertools.count())

    def post() -> float:
        started = time.perf_counter()
        response = client.post(path, json=next(bodies), headers=headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            raise SystemExit(f"POST {path} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        return elapsed

    for _ in range(-(-args.warmup // args.batch_size)):
        post()
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    if profiler:
        profiler.enable()
    meter = common.CpuMeter({"python": {os.getpid()}, "postgres": common.backend_pids(args.database_url)}).start()
    latencies, started = [], time.perf_counter()
    for _ in range(-(-args.client_count // args.batch_size)):
        latencies.append(post())
        if time.perf_counter() - started > args.max_seconds:
            break
    wall = time.perf_counter() - started
    meter.stop()
    if profiler:
        profiler.disable()
        _print_profile(profiler, "test client")
    registrations = len(latencies) * args.batch_size
    rate = registrations / wall if registrations else 0.0
    _stderr(f"test client: {rate:.0f} registrations/s (batch size {args.batch_size})")
    return {"batch_size": args.batch_size, "requests": len(latencies), "registrations": registrations,
            "seconds": round(wall, 2), "per_second": round(rate, 1),
            "meets_target": rate >= TARGET_PER_SECOND, "latency_per_request": _summary(latencies),
            "cpu_per_registration": _cpu(meter, registrations)}


def _events_path(batch_size: int) -> str:
    return f"{common.API}/events/customers" + ("/batch" if batch_size > 1 else "")


def _body(people, batch_size: int):
    """One event as sent alone, or ``batch_size`` of them as a batch."""
    if batch_size == 1:
        return next(people)
    return {"customers": [next(people) for _ in range(batch_size)]}


def measure_http(url: str, api_key: str, rng: random.Random, args) -> dict:
    """One gunicorn worker on 127.0.0.1; each client keeps its connection open when the worker lets it."""
    port = _free_port()
    before = common.backend_pids(url)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--worker-class", args.worker_class, "--threads", str(args.threads),
         "--log-level", "warning", "examples.demo_shop:create_app()"],
        cwd=common.REPO_ROOT,
        env={**os.environ, "DATABASE_URL": url, "PGOPTIONS": f"-c synchronous_commit={args.synchronous_commit}"},
    )
    try:
        _wait_until_serving(port, server)
        return _post_over_http(port, api_key, rng, args, server.pid, before)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _post_over_http(port: int, api_key: str, rng: random.Random, args, master: int, other_backends: set[int]) -> dict:
    path = _events_path(args.batch_size)
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    people = (common.person(rng, number) for number in range(1, 10**9))
    warmup_count = -(-args.warmup // args.batch_size)
    bodies = [json.dumps(_body(people, args.batch_size)).encode()
              for _ in range(warmup_count + -(-args.http_count // args.batch_size))]
    warmup, timed = bodies[:warmup_count], bodies[warmup_count:]
    lock = threading.Lock()
    latencies: list[float] = []
    connections_opened = [0]
    deadline = [0.0]

    def client(share: list[bytes]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        opened = 0
        for body in share:
            if time.perf_counter() > deadline[0]:
                break
            if connection.sock is None:
                opened += 1
            started = time.perf_counter()
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            elapsed = time.perf_counter() - started
            if response.status != 201:
                raise RuntimeError(f"POST {path} answered {response.status}: {payload[:300]!r}")
            with lock:
                latencies.append(elapsed)
        connection.close()
        with lock:
            connections_opened[0] += opened

    deadline[0] = time.perf_counter() + args.max_seconds
    client(warmup)
    latencies.clear()
    connections_opened[0] = 0
    meter = common.CpuMeter({
        "gunicorn_worker": _children(master),
        "postgres": common.backend_pids(args.database_url) - other_backends,
        "client": {os.getpid()},
    })
    shares = [timed[index::args.http_clients] for index in range(args.http_clients)]
    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    deadline[0] = time.perf_counter() + args.max_seconds
    meter.start()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    meter.stop()
    registrations = len(latencies) * args.batch_size
    rate = registrations / wall if registrations else 0.0
    _stderr(f"http (gunicorn, 1 worker, {args.http_clients} client(s), batch size {args.batch_size}): "
            f"{rate:.0f} registrations/s")
    return {
        "server": f"gunicorn --workers 1 --worker-class {args.worker_class} --threads {args.threads}",
        "clients": args.http_clients, "batch_size": args.batch_size,
        "requests": len(latencies), "registrations": registrations, "seconds": round(wall, 2),
        "per_second": round(rate, 1),
        "meets_target": rate >= TARGET_PER_SECOND, "latency_per_request": _summary(latencies),
        "connections_opened": connections_opened[0],
        "cpu_per_registration": _cpu(meter, registrations),
    }


class StatementCounter:
    """SQL statements sent by the app's engine (``COMMIT`` is not one) while it listens."""

    def __init__(self, app: Flask):
        with app.app_context():
            self.engine = session().get_bind()
        self.count = 0
        sa.event.listen(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.count += 1

    def stop(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def per_item(self, items: int) -> float | None:
        return round(self.count / items, 2) if items else None


def check_counts(app: Flask, shop_id: int) -> dict:
    """The kept ``member_count`` of the default group must equal the customers stored."""
    with app.app_context():
        customers = session().scalar(sa.select(sa.func.count()).select_from(Customer).where(Customer.shop_id == shop_id))
        kept = session().scalar(sa.select(Group.member_count).where(Group.shop_id == shop_id, Group.is_default))
    if customers != kept:
        raise SystemExit(f"shop {shop_id}: {customers} customers but the default group counts {kept}")
    return {"customers": customers, "default_group_member_count": kept}


def _print_profile(profiler: cProfile.Profile, title: str) -> None:
    """CPU by cumulative time: the plugin's own functions, then everything (the profiler's
    overhead inflates the absolute figures; compare the shares)."""
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(r"/(plugin|admin_ui)/", 30)
    stats.print_stats(25)
    _stderr(f"--- profile ({title}, CPU time) ---\n{text.getvalue()}")


def _children(pid: int) -> set[int]:
    """The worker processes of the gunicorn master ``pid``."""
    try:
        return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(port: int, server: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", f"{common.API}/openapi.json")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer on port {port} within {timeout:.0f} s")


def _summary(seconds: list[float]) -> dict | None:
    """Median and friends of a loop's durations; none for a loop that ran no calls (a count of 0)."""
    return common.summarise_ms(seconds) if seconds else None


def _cpu(meter: common.CpuMeter, items: int) -> dict | None:
    return meter.per_item_ms(items) if items else None


def _ms(seconds: list[float], fraction: float) -> str:
    return f"{common.percentile(seconds, fraction) * 1000:.2f}" if seconds else "-"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
