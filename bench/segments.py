"""Segments at scale (issue 4): imports vs COPY, refresh, presets vs hand SQL, one customer, pages.

CSV imports against PostgreSQL's COPY, the full refresh and each preset against a hand-written
query, one customer's refresh after an event, and the Customers and group pages.

Everything happens in its own database, ``cg_bench_segments``, dropped and created at the start
(and dropped at the end unless ``--keep-database``); no other database is touched.

    .venv/bin/python bench/segments.py                                        # 1,000,000 / 10,000,000
    .venv/bin/python bench/segments.py --customers 20000 --activities 200000  # smoke run, < 1 min
    .venv/bin/python bench/segments.py --customers 300000 --activities 3000000 --keep-database
    .venv/bin/python bench/segments.py ... --reuse --steps presets,pages      # again, on the kept load

Steps (``--steps``, comma-separated; default all): ``generate`` (the two CSV files, streamed to
``--data-dir`` and kept there for the next run of the same size and seed), ``import`` (the
plugin's importers, then PostgreSQL's own COPY of the same files into plain tables), ``refresh``
(``refresh_shop`` at the fixed now, twice: from empty memberships, then with nothing to change),
``presets`` (each preset: the statement a refresh runs for the group, ``membership_changes``,
against ``bench/segments_sql/<key>.sql``, with the members in place so it has nothing to change;
``matching_customers``' ids must equal the hand query's, their fetch timed for information as
``members_fetch_ms``), ``customer`` (``refresh_customer`` alone and ``plugin.hooks.activity_recorded``
end to end) and ``pages`` (Customers page with filters, group pages with the chart, the API).
Prints one JSON document on stdout (progress on stderr); ``--output`` also writes it to a file and
``--markdown`` writes the figures as Markdown tables.
"""
from __future__ import annotations

import csv
import json
import os
import random
import resource
import statistics
import sys
import time
from array import array
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import import_floor  # noqa: E402
import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import has_app_context  # noqa: E402

from plugin import hooks, imports  # noqa: E402
from plugin.db import session  # noqa: E402
from plugin.imports.reading import open_text  # noqa: E402
from plugin.models import Activity, Customer, Group, Membership, Shop  # noqa: E402
from plugin.segments import refresh as refresh_module  # noqa: E402
from plugin.segments.clock import ShopClock  # noqa: E402
from plugin.segments.compiler import matching_customers  # noqa: E402
from plugin.segments.conditions import parse_condition  # noqa: E402
from plugin.segments.presets import PRESETS  # noqa: E402
from plugin.segments.refresh import refresh_customer, refresh_shop  # noqa: E402
from plugin.services import shops as shop_service  # noqa: E402

DATABASE = "cg_bench_segments"
DEFAULT_DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
SQL_DIR = Path(__file__).resolve().parent / "segments_sql"
#: The fixed "now" the data is generated around and the refresh runs at: local noon in Bucharest,
#: far from midnight and from a DST switch.
DEFAULT_NOW = "2026-11-20T10:00:00+00:00"
TIMEZONE = "Europe/Bucharest"
STEPS = ("generate", "import", "refresh", "presets", "customer", "pages")

#: Issue 4's targets.
TARGET_IMPORT_RATIO = 3.0
TARGET_PRESET_RATIO = 1.5
TARGET_CUSTOMER_MS = 10.0
TARGET_PAGE_MS = 200.0

# -- the generated shop ---------------------------------------------------------------------------
#: Activities cover 3 years: 33 months before now, 3 months after (bookings).
PAST_DAYS = 1005
FUTURE_DAYS = 90
#: Appointments and orders start on the quarter hour from 08:00 to 19:45, shop time.
SLOTS = 48
LOCATIONS = ("Centru", "Nord", "Sud", "Est", "Vest", "Mall Baneasa", "Mall Vitan", "Floreasca", "Pipera",
             "Cotroceni", "Online shop", "Pop-up")
STAFF = tuple(f"st{n:02d}" for n in range(1, 31))
CATEGORIES = tuple(f"cat{n:02d}" for n in range(1, 13))
PRODUCTS = tuple(f"p{n:04d}" for n in range(1, 2001))
APPOINTMENT_PRICES = tuple(f"{euros}.00" for euros in range(25, 185, 5)) + tuple(f"{euros}.50" for euros in range(25, 185, 10))
CUSTOMER_HEADER = ("external_id", "first_name", "last_name", "email", "phone", "gender", "birthday", "city",
                   "card_number", "registered_at", "email_opt_in", "sms_opt_in", "tags")
ACTIVITY_HEADER = ("external_id", "customer_external_id", "kind", "status", "occurred_at", "amount", "currency",
                   "location", "channel", "product_ids", "category_ids", "staff")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def data_files(data_dir: Path, customers: int, activities: int, seed: int, now: datetime) -> tuple[Path, Path]:
    tag = now.strftime("%Y%m%dT%H%M")
    return (data_dir / f"customers-{customers}-s{seed}.csv",
            data_dir / f"activities-{customers}-{activities}-s{seed}-{tag}.csv")


