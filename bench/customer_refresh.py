"""What refreshing one customer after an event costs (issue 4: median ≤ 10 ms).

Builds its own shop on its own database: the six preset segments, ``--customers`` customers
with ``--activities`` past activities each spread over two years (so every preset has members
and the aggregates read real rows), then one full refresh. Then, at the wall clock:

* ``refresh_customer`` alone (RFM score and every dynamic group of one random customer), each
  call rolled back so the data stays put;
* the hook ``activity_recorded`` end to end: validate, store a new completed order, refresh,
  commit.

    .venv/bin/python bench/customer_refresh.py                    # 2,000 customers × 10, 1,000 + 500 calls
    .venv/bin/python bench/customer_refresh.py --calls 200 --hook-calls 100   # smoke
"""
from __future__ import annotations

import os
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402

from plugin.db import session  # noqa: E402
from plugin.hooks import activity_recorded  # noqa: E402
from plugin.models import Activity, Customer  # noqa: E402
from plugin.segments.refresh import refresh_customer, refresh_shop  # noqa: E402
from plugin.services import shops as shop_service  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cg_h1_bench"
#: The target of issue 4, in milliseconds.
TARGET_MS = 10.0


def main(argv: list[str] | None = None) -> dict:
    parser = common.base_parser(__doc__.splitlines()[0], database_url=DEFAULT_DATABASE_URL)
    parser.add_argument("--customers", type=int, default=2000, help="customers of the shop (default: %(default)s)")
    parser.add_argument("--activities", type=int, default=10, help="past activities per customer (default: %(default)s)")
    parser.add_argument("--calls", type=int, default=1000, help="timed refresh_customer calls (default: %(default)s)")
    parser.add_argument("--hook-calls", type=int, default=500, help="timed activity_recorded calls (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed calls before each loop (default: %(default)s)")
    args = parser.parse_args(argv)

    common.prepare(args.database_url, args.revision, reset=args.reset_schema)
    app = common.bench_app(args.database_url)
    rng = random.Random(args.seed)
    shop_id, _key = common.new_shop(app, f"bench-refresh-{uuid.uuid4().hex[:8]}")
    customer_ids = load_history(app, shop_id, rng, args.customers, args.activities)
    results = {
        "benchmark": "customer_refresh",
        "machine": common.machine(),
        "postgres": common.postgres_version(args.database_url),
        "target_median_ms": TARGET_MS,
        "shop": {"customers": args.customers, "activities_per_customer": args.activities, "segments": "the six presets"},
        "refresh_customer": measure_refresh(app, shop_id, customer_ids, rng, args),
        "activity_recorded_hook": measure_hook(app, shop_id, rng, args),
        "load_average_1m_after": round(os.getloadavg()[0], 2),
    }
    common.emit(results, args.output)
    return results


def load_history(app: Flask, shop_id: int, rng: random.Random, customers: int, activities: int) -> list[int]:
    """Customers and their past orders (completed, over the last two years), then a full refresh."""
    now = datetime.now(timezone.utc)
    with app.app_context():
        shop = shop_service.get_shop(shop_id)
        rows = [dict(common.person(rng, number), shop_id=shop_id, registered_at=now - timedelta(days=rng.randrange(800)))
                for number in range(1, customers + 1)]
        session().execute(sa.insert(Customer.__table__), [
            {name: value for name, value in row.items() if name in Customer.__table__.c} for row in rows
        ])
        ids = list(session().scalars(sa.select(Customer.id).where(Customer.shop_id == shop_id)))
        session().execute(sa.insert(Activity.__table__), [
            {"shop_id": shop_id, "customer_id": customer_id, "external_id": f"a{customer_id}-{index}",
             "kind": "order", "status": "completed", "currency": shop.currency,
             "occurred_at": now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
             "amount_milli": rng.randrange(5_000, 400_000)}
            for customer_id in ids for index in range(activities)
        ])
        session().commit()
        started = time.perf_counter()
        refresh_shop(shop, now)
        _stderr(f"loaded {customers} customers × {activities} activities; full refresh {time.perf_counter() - started:.1f} s")
        return ids


def measure_refresh(app: Flask, shop_id: int, customer_ids: list[int], rng: random.Random, args) -> dict:
    """``refresh_customer`` alone at the wall clock, each call rolled back."""
    durations: list[float] = []
    with app.app_context():
        shop = shop_service.get_shop(shop_id)

        def call() -> None:
            customer = session().get(Customer, rng.choice(customer_ids))
            shop.timezone  # noqa: B018  (loaded again after the rollback, as a host's request loads it, untimed)
            started = time.perf_counter()
            refresh_customer(shop, customer, datetime.now(timezone.utc))
            session().flush()
            durations.append(time.perf_counter() - started)
            session().rollback()

        for _ in range(args.warmup):
            call()
        durations.clear()
        meter = common.CpuMeter({"python": {os.getpid()}, "postgres": common.backend_pids(args.database_url)}).start()
        for _ in range(args.calls):
            call()
        meter.stop()
    summary = common.summarise_ms(durations)
    _stderr(f"refresh_customer: median {summary['median_ms']} ms, p95 {summary['p95_ms']} ms")
    return {**summary, "meets_target": summary["median_ms"] <= TARGET_MS,
            "cpu_per_call": meter.per_item_ms(len(durations)),
            "note": "includes a flush of the RFM score; each call rolled back (the groups' writes too)"}


def measure_hook(app: Flask, shop_id: int, rng: random.Random, args) -> dict:
    """``activity_recorded`` end to end in its own app context (a host request), committed."""
    with app.app_context():
        external_ids = list(session().scalars(sa.select(Customer.external_id).where(Customer.shop_id == shop_id)))
    numbers = iter(range(1, 10**9))
    durations: list[float] = []

    def call() -> None:
        fields = {"external_id": f"bench-order-{next(numbers)}", "customer_external_id": rng.choice(external_ids),
                  "kind": "order", "status": "completed", "amount": f"{rng.randrange(5, 400)}.00"}
        with app.app_context():
            started = time.perf_counter()
            activity_recorded(shop_id, fields)
            durations.append(time.perf_counter() - started)

    for _ in range(args.warmup):
        call()
    durations.clear()
    meter = common.CpuMeter({"python": {os.getpid()}, "postgres": common.backend_pids(args.database_url)}).start()
    for _ in range(args.hook_calls):
        call()
    meter.stop()
    summary = common.summarise_ms(durations)
    _stderr(f"activity_recorded: median {summary['median_ms']} ms, p95 {summary['p95_ms']} ms")
    return {**summary, "cpu_per_call": meter.per_item_ms(len(durations))}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
