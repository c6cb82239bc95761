"""Shared by the benchmarks: the bench database, bulk data through COPY, and timing summaries."""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import sqlalchemy as sa
from flask import Flask

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python bench/x.py` from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from bench.measures import percentile, process_cpu_seconds  # noqa: E402
from examples.demo_shop import create_app  # noqa: E402
from plugin import migrate  # noqa: E402
from plugin.db import session  # noqa: E402
from plugin.models import Group, Shop  # noqa: E402
from plugin.services import groups as group_service  # noqa: E402
from plugin.services import shops as shop_service  # noqa: E402

#: The benchmarks' own database; never one the tests or the other engineers use.
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cg_bench"
#: Databases a benchmark refuses to write to, whatever URL it is given.
PROTECTED_DATABASES = frozenset({"test", "cg_dev", "cg_admin", "postgres", "template0", "template1"})
API = "/api/customer-groups/v1"
ADMIN = "/admin/crm/groups"
#: Rows handed to COPY per write: large enough that Python, not the socket, is the cost.
COPY_BATCH = 20_000


# -- command line -----------------------------------------------------------------------------

def base_parser(description: str, *, database_url: str = DEFAULT_DATABASE_URL,
                environment: str = "BENCH_DATABASE_URL") -> argparse.ArgumentParser:
    """The options every bench script takes; ``$environment`` overrides the default database."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--database-url", default=os.environ.get(environment, database_url),
        help=f"PostgreSQL URL (default: %(default)s, or ${environment})",
    )
    parser.add_argument("--revision", default="head",
                        help="migrate the bench database to this Alembic revision first (default: %(default)s)")
    parser.add_argument("--reset-schema", action="store_true",
                        help="drop everything in the bench database and migrate from empty (after a migration changed)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated data (default: %(default)s)")
    parser.add_argument("--output", type=Path, help="also write the JSON result to this file")
    return parser


def emit(result: dict, output: Path | None) -> None:
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if output is not None:
        output.write_text(text + "\n")


# -- database and app -------------------------------------------------------------------------

def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as psycopg wants it (no ``+psycopg`` driver suffix)."""
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """Create the bench database when missing; refuse the databases that belong to others."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("The benchmarks measure PostgreSQL: pass a postgresql+psycopg:// URL.")
    if parsed.database in PROTECTED_DATABASES:
        raise SystemExit(f"Refusing to benchmark in database {parsed.database!r}: use cg_bench.")
    maintenance = libpq_url(str(parsed.set(database="postgres")))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parsed.database]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{parsed.database}"')


def bench_app(url: str, **config) -> Flask:
    """The demo host through its real factory, as production would run it (not TESTING)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, **config})


def prepare(url: str, revision: str = "head", *, reset: bool = False) -> Flask:
    """Database created and migrated (our Alembic revisions); returns the app."""
    ensure_database(url)
    if reset:
        with psycopg.connect(libpq_url(url)) as connection:
            connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    app = bench_app(url)
    with app.app_context():
        migrate.upgrade(revision)
    return app


def new_shop(app: Flask, name: str) -> tuple[int, str]:
    """A PRO shop (Standard and guests groups); returns its id and API key."""
    with app.app_context():
        shop, api_key = shop_service.create_shop(name, plan="pro")
        return shop.id, api_key


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines() if Path("/proc/meminfo").exists() else []
    mem_kib = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:")), 0)
    cpu_model = ""
    if Path("/proc/cpuinfo").exists():
        cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                          if line.startswith("model name")), "")
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": cpu_model,
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def postgres_version(url: str) -> str:
    with psycopg.connect(libpq_url(url)) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


# -- timing -----------------------------------------------------------------------------------

def summarise_ms(seconds: Sequence[float]) -> dict:
    """Median, p95 and friends of durations given in seconds, reported in milliseconds."""
    return {
        "n": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 3),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 3),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 3),
        "min_ms": round(min(seconds) * 1000, 3),
        "max_ms": round(max(seconds) * 1000, 3),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 3),
    }


def time_calls(
    call: Callable[[], object], *, repeat: int, warmup: int = 0, budget_s: float | None = None,
    meter: CpuMeter | None = None,
) -> list[float]:
    """Durations of ``repeat`` calls after ``warmup`` untimed ones.

    With ``budget_s``, stops early once that much time is spent (keeping at least 5 samples),
    so that one pathological page cannot stretch a run past its time box.
    """
    for _ in range(warmup):
        call()
    durations: list[float] = []
    if meter is not None:
        meter.start()
    deadline = time.perf_counter() + budget_s if budget_s is not None else math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        finished = time.perf_counter()
        durations.append(finished - started)
        if finished > deadline and len(durations) >= 5:
            break
    if meter is not None:
        meter.stop()
    return durations


# -- CPU accounting ---------------------------------------------------------------------------
# On a shared machine wall time swings with the neighbours' load; CPU time does not. Reading the
# CPU of the Python process and of the PostgreSQL backends that served it tells what the work
# costs, and so what rate an idle core would reach.

def backend_pids(url: str) -> set[int]:
    """PostgreSQL client backends now connected to the bench database."""
    with psycopg.connect(libpq_url(url)) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchall()
    return {pid for (pid,) in rows}


@dataclass
class CpuMeter:
    """CPU spent by some processes between ``start()`` and ``stop()``, in seconds."""

    pids: dict[str, set[int]]
    spent: dict[str, float] = field(default_factory=dict)

    def _now(self) -> dict[str, float]:
        return {name: sum(process_cpu_seconds(pid) for pid in pids) for name, pids in self.pids.items()}

    def start(self) -> CpuMeter:
        self._started = self._now()
        return self

    def stop(self) -> dict[str, float]:
        now = self._now()
        self.spent = {name: now[name] - self._started[name] for name in now}
        return self.spent

    def per_item_ms(self, items: int) -> dict[str, float]:
        per_item = {f"{name}_cpu_ms": round(seconds * 1000 / items, 3) for name, seconds in self.spent.items()}
        per_item["total_cpu_ms"] = round(sum(self.spent.values()) * 1000 / items, 3)
        return per_item


# -- generated people -------------------------------------------------------------------------

FIRST_NAMES = (
    "Ana", "Andrei", "Elena", "Mihai", "Ioana", "Alex", "Maria", "Radu", "Sofia", "Luca", "Emma", "Noah",
    "Olivia", "Liam", "Mia", "Lucas", "Léa", "Hugo", "Chloé", "Jonas", "Anja", "Tomás", "Inês", "Marek",
    "Zofia", "Yuki", "Ren", "Amara", "Kofi", "Priya", "Arjun", "Fatima", "Omar", "Nora", "Erik", "Saga",
)
LAST_NAMES = (
    "Popescu", "Ionescu", "Dumitru", "Stan", "Smith", "Jones", "Müller", "Schmidt", "Dubois", "Martin",
    "Rossi", "Russo", "García", "López", "Silva", "Santos", "Nowak", "Kowalski", "Novák", "Horváth",
    "Tanaka", "Sato", "Kim", "Lee", "Nguyen", "Okafor", "Mensah", "Patel", "Khan", "Haddad", "Larsen",
    "Andersson", "Virtanen", "Murphy", "Byrne", "Costa",
)
CITIES = ("Bucharest", "Cluj-Napoca", "Iași", "Timișoara", "Berlin", "Paris", "Lisbon", "Vienna", "", "")
GENDERS = ("female", "male", "other", "unknown")
TAGS = ("wholesale", "newsletter", "b2b", "student", "staff", "returns", "loyalty", "app")


def person(rng: random.Random, number: int) -> dict:
    """The fields a host sends when customer ``number`` registers (deterministic under ``rng``)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return {
        "external_id": f"c{number:08d}",
        "first_name": first,
        "last_name": last,
        "email": f"{_ascii(first)}.{_ascii(last)}.{number}@example.com",
        "phone": f"+407{rng.randrange(10**8):08d}",
        "gender": rng.choice(GENDERS),
        "city": rng.choice(CITIES),
        "email_opt_in": rng.random() < 0.4,
        "sms_opt_in": rng.random() < 0.2,
    }


def _ascii(name: str) -> str:
    return name.lower().encode("ascii", "ignore").decode()


# -- bulk load --------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupSpec:
    key: str
    name: str
    colour: str
    #: Members with 1,000,000 customers; scaled in proportion for other sizes.
    size_per_million: int


#: A few static groups of 10k–500k members beside Standard, which holds everyone.
BENCH_GROUPS = (
    GroupSpec("vip", "VIP", "#B45309", 10_000),
    GroupSpec("newsletter", "Newsletter", "#0F766E", 50_000),
    GroupSpec("regulars", "Regulars", "#7C3AED", 200_000),
    GroupSpec("app-users", "App users", "#DB2777", 500_000),
)


@dataclass
class LoadedShop:
    shop_id: int
    api_key: str
    customers: int
    group_sizes: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    reused: bool = False


def bench_shop_name(customers: int, seed: int) -> str:
    return f"bench-{customers}-seed{seed}"


def find_loaded_shop(app: Flask, customers: int, seed: int) -> LoadedShop | None:
    """The shop a previous run loaded with the same size and seed, with a fresh API key."""
    with app.app_context():
        shop = session().scalar(sa.select(Shop).where(Shop.name == bench_shop_name(customers, seed)))
        if shop is None:
            return None
        groups = {group.key: group.member_count for group in group_service.list_groups(shop) if not group.builtin}
        if groups.get("standard") != customers:
            return None
        api_key = shop_service.issue_api_key(shop)
        session().commit()
        return LoadedShop(shop.id, api_key, customers, groups, reused=True)


def bulk_load_shop(
    app: Flask, url: str, *, customers: int, seed: int, with_events: bool = True,
    log: Callable[[str], None] = print,
) -> LoadedShop:
    """Empty the bench database and load one shop of ``customers`` customers through COPY.

    Every customer is in Standard (the default group, as registration leaves them); the
    ``BENCH_GROUPS`` hold random samples; ``member_count`` is recounted from the rows, and
    each membership has its "entered" history row unless ``with_events`` is false.
    """
    ensure_database(url)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    with psycopg.connect(libpq_url(url)) as connection:
        connection.execute("TRUNCATE cg_shops RESTART IDENTITY CASCADE")
    with app.app_context():
        shop, api_key = shop_service.create_shop(bench_shop_name(customers, seed), plan="pro")
        for spec in BENCH_GROUPS:
            group_service.create_group(shop, {"key": spec.key, "name": spec.name, "colour": spec.colour})
        session().commit()
        group_ids = dict(session().execute(sa.select(Group.key, Group.id).where(Group.shop_id == shop.id)).all())
        shop_id = shop.id
    timings["setup_s"] = time.perf_counter() - clock

    rng = random.Random(seed)
    # One registration every 90 s up to today, so the group page's 90-day chart has its
    # share of entries to count (about 86,000 in Standard at a million customers).
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    started_at = today - timedelta(seconds=customers * 90)
    registered = [
        (started_at + timedelta(seconds=number * 90)).isoformat(sep=" ")
        for number in range(customers + 1)
    ]
    sizes = {spec.key: max(1, round(spec.size_per_million * customers / 1_000_000)) for spec in BENCH_GROUPS}
    samples = {key: sorted(rng.sample(range(1, customers + 1), size)) for key, size in sizes.items()}

    with psycopg.connect(libpq_url(url)) as connection:
        connection.execute("SET synchronous_commit = off")  # a loader, not the code under test
        # The rows are generated consistent, so skip the per-row foreign-key triggers (superuser only).
        connection.execute("SET session_replication_role = replica")
        connection.execute("SET maintenance_work_mem = '512MB'")
        rebuilt = _drop_secondary_indexes(connection, LOADED_TABLES)
        clock = time.perf_counter()
        _copy(connection, "cg_customers", CUSTOMER_COLUMNS, _customer_lines(rng, shop_id, customers, registered))
        timings["copy_customers_s"] = time.perf_counter() - clock

        clock = time.perf_counter()
        _copy(connection, "cg_customer_tags", ("customer_id", "tag", "shop_id"), _tag_lines(rng, shop_id, customers))
        timings["copy_tags_s"] = time.perf_counter() - clock

        memberships = [(group_ids["standard"], range(1, customers + 1), "default")]
        memberships += [(group_ids[key], samples[key], "import") for key in sizes]
        clock = time.perf_counter()
        _copy(connection, "cg_memberships", ("group_id", "customer_id", "shop_id", "source", "since"),
              _membership_lines(shop_id, memberships, registered))
        timings["copy_memberships_s"] = time.perf_counter() - clock

        if with_events:
            clock = time.perf_counter()
            _copy(connection, "cg_membership_events",
                  ("shop_id", "group_id", "customer_id", "change", "source", "actor", "at"),
                  _event_lines(shop_id, memberships, registered))
            timings["copy_events_s"] = time.perf_counter() - clock

        clock = time.perf_counter()
        for definition in rebuilt:
            connection.execute(definition)
        timings["rebuild_indexes_s"] = time.perf_counter() - clock

        connection.execute(
            "SELECT setval(pg_get_serial_sequence('cg_customers', 'id'), %s)", [customers]
        )
        connection.execute(
            "UPDATE cg_groups SET member_count = (SELECT count(*) FROM cg_memberships m WHERE m.group_id = cg_groups.id)"
            " WHERE shop_id = %s", [shop_id],
        )
        # The tallies the triggers on cg_membership_events keep per group and 15-minute slot (off
        # while loading, as below), for the group page's chart: as migration 0009 backfills them.
        connection.execute(
            'INSERT INTO cg_membership_tallies (group_id, slot, entered, "left")'
            " SELECT group_id, floor(extract(epoch FROM at) / 900)::bigint,"
            " count(*) FILTER (WHERE change = 'entered'), count(*) FILTER (WHERE change = 'left')"
            " FROM cg_membership_events WHERE shop_id = %s GROUP BY 1, 2", [shop_id],
        )
        # The count the triggers on cg_customers keep (off while loading: session_replication_role).
        connection.execute(
            "INSERT INTO cg_customer_counts (shop_id, customers) VALUES (%s, %s)"
            " ON CONFLICT (shop_id) DO UPDATE SET customers = excluded.customers", [shop_id, customers],
        )
        connection.commit()

    clock = time.perf_counter()
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")  # visibility map and statistics, as a settled database has
    timings["vacuum_analyze_s"] = time.perf_counter() - clock
    for name, seconds in timings.items():
        log(f"  {name}: {seconds:.1f}")
    group_sizes = {"standard": customers, **sizes}
    return LoadedShop(shop_id, api_key, customers, group_sizes, {k: round(v, 2) for k, v in timings.items()})


CUSTOMER_COLUMNS = (
    "id", "shop_id", "external_id", "first_name", "last_name", "email", "phone", "gender", "birthday", "city",
    "card_number", "registered_at", "email_opt_in", "sms_opt_in", "created_at", "updated_at",
)


#: Tables the loader fills; their secondary indexes are built once at the end, not row by row.
LOADED_TABLES = ("cg_customers", "cg_customer_tags", "cg_memberships", "cg_membership_events")


def _drop_secondary_indexes(connection: psycopg.Connection, tables: Sequence[str]) -> list[str]:
    """Drop the indexes that back no constraint (in the load's transaction); returns their DDL."""
    rows = connection.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid = ANY(%s::regclass[])"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [list(tables)],
    ).fetchall()
    for name, _definition in rows:
        connection.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def _copy(connection: psycopg.Connection, table: str, columns: Sequence[str], lines: Iterator[str]) -> None:
    """COPY text-format lines (already tab-separated and escaped) into ``table``."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor().copy(statement) as copy:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= COPY_BATCH:
                copy.write("".join(batch))
                batch.clear()
        if batch:
            copy.write("".join(batch))


def _customer_lines(rng: random.Random, shop_id: int, customers: int, registered: list[str]) -> Iterator[str]:
    born = datetime(1950, 1, 1).toordinal()
    for number in range(1, customers + 1):
        fields = person(rng, number)
        birthday = datetime.fromordinal(born + rng.randrange(55 * 365)).date().isoformat() if rng.random() < 0.6 else r"\N"
        card = f"{4000_0000_0000 + number}" if rng.random() < 0.5 else ""
        at = registered[number]
        yield (
            f"{number}\t{shop_id}\t{fields['external_id']}\t{fields['first_name']}\t{fields['last_name']}\t"
            f"{fields['email']}\t{fields['phone']}\t{fields['gender']}\t{birthday}\t{fields['city']}\t{card}\t"
            f"{at}\t{'t' if fields['email_opt_in'] else 'f'}\t{'t' if fields['sms_opt_in'] else 'f'}\t{at}\t{at}\n"
        )


def _tag_lines(rng: random.Random, shop_id: int, customers: int) -> Iterator[str]:
    """About one customer in five has one or two tags."""
    for number in range(1, customers + 1):
        if rng.random() < 0.2:
            for tag in sorted(set(rng.sample(TAGS, rng.choice((1, 2))))):
                yield f"{number}\t{tag}\t{shop_id}\n"


def _membership_lines(shop_id: int, memberships, registered: list[str]) -> Iterator[str]:
    for group_id, customer_ids, source in memberships:
        for customer_id in customer_ids:
            yield f"{group_id}\t{customer_id}\t{shop_id}\t{source}\t{registered[customer_id]}\n"


def _event_lines(shop_id: int, memberships, registered: list[str]) -> Iterator[str]:
    for group_id, customer_ids, source in memberships:
        actor = "hook" if source == "default" else "bench import"
        for customer_id in customer_ids:
            yield f"{shop_id}\t{group_id}\t{customer_id}\tentered\t{source}\t{actor}\t{registered[customer_id]}\n"