def generate(data_dir: Path, customers: int, activities: int, seed: int, now: datetime) -> dict:
    """Both CSV files (SPEC §5), deterministic under ``seed``, written as they are generated;
    kept when already complete (a ``.done`` marker beside each)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    customers_path, activities_path = data_files(data_dir, customers, activities, seed, now)
    result = {"customers_csv": str(customers_path), "activities_csv": str(activities_path)}
    for path, writer, name in ((customers_path, _write_customers, "customers"),
                               (activities_path, _write_activities, "activities")):
        done = path.with_suffix(".done")
        if done.exists() and path.exists():
            log(f"keeping {path} (generated before)")
            result[f"{name}_generated_s"] = None
        else:
            started = time.perf_counter()
            log(f"generating {path}…")
            writer(path, customers, activities, seed, now)
            done.write_text("ok\n")
            result[f"{name}_generated_s"] = round(time.perf_counter() - started, 1)
        result[f"{name}_csv_mib"] = round(path.stat().st_size / 2**20, 1)
    return result


def _write_customers(path: Path, customers: int, _activities: int, seed: int, now: datetime) -> None:
    rng = random.Random(f"{seed}-customers")
    zone = ZoneInfo(TIMEZONE)
    born = date(1950, 1, 1).toordinal()
    registered_span = 4 * 365 * 86400
    now_epoch = int(now.timestamp())
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file, lineterminator="\n")
        out.writerow(CUSTOMER_HEADER)
        for number in range(1, customers + 1):
            fields = common.person(rng, number)
            birthday = date.fromordinal(born + rng.randrange(55 * 365)).isoformat() if rng.random() < 0.6 else ""
            card = f"{4000_0000_0000 + number}" if rng.random() < 0.5 else ""
            registered = datetime.fromtimestamp(now_epoch - rng.randrange(registered_span), zone)
            tags = ";".join(sorted(rng.sample(common.TAGS, rng.choice((1, 2))))) if rng.random() < 0.2 else ""
            out.writerow((
                fields["external_id"], fields["first_name"], fields["last_name"], fields["email"], fields["phone"],
                fields["gender"], birthday, fields["city"], card, registered.isoformat(timespec="seconds"),
                "true" if fields["email_opt_in"] else "false", "true" if fields["sms_opt_in"] else "false", tags,
            ))


def activity_counts(rng: random.Random, customers: int, activities: int) -> array:
    """Activities per customer, summing to exactly ``activities``: 15 % none (prospects), 15 % one,
    10 % two, the rest 3 or more with a long tail."""
    mean = activities / max(customers, 1)
    tail_mean = max((mean - 0.35) / 0.6 - 3, 0.5)
    counts = array("I", bytes(4 * customers))
    regulars = array("I")
    for index in range(customers):
        draw = rng.random()
        if draw < 0.15:
            continue
        if draw < 0.30:
            counts[index] = 1
        elif draw < 0.40:
            counts[index] = 2
        else:
            counts[index] = 3 + int(rng.expovariate(1 / tail_mean))
            regulars.append(index)
    if not regulars:
        regulars.append(0)
    missing = activities - sum(counts)
    while missing > 0:
        counts[regulars[rng.randrange(len(regulars))]] += 1
        missing -= 1
    while missing < 0:
        index = regulars[rng.randrange(len(regulars))]
        if counts[index] > 3:
            counts[index] -= 1
            missing += 1
    return counts


def _write_activities(path: Path, customers: int, activities: int, seed: int, now: datetime) -> None:
    """Generated customer by customer into day buckets on disk, then each bucket sorted by time and
    appended to the file: a history in time order, as a host's export would be, never whole in memory."""
    rng = random.Random(f"{seed}-activities")
    zone = ZoneInfo(TIMEZONE)
    local_now = now.astimezone(zone)
    first_day = local_now.date() - timedelta(days=PAST_DAYS)
    now_slot = (local_now.hour - 8) * 4 + local_now.minute // 15
    now_key = PAST_DAYS * SLOTS + now_slot  # an activity is in the past when its key is <= now_key
    last_day = PAST_DAYS + FUTURE_DAYS - 1
    bucket_days = 31
    counts = activity_counts(rng, customers, activities)
    times: dict[tuple[int, int], str] = {}

    def occurred(key: int, variant: int) -> str:
        text = times.get((key, variant))
        if text is None:
            day, slot = divmod(key, SLOTS)
            local = datetime.combine(first_day + timedelta(days=day), datetime.min.time()).replace(
                hour=8 + slot // 4, minute=15 * (slot % 4))
            if variant == 0:   # with the shop's offset, as most hosts send
                text = local.replace(tzinfo=zone).isoformat()
            elif variant == 1:  # in UTC
                text = local.replace(tzinfo=zone).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
            else:              # no offset: the shop's time (SPEC §5)
                text = local.isoformat()
            times[(key, variant)] = text
        return text

    bucket_dir = path.parent / (path.name + ".buckets")
    bucket_dir.mkdir(exist_ok=True)
    buckets = [(bucket_dir / f"{n:03d}").open("w", encoding="utf-8", buffering=1 << 20)
               for n in range(last_day // bucket_days + 1)]
    random_ = rng.random
    randrange = rng.randrange
    for index in range(customers):
        count = counts[index]
        if not count:
            continue
        customer = f"c{index + 1:08d}"
        appointments = random_() < 0.6
        home = LOCATIONS[randrange(len(LOCATIONS))]
        favourite = STAFF[randrange(len(STAFF))]
        if random_() < 0.55:  # still coming; some have booked ahead
            end = PAST_DAYS + (randrange(FUTURE_DAYS) if random_() < 0.45 else 0)
        else:                 # stopped at some point in the three years
            end = randrange(PAST_DAYS + 1)
        start = max(0, end - int(rng.expovariate(1 / (300 + 20 * count))))
        for _ in range(count):
            key = randrange(start, end + 1) * SLOTS + randrange(SLOTS)
            past = key <= now_key
            draw = random_()
            if past:
                status = "completed" if draw < 0.86 else "cancelled" if draw < 0.94 else "no_show" if draw < 0.98 else "booked"
            else:
                status = "booked" if draw < 0.85 else "cancelled" if draw < 0.98 else "completed"
            if appointments:
                kind = "appointment"
                amount = APPOINTMENT_PRICES[randrange(len(APPOINTMENT_PRICES))]
                channel = "online" if random_() < 0.3 else "offline"
                staff = favourite if random_() < 0.7 else STAFF[randrange(len(STAFF))]
                categories = CATEGORIES[randrange(len(CATEGORIES))] if random_() < 0.6 else ""
                products = PRODUCTS[randrange(len(PRODUCTS))] if random_() < 0.1 else ""
            else:
                kind = "order"
                cents = randrange(300, 50000)
                amount = f"{cents // 100}.{cents % 100:02d}"
                channel = "online" if random_() < 0.5 else "offline"
                staff = ""
                categories = CATEGORIES[randrange(len(CATEGORIES))] if random_() < 0.6 else ""
                products = ";".join(PRODUCTS[randrange(len(PRODUCTS))] for _ in range(1 + (random_() < 0.4)))
            draw = random_()
            variant = 0 if draw < 0.85 else 1 if draw < 0.95 else 2
            location = home if random_() < 0.8 else LOCATIONS[randrange(len(LOCATIONS))]
            currency = "EUR" if random_() < 0.5 else ""
            buckets[key // SLOTS // bucket_days].write(
                f"{key}\t{customer},{kind},{status},{occurred(key, variant)},{amount},{currency},{location},"
                f"{channel},{products},{categories},{staff}\n"
            )
    for bucket in buckets:
        bucket.close()
    number = 0
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        out.write(",".join(ACTIVITY_HEADER) + "\n")
        for bucket_path in sorted(bucket_dir.iterdir()):
            lines = bucket_path.read_text(encoding="utf-8").splitlines()
            lines.sort(key=lambda line: int(line[:line.index("\t")]))  # stable: same order every run
            for line in lines:
                number += 1
                out.write(f"a{number:09d},{line[line.index(chr(9)) + 1:]}\n")
            bucket_path.unlink()
    bucket_dir.rmdir()
    assert number == activities, (number, activities)


# -- database -------------------------------------------------------------------------------------

def check_database_url(url: str) -> str:
    name = sa.engine.make_url(url).database or ""
    if not name.startswith(DATABASE):
        raise SystemExit(f"This benchmark drops and creates its database: it must be named {DATABASE}*, not {name!r}.")
    return name


def recreate_database(url: str) -> None:
    name = check_database_url(url)
    maintenance = common.libpq_url(str(sa.engine.make_url(url).set(database="postgres")))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    name = check_database_url(url)
    maintenance = common.libpq_url(str(sa.engine.make_url(url).set(database="postgres")))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def git_state() -> dict:
    """The commit measured, and the plugin's files that differ from it (others work in the same tree)."""
    import subprocess

    def git(*command: str) -> str:
        return subprocess.run(["git", *command], cwd=common.REPO_ROOT, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted": git("status", "--porcelain", "--", "plugin", "admin_ui", "migrations").splitlines()}


def shop_name(customers: int, activities: int, seed: int) -> str:
    return f"bench-segments-{customers}-{activities}-s{seed}"


def raw_connection() -> psycopg.Connection:
    """The psycopg connection under the session's current transaction: the same session."""
    return session().connection().connection.driver_connection


def backend_pid() -> int:
    return session().scalar(sa.text("SELECT pg_backend_pid()"))


def meter() -> common.CpuMeter:
    return common.CpuMeter({"python": {os.getpid()}, "postgres": {backend_pid()}}).start()


def cpu_seconds(backend: int) -> tuple[float, float]:
    """CPU seconds so far of this process and of one PostgreSQL backend."""
    return common.process_cpu_seconds(os.getpid()), common.process_cpu_seconds(backend)


def db_meter(url: str) -> common.CpuMeter:
    """CPU of this process and of every backend connected to the bench database (the pool's)."""
    return common.CpuMeter({"python": {os.getpid()}, "postgres": common.backend_pids(url)})


def cpu_of(cpu: common.CpuMeter) -> dict:
    spent = cpu.stop()
    return {f"{name}_cpu_s": round(seconds, 1) for name, seconds in spent.items()}


# -- step: import ---------------------------------------------------------------------------------

STAGING_DDL = {
    "customers": """CREATE TABLE bench_copy_customers (
        external_id text, first_name text, last_name text, email text, phone text, gender text,
        birthday date, city text, card_number text, registered_at timestamptz, email_opt_in boolean,
        sms_opt_in boolean, tags text)""",
    "activities": """CREATE TABLE bench_copy_activities (
        external_id text, customer_external_id text, kind text, status text, occurred_at timestamptz,
        amount numeric, currency text, location text, channel text, product_ids text, category_ids text,
        staff text)""",
}


def peak_rss_mib() -> int:
    """This process's peak resident memory so far (the imports run after the streamed generation)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def step_import(app, shop_id: int, customers_path: Path, activities_path: Path) -> dict:
    """The plugin's importers as the CLI calls them (``imports.import_*`` over ``open_text``), then
    COPY of the same files into plain tables (no index, no constraint) in the same session."""
    result: dict = {}
    for kind, path, importer in (("customers", customers_path, imports.import_customers),
                                 ("activities", activities_path, imports.import_activities)):
        options = {"refresh": False} if kind == "activities" else {}
        with app.app_context():
            shop = session().get(Shop, shop_id)
            cpu = meter()
            statements: list = []
            with path.open("rb") as binary, captured_statements(app, statements):
                text, _counter = open_text(binary)
                log(f"plugin import of {kind} ({path.stat().st_size / 2**20:.0f} MiB)…")
                started = time.perf_counter()
                report = importer(shop, text, actor="cli", **options)
                seconds = time.perf_counter() - started
            result[f"plugin_{kind}"] = {"seconds": round(seconds, 2), "rows": report.rows,
                                        "created": report.created, "rows_per_s": round(report.rows / seconds),
                                        **cpu_of(cpu), "peak_rss_mib": peak_rss_mib(),
                                        "sql_statements": statement_breakdown(statements)}
            log(f"  {report.summary()} in {seconds:.1f} s")

    with app.app_context():
        connection = raw_connection()
        connection.execute(f"SET TimeZone = '{TIMEZONE}'")  # a time without offset is the shop's, as for the plugin
        for kind, path in (("customers", customers_path), ("activities", activities_path)):
            table = f"bench_copy_{kind}"
            connection.execute(f"DROP TABLE IF EXISTS {table}")
            connection.execute(STAGING_DDL[kind])
            session().commit()
            connection = raw_connection()
            cpu = meter()
            log(f"COPY of {kind} into {table}…")
            started = time.perf_counter()
            with connection.cursor() as cursor, \
                    cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy, \
                    path.open("rb") as file:
                while block := file.read(1 << 20):
                    copy.write(block)
            session().commit()
            seconds = time.perf_counter() - started
            connection = raw_connection()
            rows = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            result[f"copy_{kind}"] = {"seconds": round(seconds, 2), "rows": rows, **cpu_of(cpu)}
            log(f"  {rows} rows in {seconds:.1f} s")
        for kind in ("customers", "activities"):
            connection.execute(f"DROP TABLE bench_copy_{kind}")
        connection.execute("RESET TimeZone")
        session().commit()

    for kind in ("customers", "activities"):
        plugin, copy = result[f"plugin_{kind}"]["seconds"], result[f"copy_{kind}"]["seconds"]
        result[f"ratio_{kind}"] = round(plugin / copy, 2)
    plugin_total = result["plugin_customers"]["seconds"] + result["plugin_activities"]["seconds"]
    copy_total = result["copy_customers"]["seconds"] + result["copy_activities"]["seconds"]
    result["ratio_total"] = round(plugin_total / copy_total, 2)
    result["target_ratio"] = TARGET_IMPORT_RATIO
    result["meets_target"] = result["ratio_total"] <= TARGET_IMPORT_RATIO
    result.update(import_floor.measure(app.config["SQLALCHEMY_DATABASE_URI"], shop_id, log))
    for variant in import_floor.VARIANTS:
        floor = result[f"floor_customers{variant}"]["seconds"] + result[f"floor_activities{variant}"]["seconds"]
        result[f"floor_ratio{variant}"] = round(floor / copy_total, 2)

    log("VACUUM (ANALYZE) after the import (as autovacuum would soon after)…")
    started = time.perf_counter()
    with psycopg.connect(common.libpq_url(app.config["SQLALCHEMY_DATABASE_URI"]), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    result["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
    return result


# -- step: refresh ----------------------------------------------------------------------------------

@contextmanager
def timed_refresh_parts(parts: dict):
    """Time ``refresh_shop``'s own calls (RFM, then each group) without changing the plugin:
    the module's names are wrapped for the duration of the run."""
    original_scores, original_group = refresh_module.refresh_scores, refresh_module.refresh_group

    def scores(shop, clock):
        started = time.perf_counter()
        original_scores(shop, clock)
        session().flush()
        parts["refresh_scores_s"] = round(time.perf_counter() - started, 2)

    def group(shop, group, clock, customer_ids=None):
        started = time.perf_counter()
        change = original_group(shop, group, clock, customer_ids)
        session().flush()
        parts.setdefault("groups", {})[group.key] = {
            "seconds": round(time.perf_counter() - started, 2), "added": change.added, "removed": change.removed}
        return change

    refresh_module.refresh_scores, refresh_module.refresh_group = scores, group
    try:
        yield
    finally:
        refresh_module.refresh_scores, refresh_module.refresh_group = original_scores, original_group


def step_refresh(app, shop_id: int, now: datetime, *, again: bool = True) -> dict:
    result = {}
    for label in ("first (memberships empty)", "again (nothing to change)")[:2 if again else 1]:
        parts: dict = {}
        with app.app_context():
            shop = session().get(Shop, shop_id)
            cpu = meter()
            log(f"refresh_shop at {now.isoformat()}, {label}…")
            started = time.perf_counter()
            with timed_refresh_parts(parts):
                refresh_shop(shop, now)
            seconds = time.perf_counter() - started
            result[label] = {"total_s": round(seconds, 2), **parts, **cpu_of(cpu)}
            log(f"  {seconds:.1f} s (RFM {parts.get('refresh_scores_s')} s)")
    return result


# -- step: presets --------------------------------------------------------------------------------

def hand_query(key: str) -> str:
    return (SQL_DIR / f"{key}.sql").read_text()


def hand_difference(sql: str) -> str:
    """The hand query as a refresh would use it: its ids full-joined to the group's stored members
    (``%(group_id)s``), only the customers entering or leaving returned."""
    return (f"SELECT coalesce(m.id, s.customer_id), m.id IS NOT NULL FROM ({sql.strip().rstrip(';')}) AS m(id) "
            "FULL JOIN (SELECT customer_id FROM cg_memberships WHERE group_id = %(group_id)s) AS s "
            "ON s.customer_id = m.id WHERE m.id IS NULL OR s.customer_id IS NULL")


def step_presets(app, shop_id: int, now: datetime, repeat: int) -> dict:
    """Each preset by the plugin and by the hand query, alternately in the same session; medians
    of ``repeat`` after one untimed run of each.

    The plugin's timed side is what ``refresh_group`` runs for the group: ``membership_changes``
    executed and its rows split by ``entering_and_leaving``, against the memberships in place (so
    it returns nothing when the stored members are current, as after the refresh step). The ids
    compared with the hand query's are ``matching_customers``' own; that fetch (every member's id
    through SQLAlchemy, what a refresh did before) is timed too, as ``members_fetch_ms``, for
    information only. So is the hand query made a set difference the same way (``hand_changes``:
    full-joined to the stored members, only the differences returned), the like-for-like figure
    beside the target's "one hand-written query"."""
    result: dict = {"target_ratio": TARGET_PRESET_RATIO, "repeat": repeat, "presets": {}}
    params = {"shop_id": shop_id, "now": now, "tz": TIMEZONE}
    with app.app_context():
        shop = session().get(Shop, shop_id)
        clock = ShopClock.at(now, shop.timezone)
        backend = backend_pid()
        for preset in PRESETS:
            key = preset["key"]
            group = session().scalar(sa.select(Group).where(Group.shop_id == shop_id, Group.key == key))
            condition = parse_condition(group.condition)
            statement = matching_customers(condition, shop_id, clock)
            changes_statement = refresh_module.membership_changes(condition, shop_id, group.id, clock)
            sql = hand_query(key)

            def plugin_changes(changes_statement=changes_statement):
                return refresh_module.entering_and_leaving(session().execute(changes_statement))

            def plugin_ids(statement=statement):
                return session().scalars(statement).all()

            def hand_ids(sql=sql):
                return [row[0] for row in raw_connection().execute(sql, params).fetchall()]

            def hand_changes(sql=hand_difference(sql), group_id=group.id):
                return raw_connection().execute(sql, {**params, "group_id": group_id}).fetchall()

            entering, leaving = plugin_changes()  # also the warm-ups
            plugin_set, hand_set = set(plugin_ids()), set(hand_ids())
            stored = set(session().scalars(sa.select(Membership.customer_id).where(Membership.group_id == group.id)))
            times: dict[str, list[float]] = {"plugin": [], "hand": [], "members_fetch": [], "hand_changes": []}
            cpu = {side: [0.0, 0.0] for side in times}
            for _ in range(repeat):
                for call, side in ((plugin_changes, "plugin"), (hand_ids, "hand"), (plugin_ids, "members_fetch"),
                                   (hand_changes, "hand_changes")):
                    python_before, postgres_before = cpu_seconds(backend)
                    started = time.perf_counter()
                    call()
                    times[side].append(time.perf_counter() - started)
                    python_after, postgres_after = cpu_seconds(backend)
                    cpu[side][0] += python_after - python_before
                    cpu[side][1] += postgres_after - postgres_before
            plugin_ms, hand_ms, fetch_ms, hand_changes_ms = (
                statistics.median(times[side]) * 1000 for side in ("plugin", "hand", "members_fetch", "hand_changes"))
            entry = {
                "members": len(plugin_set), "plugin_ms": round(plugin_ms, 1), "hand_ms": round(hand_ms, 1),
                "ratio": round(plugin_ms / hand_ms, 2) if hand_ms else None,
                "changes": {"entering": len(entering), "leaving": len(leaving)},
                "members_fetch_ms": round(fetch_ms, 1),
                "members_fetch_ratio": round(fetch_ms / hand_ms, 2) if hand_ms else None,
                "hand_changes_ms": round(hand_changes_ms, 1),
                "ratio_to_hand_changes": round(plugin_ms / hand_changes_ms, 2) if hand_changes_ms else None,
                **{f"{side}_cpu_per_run_ms": {"python": round(cpu[side][0] * 1000 / repeat),
                                              "postgres": round(cpu[side][1] * 1000 / repeat)} for side in times},
                **{f"{side}_runs_ms": [round(t * 1000, 1) for t in times[side]] for side in times},
                "same_ids": plugin_set == hand_set,
                "only_plugin": len(plugin_set - hand_set), "only_hand": len(hand_set - plugin_set),
                "examples_only_plugin": sorted(plugin_set - hand_set)[:5],
                "examples_only_hand": sorted(hand_set - plugin_set)[:5],
                "stored_members_equal": stored == plugin_set,
            }
            entry["meets_target"] = entry["ratio"] is not None and entry["ratio"] <= TARGET_PRESET_RATIO
            if not entry["meets_target"]:
                statements: list = []
                with captured_statements(app, statements):
                    plugin_changes()
                executed, parameters = statements[-1][1], statements[-1][2]
                entry["plans"] = {"plugin": explain(executed, parameters), "hand": explain(sql, params)}
            result["presets"][key] = entry
            log(f"  {key:24} {len(plugin_set):8} members  plugin {plugin_ms:9.1f} ms "
                f"(+{len(entering)} −{len(leaving)})  hand {hand_ms:9.1f} ms  ratio {entry['ratio']}  "
                f"members fetch {fetch_ms:9.1f} ms  same ids: {entry['same_ids']}")
            session().rollback()

        # RFM: the stored tiers against the definition computed by hand, and that query's time.
        sql = hand_query("rfm-tiers")
        started = time.perf_counter()
        expected = dict(raw_connection().execute(sql, params).fetchall())
        seconds = time.perf_counter() - started
        stored = dict(session().execute(sa.select(Customer.id, Customer.rfm_tier).where(Customer.shop_id == shop_id)).all())
        wrong = [customer_id for customer_id, tier in stored.items() if expected.get(customer_id) != tier]
        tiers: dict[str, int] = {}
        for tier in stored.values():
            tiers[tier] = tiers.get(tier, 0) + 1
        result["rfm_check"] = {
            "hand_query_s": round(seconds, 2), "customers": len(stored), "tiers": tiers,
            "tiers_differing_from_hand_query": len(wrong), "examples": wrong[:5],
        }
        log(f"  RFM tiers by hand in {seconds:.1f} s; {len(wrong)} customers differ from the stored tier")
        session().rollback()
    return result


# -- EXPLAIN ------------------------------------------------------------------------------------

def explain(sql: str, params, *, analyze: bool = True) -> dict:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of one SELECT in the current session: times, buffers, and
    the plan's cost centres (nodes by their own time, children's excluded)."""
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    cursor = raw_connection().execute(f"EXPLAIN ({options}) {sql}", params)
    plan = cursor.fetchone()[0][0]
    nodes = []

    def walk(node: dict, depth: int) -> float:
        loops = node.get("Actual Loops", 1) or 1
        total = node.get("Actual Total Time", 0.0) * loops
        children = sum(walk(child, depth + 1) for child in node.get("Plans", []))
        nodes.append({"node": _describe(node), "depth": depth, "self_ms": round(max(total - children, 0.0), 1),
                      "rows": node.get("Actual Rows", 0) * loops,
                      "shared_hit": node.get("Shared Hit Blocks"), "shared_read": node.get("Shared Read Blocks"),
                      "temp_written": node.get("Temp Written Blocks")})
        return total

    walk(plan["Plan"], 0)
    top = plan["Plan"]
    return {
        "sql": " ".join(sql.split())[:4000],
        "execution_ms": plan.get("Execution Time"), "planning_ms": plan.get("Planning Time"),
        "jit_ms": (plan.get("JIT") or {}).get("Timing", {}).get("Total"),
        "shared_hit": top.get("Shared Hit Blocks"), "shared_read": top.get("Shared Read Blocks"),
        "temp_written": top.get("Temp Written Blocks"),
        "cost_centres": sorted(nodes, key=lambda n: -n["self_ms"])[:6],
        "plan_outline": [f"{'  ' * n['depth']}{n['node']}" for n in sorted(nodes, key=lambda n: n["depth"])][:25],
    }


def _describe(node: dict) -> str:
    parts = [node["Node Type"]]
    if node.get("Strategy") and node["Node Type"] == "Aggregate":
        parts[0] = f"{node['Strategy']} Aggregate"
    if "Index Name" in node:
        parts.append(f"using {node['Index Name']}")
    if "Relation Name" in node:
        parts.append(f"on {node['Relation Name']}")
    if node.get("Subplan Name"):
        parts.append(f"[{node['Subplan Name']}]")
    if node.get("Parent Relationship") == "SubPlan" and not node.get("Subplan Name"):
        parts.append("[subplan]")
    parts.append(f"(loops {node.get('Actual Loops')})")
    return " ".join(parts)


@contextmanager
def captured_statements(app, into: list):
    """Every statement the engine runs meanwhile, with its wall time: (seconds, sql, parameters)."""
    if has_app_context():
        engine = app.extensions["sqlalchemy"].engine
    else:
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine
    starts: list[float] = []

    def before(_conn, _cursor, statement, parameters, _context, _executemany):
        starts.append(time.perf_counter())

    def after(_conn, _cursor, statement, parameters, _context, executemany):
        into.append((time.perf_counter() - starts.pop(), statement, None if executemany else parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def explain_slowest(app, statements: list, limit: int = 3) -> list[dict]:
    """The slowest SELECTs among captured statements, explained again (ANALYZE, BUFFERS)."""
    selects = [entry for entry in statements if entry[1].lstrip().upper().startswith(("SELECT", "WITH"))]
    slowest = sorted(selects, key=lambda entry: -entry[0])[:limit]
    explained = []
    with app.app_context():
        for seconds, sql, parameters in slowest:
            try:
                plan = explain(sql, parameters)
            except psycopg.Error as error:
                session().rollback()
                plan = {"sql": " ".join(sql.split())[:2000], "error": str(error)}
            explained.append({"captured_ms": round(seconds * 1000, 1), **plan})
        session().rollback()
    return explained


def statement_breakdown(statements: list, top: int = 6) -> dict:
    """Wall time in SQL statements (COPY into the staging tables excluded: it bypasses the engine),
    by statement (its first words), the costliest first."""
    totals: dict[str, list] = {}
    for seconds, sql, _parameters in statements:
        entry = totals.setdefault(" ".join(sql.split())[:90], [0, 0.0, seconds, seconds])
        entry[0] += 1
        entry[1] += seconds
        entry[3] = seconds
    ranked = sorted(totals.items(), key=lambda item: -item[1][1])
    return {"total_s": round(sum(seconds for seconds, _sql, _p in statements), 2),
            "top": [{"statement": name, "calls": calls, "seconds": round(seconds, 2), "first_call_s": round(first, 3),
                     "last_call_s": round(last, 3)} for name, (calls, seconds, first, last) in ranked[:top]]}


def statement_profile(statements: list) -> dict:
    total = sum(entry[0] for entry in statements)
    return {"statements": len(statements), "sql_ms": round(total * 1000, 2)}


# -- step: one customer after an event ---------------------------------------------------------

def step_customer(app, shop_id: int, now: datetime, events: int, seed: int) -> dict:
    rng = random.Random(f"{seed}-events")
    result: dict = {"target_median_ms": TARGET_CUSTOMER_MS}
    with app.app_context():
        with_activity = list(session().scalars(
            sa.select(Customer.id).where(Customer.shop_id == shop_id, Customer.visits > 0).order_by(Customer.id)))
        prospects = list(session().scalars(
            sa.select(Customer.id).where(Customer.shop_id == shop_id, Customer.visits == 0).order_by(Customer.id)))
    sample = rng.sample(with_activity, min(events * 9 // 10, len(with_activity)))
    sample += rng.sample(prospects, min(events - len(sample), len(prospects)))

    # (a) refresh_customer alone, at the fixed now; rolled back after each so the data stays put.
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    durations, profiles, all_statements = [], [], []
    cpu = db_meter(url).start()
    for customer_id in sample:
        with app.app_context():
            shop = session().get(Shop, shop_id)
            customer = session().get(Customer, customer_id)
            statements: list = []
            with captured_statements(app, statements):
                started = time.perf_counter()
                refresh_customer(shop, customer, now)
                session().flush()
                durations.append(time.perf_counter() - started)
            profiles.append(statement_profile(statements))
            all_statements.append(statements)
            session().rollback()
    cpu.stop()
    summary = common.summarise_ms(durations)
    slowest = max(range(len(durations)), key=durations.__getitem__)
    result["refresh_customer"] = {
        **summary, "meets_target": summary["median_ms"] <= TARGET_CUSTOMER_MS,
        "cpu_per_call": cpu.per_item_ms(len(durations)),
        "statements_per_call": statistics.median(p["statements"] for p in profiles),
        "sql_median_ms": round(statistics.median(p["sql_ms"] for p in profiles), 2),
    }
    log(f"  refresh_customer alone: median {summary['median_ms']} ms, p95 {summary['p95_ms']} ms, "
        f"CPU {result['refresh_customer']['cpu_per_call']}")
    if summary["median_ms"] > TARGET_CUSTOMER_MS:
        result["refresh_customer"]["slowest_statements"] = explain_slowest(app, all_statements[slowest])

    # (b) the hook end to end: a new visit, a new booking, or a booking's status change, committed.
    with app.app_context():
        external = dict(session().execute(
            sa.select(Customer.id, Customer.external_id).where(Customer.id.in_(sample))).all())
        booked = session().execute(
            sa.select(Activity).where(Activity.shop_id == shop_id, Activity.status == "booked",
                                      Activity.customer_id.in_(sample))
            .order_by(Activity.id)
        ).scalars().all()
        bookings = {}
        for activity in booked:
            bookings.setdefault(activity.customer_id, activity)
        changes = {
            customer_id: {
                "external_id": activity.external_id, "kind": activity.kind, "occurred_at": activity.occurred_at,
                "amount": activity.amount, "location": activity.location, "channel": activity.channel,
                "product_ids": activity.item_values("product"), "category_ids": activity.item_values("category"),
                "staff": activity.item_values("staff"),
            }
            for customer_id, activity in bookings.items()
        }
    wall_now = datetime.now(timezone.utc)
    durations, kinds = [], {"new visit": 0, "new booking": 0, "status change": 0}
    cpu = db_meter(url).start()
    for number, customer_id in enumerate(sample):
        draw = rng.random()
        if draw < 0.3 and customer_id in changes:
            fields = dict(changes.pop(customer_id))
            fields["status"] = "cancelled" if fields["occurred_at"] > wall_now else "completed"
            fields["occurred_at"] = fields["occurred_at"].isoformat()
            kind = "status change"
        else:
            booking = draw > 0.65
            at = wall_now + timedelta(days=rng.randrange(1, 60)) if booking else wall_now - timedelta(minutes=rng.randrange(5, 600))
            fields = {
                "external_id": f"bench-event-{seed}-{number}", "kind": "appointment",
                "status": "booked" if booking else "completed", "occurred_at": at.isoformat(timespec="seconds"),
                "amount": f"{rng.randrange(25, 180)}.00", "location": LOCATIONS[rng.randrange(len(LOCATIONS))],
                "channel": "online" if rng.random() < 0.3 else "offline", "staff": [STAFF[rng.randrange(len(STAFF))]],
                "category_ids": [CATEGORIES[rng.randrange(len(CATEGORIES))]],
            }
            kind = "new booking" if booking else "new visit"
        fields["customer_external_id"] = external[customer_id]
        kinds[kind] += 1
        with app.app_context():
            started = time.perf_counter()
            hooks.activity_recorded(shop_id, fields)
            durations.append(time.perf_counter() - started)
    cpu.stop()
    summary = common.summarise_ms(durations)
    result["activity_recorded_hook"] = {
        **summary, "events": kinds, "meets_target": summary["median_ms"] <= TARGET_CUSTOMER_MS,
        "cpu_per_call": cpu.per_item_ms(len(durations)),
        "note": "hook end to end: validate, store the activity and its items, refresh_customer at the wall-clock now, commit",
    }
    log(f"  activity_recorded hook: median {summary['median_ms']} ms, p95 {summary['p95_ms']} ms, "
        f"CPU {result['activity_recorded_hook']['cpu_per_call']}")
    return result


# -- step: pages --------------------------------------------------------------------------------

def page_list(shop_id: int, api_key: str, now: datetime) -> list[tuple[str, str, dict]]:
    today = now.astimezone(ZoneInfo(TIMEZONE)).date()
    customers = f"{common.ADMIN}/customers/"

    def page(**args) -> str:
        return f"{customers}?{urlencode(args)}"

    three_months = (today - timedelta(days=91)).isoformat()
    two_months = (today - timedelta(days=61)).isoformat()
    api = {"Authorization": f"Bearer {api_key}"}
    regulars = json.dumps({"metric": "past_count", "within": {"last": 12, "unit": "months"}, "op": ">=", "value": 3})
    big = json.dumps({"all": [{"metric": "total_spent", "op": ">=", "value": "1000"},
                              {"metric": "gender", "op": "=", "value": "female"}]})
    return [
        ("customers: no filter, by name", page(sort="name"), {}),
        ("customers: visited in the last 3 months, by spent", page(visited_from=three_months, visited_to=today.isoformat(), sort="-spent"), {}),
        ("customers: no visits in 2 months + 3 visits or more", page(absent_from=two_months, absent_to=today.isoformat(), visits_min=3, sort="-visits"), {}),
        ("customers: spent >= 1000, female", page(spent_min="1000", gender="female", sort="name"), {}),
        ("customers: visited a location", page(locations="Floreasca", sort="name"), {}),
        ("customers: booked online", page(online="y", sort="-last_visit"), {}),
        ("customers: birthday within 7 days", page(birthday_days=7, sort="name"), {}),
        ("customers: received campaign", page(campaign="*", sort="name"), {}),
        ("customers: tags", page(tags="loyalty", sort="name"), {}),
        ("customers: group lapsing-regulars", page(group="lapsing-regulars", sort="-spent"), {}),
        ("customers: search 'popescu'", page(q="popescu", sort="name"), {}),
        ("customers: visited a location, exact count", page(locations="Floreasca", sort="name", count="all"), {}),
        ("customers: no visits in 2 months + 3 visits, exact count", page(absent_from=two_months, absent_to=today.isoformat(), visits_min=3, sort="-visits", count="all"), {}),
        ("group page lapsing-regulars (chart)", f"{common.ADMIN}/lapsing-regulars", {}),
        ("group page high-value (chart)", f"{common.ADMIN}/high-value", {}),
        ("group page standard (chart)", f"{common.ADMIN}/standard", {}),
        ("api customers, condition past_count 12m >= 3", f"{common.API}/customers?{urlencode({'condition': regulars, 'sort': '-spent'})}", api),
        ("api customers, condition spent >= 1000 & female", f"{common.API}/customers?{urlencode({'condition': big})}", api),
        ("api customers, no condition", f"{common.API}/customers", api),
    ]


def step_pages(app, shop_id: int, now: datetime, requests: int, budget_s: float) -> dict:
    with app.app_context():
        shop = session().get(Shop, shop_id)
        api_key = shop_service.issue_api_key(shop)
        session().commit()
    client = app.test_client()
    with client.session_transaction() as browser:
        browser["demo_admin"] = {"email": app.config["DEMO_ADMIN_EMAIL"], "shop_id": shop_id}
    result: dict = {"target_ms": TARGET_PAGE_MS, "requests": requests, "budget_s_per_page": budget_s, "pages": {}}
    for name, path, headers in page_list(shop_id, api_key, now):
        response = client.get(path, headers=headers)  # warm-up, and the check
        if response.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {response.status_code}: {response.get_data(as_text=True)[:500]}")
        durations = []
        cpu = db_meter(app.config["SQLALCHEMY_DATABASE_URI"]).start()
        deadline = time.perf_counter() + budget_s
        while len(durations) < requests:
            started = time.perf_counter()
            client.get(path, headers=headers)
            finished = time.perf_counter()
            durations.append(finished - started)
            if finished > deadline and len(durations) >= 3:
                break
        cpu.stop()
        summary = common.summarise_ms(durations)
        entry = {"path": path, **summary, "meets_target": summary["p95_ms"] <= TARGET_PAGE_MS,
                 "cpu_per_request": cpu.per_item_ms(len(durations))}
        statements: list = []
        with captured_statements(app, statements):
            client.get(path, headers=headers)
        entry["sql"] = statement_profile(statements)
        if not entry["meets_target"]:
            entry["slowest_statements"] = explain_slowest(app, statements, limit=2)
        result["pages"][name] = entry
        log(f"  {name:52} median {summary['median_ms']:9.1f} ms  p95 {summary['p95_ms']:9.1f} ms  (n={summary['n']}, "
            f"{entry['sql']['statements']} statements, {entry['sql']['sql_ms']:.0f} ms in SQL, "
            f"CPU {entry['cpu_per_request']['total_cpu_ms']:.0f} ms)")
    return result


# -- markdown ---------------------------------------------------------------------------------

def markdown(result: dict) -> str:
    lines = [f"Run {result['machine']['date']}: {result['sizes']['customers']:,} customers, "
             f"{result['sizes']['activities']:,} activities, seed {result['sizes']['seed']}, now {result['sizes']['now']}.", ""]
    if imp := result.get("import"):
        lines += ["| Import | plugin (CPU: Python + PostgreSQL) | COPY (CPU: PostgreSQL) | ratio (target ≤ 3×) |",
                  "|---|---|---|---|"]
        for kind in ("customers", "activities"):
            plugin, copy = imp[f"plugin_{kind}"], imp[f"copy_{kind}"]
            lines.append(f"| {kind} ({plugin['rows']:,} rows) | {plugin['seconds']:.1f} s ({plugin['rows_per_s']:,} rows/s; "
                         f"CPU {plugin['python_cpu_s']} + {plugin['postgres_cpu_s']} s) | "
                         f"{copy['seconds']:.1f} s (CPU {copy['postgres_cpu_s']} s) | {imp[f'ratio_{kind}']}× |")
        total_plugin = imp["plugin_customers"]["seconds"] + imp["plugin_activities"]["seconds"]
        total_copy = imp["copy_customers"]["seconds"] + imp["copy_activities"]["seconds"]
        lines += [f"| both | {total_plugin:.1f} s | {total_copy:.1f} s | **{imp['ratio_total']}×** |", ""]
        if "floor_ratio" in imp:
            lines += ["| The floor: the rows written, COPYed in binary into copies of the tables | customers | activities | "
                      "ratio to the COPY of the files |", "|---|---|---|---|"]
            for variant, label in (("", "same indexes and foreign keys"),
                                   ("_without_shop_foreign_keys", "same, without the foreign keys to `cg_shops`"),
                                   ("_without_foreign_keys", "same indexes, no foreign key")):
                customers, activities = imp[f"floor_customers{variant}"], imp[f"floor_activities{variant}"]
                lines.append(f"| {label} | {customers['seconds']:.1f} s (CPU {customers['postgres_cpu_s']} s) | "
                             f"{activities['seconds']:.1f} s (CPU {activities['postgres_cpu_s']} s) | "
                             f"**{imp[f'floor_ratio{variant}']}×** |")
            lines.append("")
    if ref := result.get("refresh"):
        lines += ["| Full refresh | total | RFM (`refresh_scores`) | " + " | ".join(PRESET_KEYS) + " |",
                  "|---|---|---|" + "---|" * len(PRESET_KEYS)]
        for label, run in ref.items():
            groups = run.get("groups", {})
            lines.append(f"| {label} | {run['total_s']:.1f} s | {run.get('refresh_scores_s')} s | " + " | ".join(
                f"{groups[k]['seconds']} s (+{groups[k]['added']} −{groups[k]['removed']})" if k in groups else "—"
                for k in PRESET_KEYS) + " |")
        lines.append("")
    if pre := result.get("presets"):
        lines += [f"| Preset | members | plugin: refresh's changes (median of {pre['repeat']}) | "
                  f"hand SQL (median of {pre['repeat']}) | ratio (target ≤ 1.5×) | hand SQL as a set difference | members fetched (information) | "
                  "same ids | = stored members |", "|---|---|---|---|---|---|---|---|---|"]
        for key, entry in pre["presets"].items():
            changes = entry["changes"]
            lines.append(f"| {key} | {entry['members']:,} | {entry['plugin_ms']:.1f} ms "
                         f"(+{changes['entering']} −{changes['leaving']}) | {entry['hand_ms']:.1f} ms | "
                         f"{entry['ratio']}× | {entry['hand_changes_ms']:.1f} ms ({entry['ratio_to_hand_changes']}×) | "
                         f"{entry['members_fetch_ms']:.1f} ms ({entry['members_fetch_ratio']}×) | "
                         f"{'yes' if entry['same_ids'] else 'NO'} | {'yes' if entry['stored_members_equal'] else 'NO'} |")
        check = pre["rfm_check"]
        lines += ["", f"RFM tiers recomputed by hand (`rfm-tiers.sql`, {check['hand_query_s']} s): "
                  f"{check['tiers_differing_from_hand_query']} of {check['customers']:,} customers differ; tiers {check['tiers']}.", ""]
    if cus := result.get("customer"):
        lines += ["| One customer after an event | n | median | p95 | CPU per call (Python + PostgreSQL) | target median ≤ 10 ms |",
                  "|---|---|---|---|---|---|"]
        for name in ("refresh_customer", "activity_recorded_hook"):
            entry = cus[name]
            cpu = entry.get("cpu_per_call", {})
            lines.append(f"| {name} | {entry['n']} | {entry['median_ms']:.1f} ms | {entry['p95_ms']:.1f} ms | "
                         f"{cpu.get('python_cpu_ms')} + {cpu.get('postgres_cpu_ms')} ms | "
                         f"{'met' if entry['meets_target'] else 'MISSED'} |")
        lines.append("")
    if pages := result.get("pages"):
        lines += ["| Page (server time, test client) | n | median | p95 | CPU per request (Python + PostgreSQL) | target p95 ≤ 200 ms |",
                  "|---|---|---|---|---|---|"]
        for name, entry in pages["pages"].items():
            cpu = entry.get("cpu_per_request", {})
            lines.append(f"| {name} | {entry['n']} | {entry['median_ms']:.1f} ms | {entry['p95_ms']:.1f} ms | "
                         f"{cpu.get('python_cpu_ms', 0):.0f} + {cpu.get('postgres_cpu_ms', 0):.0f} ms | "
                         f"{'met' if entry['meets_target'] else 'MISSED'} |")
        lines.append("")
    return "\n".join(lines)


PRESET_KEYS = tuple(preset["key"] for preset in PRESETS)


# -- main -----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> dict:
    parser = common.base_parser(__doc__.splitlines()[0], database_url=DEFAULT_DATABASE_URL,
                                environment="BENCH_SEGMENTS_DATABASE_URL")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=10_000_000)
    parser.add_argument("--now", default=DEFAULT_NOW, help="the fixed now of the data and the refresh (default: %(default)s)")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/cg_bench_segments"), help="where the CSV files go")
    parser.add_argument("--steps", default=",".join(STEPS), help="comma-separated, of: " + ", ".join(STEPS))
    parser.add_argument("--reuse", action="store_true", help="keep the database a previous --keep-database run left")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each preset query (median)")
    parser.add_argument("--events", type=int, default=200, help="events for the one-customer refresh")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--page-budget", type=float, default=20.0, help="seconds per page before stopping early (≥ 3 requests)")
    parser.add_argument("--markdown", type=Path, help="also write the figures as Markdown tables")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run's sampling: 1 timed run per preset, one refresh, 50 events, 5 requests per page, 3 s per page")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.events, args.requests, args.page_budget = 1, 50, 5, 3.0
    steps = [step.strip() for step in args.steps.split(",") if step.strip()]
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps {sorted(unknown)}")
    now = datetime.fromisoformat(args.now)
    check_database_url(args.database_url)
    started = time.perf_counter()

    result: dict = {
        "benchmark": "segments", "machine": common.machine(),
        "sizes": {"customers": args.customers, "activities": args.activities, "seed": args.seed,
                  "now": now.isoformat(), "timezone": TIMEZONE},
    }
    result["git"] = git_state()
    customers_path, activities_path = data_files(args.data_dir, args.customers, args.activities, args.seed, now)
    if "generate" in steps or "import" in steps:
        result["generate"] = generate(args.data_dir, args.customers, args.activities, args.seed, now)

    name = shop_name(args.customers, args.activities, args.seed)
    if args.reuse:
        app = common.bench_app(args.database_url)
        with app.app_context():
            shop_id = session().scalar(sa.select(Shop.id).where(Shop.name == name))
        if shop_id is None:
            raise SystemExit(f"--reuse: no shop {name!r} in {DATABASE}; run once with --keep-database first")
        log(f"reusing shop {shop_id} ({name})")
    else:
        recreate_database(args.database_url)
        app = common.prepare(args.database_url, args.revision)
        with app.app_context():
            shop, _api_key = shop_service.create_shop(name, plan="pro", currency="EUR", timezone=TIMEZONE)
            shop_id = shop.id
        if "import" not in steps:
            raise SystemExit("a fresh database needs the import step (or --reuse)")
    result["postgres"] = common.postgres_version(args.database_url)

    try:
        if "import" in steps and not args.reuse:
            result["import"] = step_import(app, shop_id, customers_path, activities_path)
        if "refresh" in steps:
            result["refresh"] = step_refresh(app, shop_id, now, again=not args.quick)
        if "presets" in steps:
            log("presets: plugin against hand-written SQL…")
            result["presets"] = step_presets(app, shop_id, now, args.repeat)
        if "pages" in steps:
            log("pages…")
            result["pages"] = step_pages(app, shop_id, now, args.requests, args.page_budget)
        if "customer" in steps:
            log(f"one customer after an event, {args.events} events…")
            result["customer"] = step_customer(app, shop_id, now, args.events, args.seed)
        with psycopg.connect(common.libpq_url(args.database_url)) as connection:
            result["database_size"] = connection.execute(
                "SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    finally:
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
        if not args.keep_database:
            drop_database(args.database_url)
    result["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    result["total_s"] = round(time.perf_counter() - started, 1)
    common.emit(result, args.output)
    if args.markdown:
        args.markdown.write_text(markdown(result) + "\n")
    log(f"done in {result['total_s']:.0f} s")
    return result


if __name__ == "__main__":
    main()
