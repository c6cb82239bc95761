"""Differential property: PostgreSQL's whole-file import (``plugin/imports/bulk.py``, which
certifies cells in SQL with ``checks.py`` and sends only the rest through the Python row loader)
and the chunked import (the Python row loader for every row, as on SQLite) agree on every file.

Each generated customers file and activities file, mixing valid, unusual and invalid cells per
column, is imported both ways into two fresh shops of the same timezone. Both must succeed and
store the same rows, or both fail naming the same row, column and message; a failed import
leaves the shop as it was. PostgreSQL only (the whole-file path is PostgreSQL's).
"""
from __future__ import annotations

import csv
import io
import itertools
from contextlib import nullcontext
from datetime import datetime, timezone
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select

from plugin.db import session
from plugin.imports import ImportFailed, import_activities, import_customers, importer, open_text
from plugin.models import Activity, ActivityItem, Customer, CustomerTag, Group, Membership, MembershipEvent
from plugin.services import customers as customer_service
from plugin.services import shops

#: A fixed "now" for both imports: new customers without ``registered_at`` and activities
#: without ``occurred_at`` get it, and the two stored states must compare equal.
NOW = datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=timezone.utc)
ZONES = ("Europe/Bucharest", "America/Santiago", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC")
#: Customers each shop has before the files come: an activity may name them, a customer row updates them.
KNOWN = ("c-1", "c-2")
_shop_names = itertools.count()

CUSTOMER_COLUMNS = ["external_id", "first_name", "last_name", "email", "phone", "gender", "birthday", "city",
                    "card_number", "registered_at", "email_opt_in", "sms_opt_in", "tags"]
ACTIVITY_COLUMNS = ["external_id", "customer_external_id", "kind", "status", "occurred_at", "amount", "currency",
                    "location", "channel", "product_ids", "category_ids", "staff"]

# cells ---------------------------------------------------------------------------------------

#: Text that is ordinary, odd (spaces SQL must trim as Python does, quotes, separators, other
#: scripts) or out of bounds.
TEXT = st.one_of(
    st.sampled_from(["Ana", " Ana ", "\u00a0Ana\u2003", "O'Neil", "a,b", 'say "hi"', "line\nbreak", "Bra\u0219ov",
                     "\u0661\u0662", "x" * 32, "x" * 33, "x" * 64, "x" * 65, "x" * 128, "x" * 129, "\ufeffAna",
                     "\u200bAna", "\u3000Ana\u3000", "\x1cAna", "a\x00b", "\u0085", "TRUE", ";", "\t", "\U0001F600"]),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
)
EXTERNAL_IDS = st.sampled_from(["c-1", "c-2", "c-3", "c-4", " c-3 ", "C-3", "", "\u00a0", "c-\u0219", "x" * 128,
                                "x" * 129])


def _time_composed():
    dates = st.tuples(
        st.sampled_from(["1899", "1900", "1901", "2024", "2026", "8999", "9000", "9001", "0000", "\u0662\u0660\u0662\u0664"]),
        st.sampled_from(["03-29", "10-25", "09-06", "04-04", "04-05", "02-29", "02-30", "06-31", "01-01", "12-31",
                         "06-01", "13-01", "00-10", "6-01", "10-03", "04-02"]),
    ).map(lambda parts: "-".join(parts))
    clocks = st.sampled_from(["", "09:30", "03:30", "00:00", "00:30", "23:59", "24:00", "9:30", "09:30:00",
                              "09:30:00.5", "09:30:00.123456", "09:30:00.1234567", "09:30:00,5", "23:59:59.999999",
                              "23:59:60", "0930", "09", "02:15"])
    separators = st.sampled_from(["T", "t", " ", "  ", "_"])
    offsets = st.sampled_from(["", "", "Z", "z", "+02:00", "-00:00", "+00:00", "+15:59", "-15:59", "+16:00",
                               "+23:59", "+0530", "+05", "+05:30:30", "+05:45", " +02:00", "UTC", "+24:00"])

    def join(date, clock, separator, offset):
        return date + (separator + clock if clock else "") + offset
    return st.builds(join, dates, clocks, separators, offsets)


TIMES = st.one_of(
    _time_composed(),
    st.sampled_from(["2024-06-01T09:30", "20240601T093000+0530", "2024-W22-6", "2024-06-01T09:30:00+02:00",
                     "not a time", "yesterday", "2024-06-01T09:30:00Z ", "2024-06-01T09:30:00+02", "9000-12-31T23:59:59-01:00",
                     "1900-01-01T00:00:00+00:00", "1900-01-01T02:00", "2026-03-29T03:00", "2026-10-25T03:59:59.999999"]),
)
AMOUNTS = st.one_of(
    st.sampled_from(["0", "12", "12.5", "12.5000", "12.345", "12.3450", "12.3451", "1e2", "-0", "-1", "+1", " 12 ",
                     "12.", ".5", "1,5", "\u0661\u0662.\u0665", "\uff11\uff12", "12.5\u0660", "\U0001d7ce",
                     "99999999999", "99999999999.999", "999999999999", "00000000000012", "0.0000", "0.000000001",
                     "NaN", "Infinity", "1_000", "12.50\u00a0"]),
    st.decimals(min_value=0, max_value=10**11, places=3, allow_nan=False).map(str),
)
BOOLEANS = st.sampled_from(["true", "false", "TRUE", "False", "tRuE", "1", "0", "yes", "t", "true ", "truee",
                            "\uff54rue"])
EMAILS = st.one_of(
    st.sampled_from(["ana@example.com", "Ana.Pop@Example.COM", "ion.o'neil@sub.example.com", "user@b\u00fccher.example",
                     "\u00fcn\u00efcode@example.com", "a@b", "a@@b.co", "a b@c.co", "a@localhost", "a.@b.co",
                     ".a@b.co", "a..b@c.co", "a@-b.co", "a@b-.co", "a@b.c0m", "a@b.co1", "a@b.abcdefg",
                     '"quoted"@x.co', "a@[127.0.0.1]", "a@b.co.", "x" * 64 + "@example.com",
                     "a@" + "b" * 63 + ".co", "a@" + "b" * 64 + ".co", "a@" + ("b" * 60 + ".") * 4 + "co",
                     "a_b+c-d@x-y.example.org", "\u212aelvin@example.com", "a@example.\u212ao", "a@x.\u0131o"]),
    st.builds(lambda user, host: f"{user}@{host}", st.text("ab.-_+\u00e9", min_size=1, max_size=4),
              st.text("ab.-\u00e9", min_size=1, max_size=6)),
)
LISTS = st.one_of(
    st.sampled_from(["vip", "vip; newsletter;", ";;", ";", "a;;b", " a ; a ;b", "a;" + "t" * 64, "a;" + "t" * 65,
                     ";".join(["x"] * 100), ";".join(["x"] * 101), ";".join(f"t{n}" for n in range(101)),
                     "\u00a0;\u00a0", "x" * 129, "x" * 128]),
    st.lists(st.sampled_from(["a", "b", " c", "", "\u00e9", "x" * 65]), max_size=4).map(";".join),
)


def _cell(valid_and_odd):
    return st.one_of(st.just(""), valid_and_odd)


CUSTOMER_CELLS = {
    "external_id": EXTERNAL_IDS,
    "first_name": _cell(TEXT), "last_name": _cell(TEXT), "city": _cell(TEXT), "card_number": _cell(TEXT),
    "phone": _cell(st.one_of(st.sampled_from(["+40 721 000 111", "1" * 32, "1" * 33]), TEXT)),
    "email": _cell(EMAILS),
    "gender": _cell(st.sampled_from(["female", "male", "other", "unknown", "Female", "robot", " male"])),
    "birthday": _cell(st.one_of(st.sampled_from(["1990-02-28", "2000-02-29", "1999-02-29", "1990-2-28", "19900228",
                                                 "0001-01-01", "0000-01-01", "9999-12-31", "1990-02-28T00:00",
                                                 "31.12.1990", "\u0661\u0669\u0669\u0660-01-01"]),
                                TIMES)),
    "registered_at": _cell(TIMES),
    "email_opt_in": _cell(BOOLEANS), "sms_opt_in": _cell(BOOLEANS),
    "tags": _cell(LISTS),
}
ACTIVITY_CELLS = {
    "external_id": st.sampled_from(["a-1", "a-2", "a-3", "", "x" * 128, "x" * 129]),
    "customer_external_id": st.sampled_from(["c-1", "c-2", "c-3", "c-404", "", " c-1 ", "C-1"]),
    "kind": _cell(st.sampled_from(["order", "appointment", "Order", "visit"])),
    "status": _cell(st.sampled_from(["completed", "booked", "cancelled", "no_show", "lost", "done"])),
    "occurred_at": _cell(TIMES),
    "amount": _cell(AMOUNTS),
    "currency": _cell(st.sampled_from(["EUR", "eur", "USD", "EURO", "E"])),
    "location": _cell(TEXT),
    "channel": _cell(st.sampled_from(["online", "offline", "Online", "bike"])),
    "product_ids": _cell(LISTS), "category_ids": _cell(LISTS), "staff": _cell(LISTS),
}


@st.composite
def files(draw, cells: dict, required: list[str]):
    """The bytes of a CSV file: some columns in some order, rows of drawn cells, and the odd
    file-level feature (BOM, CRLF, blank lines, short and long rows, a broken record)."""
    optional = [name for name in cells if name not in required]
    header = required + draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))
    header = draw(st.permutations(header))
    if draw(st.integers(0, 19)) == 0:  # an unknown column (or a name SQL must not trust)
        header = [*header, draw(st.sampled_from(["nickname", "external_id ", "Email", "row_no"]))]
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        row = [draw(cells[name]) if name in cells else "x" for name in header]
        shape = draw(st.integers(0, 24))
        if shape == 0:
            row = row[:draw(st.integers(0, len(row)))]  # short: the rest empty
        elif shape == 1:
            row = [*row, draw(st.sampled_from(["", " ", "extra"]))]  # long: refused when not empty
        elif shape == 2:
            row = []  # a blank line
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
                        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    writer.writerow(header)
    for row in rows:
        if row:
            writer.writerow(row)
        else:
            out.write("\n")
    text = out.getvalue()
    ending = draw(st.integers(0, 29))
    if ending == 0:
        text += '"c-9,unterminated\n'  # not valid CSV, after the good rows
    elif ending == 1:
        text += '"c-9"x,y\n'
    data = ("\ufeff" if draw(st.booleans()) else "").encode() + text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 39)) == 0:
        data += b"c-9,Bra\xbaov\n"  # not UTF-8
    return data


# the two ways ----------------------------------------------------------------------------------

def new_shop(zone: str):
    shop, _ = shops.create_shop(f"Paths {next(_shop_names)}", currency="EUR", timezone=zone)
    for external_id in KNOWN:
        customer_service.register_customer(shop, {"external_id": external_id, "first_name": "Old", "city": "Cluj",
                                                  "tags": ["old", "vip"], "registered_at": NOW})
    session().commit()
    return shop


def stored(shop) -> tuple:
    """Everything an import writes, keyed by external ids (database ids differ between shops)."""
    session().expire_all()
    people = session().scalars(select(Customer).where(Customer.shop_id == shop.id).order_by(Customer.external_id)).all()
    owner = {person.id: person.external_id for person in people}
    tags = session().execute(select(CustomerTag.customer_id, CustomerTag.tag).where(CustomerTag.shop_id == shop.id)).all()
    acts = session().scalars(select(Activity).where(Activity.shop_id == shop.id).order_by(Activity.external_id)).all()
    items = session().execute(select(ActivityItem.activity_id, ActivityItem.item_type, ActivityItem.value)
                              .where(ActivityItem.shop_id == shop.id)).all()
    act_ids = {act.id: act.external_id for act in acts}
    groups = {group.id: group.key for group in session().scalars(select(Group).where(Group.shop_id == shop.id))}
    return (
        [(p.external_id, p.first_name, p.last_name, p.email, p.phone, p.gender, p.birthday, p.city, p.card_number,
          p.registered_at, p.email_opt_in, p.sms_opt_in, p.rfm_tier) for p in people],
        sorted((owner[customer_id], tag) for customer_id, tag in tags),
        [(a.external_id, owner[a.customer_id], a.kind, a.status, a.occurred_at, a.amount_milli, a.currency, a.location,
          a.channel) for a in acts],
        sorted((act_ids[activity_id], item_type, value) for activity_id, item_type, value in items),
        sorted((groups[m.group_id], owner[m.customer_id], m.source)
               for m in session().scalars(select(Membership).where(Membership.shop_id == shop.id))),
        sorted((groups[e.group_id], owner[e.customer_id], e.change, e.source)
               for e in session().scalars(select(MembershipEvent).where(MembershipEvent.shop_id == shop.id))),
        sorted((g.key, g.member_count) for g in session().scalars(select(Group).where(Group.shop_id == shop.id))),
    )


def run(shop, importer_function, data: bytes, *, chunked: bool):
    """Import ``data`` one way; returns what came of it, and checks a failure changed nothing."""
    before = stored(shop)
    text, _ = open_text(io.BytesIO(data))
    forced = mock.patch.object(importer, "dialect_name", lambda: "sqlite") if chunked else nullcontext()
    with forced, mock.patch.object(importer, "utcnow", lambda: NOW):
        try:
            report = importer_function(shop, text, refresh=False)
            outcome = ("imported", report.rows, report.created, report.updated, report.unchanged)
        except ImportFailed as failure:
            outcome = ("refused", failure.row, failure.column, failure.message)
        except Exception as error:  # noqa: BLE001 - reported as a disagreement, never swallowed silently
            session().rollback()
            outcome = ("crashed", type(error).__name__, str(error).splitlines()[0])
    after = stored(shop)
    if outcome[0] != "imported":
        assert after == before, f"a failed import ({'chunked' if chunked else 'whole file'}) changed the shop"
    return outcome, after


def both_ways(zone: str, customers_file: bytes, activities_file: bytes) -> None:
    results = []
    for chunked in (False, True):
        shop = new_shop(zone)
        results.append((run(shop, import_customers, customers_file, chunked=chunked),
                        run(shop, import_activities, activities_file, chunked=chunked)))
    for kind, (whole_file, chunked) in zip(("customers", "activities"), zip(*results)):
        assert whole_file[0] == chunked[0], f"{kind} file: whole file {whole_file[0]} != chunked {chunked[0]}"
        assert whole_file[0][0] != "crashed", f"{kind} file: {whole_file[0]}"
        differences = [(mine, theirs) for mine, theirs in zip(whole_file[1], chunked[1]) if mine != theirs]
        assert not differences, f"{kind} file stored differently (whole file, chunked): {differences}"


@pytest.fixture
def postgresql(app):
    if session().get_bind().dialect.name != "postgresql":
        pytest.skip("the whole-file path is PostgreSQL's")
    return app


@settings(max_examples=40, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(zone=st.sampled_from(ZONES),
       customers_file=files(CUSTOMER_CELLS, ["external_id"]),
       activities_file=files(ACTIVITY_CELLS, ["external_id", "customer_external_id"]))
def test_the_whole_file_and_the_chunked_import_agree(postgresql, zone, customers_file, activities_file):
    note(f"customers: {customers_file!r}")
    note(f"activities: {activities_file!r}")
    both_ways(zone, customers_file, activities_file)


# what the property found ------------------------------------------------------------------------

@pytest.fixture(params=["whole file", "chunked"])
def import_way(request, app):
    """Each way an import can go on this database (SQLite has only the chunked one)."""
    if request.param == "whole file" and session().get_bind().dialect.name != "postgresql":
        pytest.skip("the whole-file path is PostgreSQL's")
    forced = mock.patch.object(importer, "dialect_name", lambda: "sqlite") if request.param == "chunked" else nullcontext()
    with forced:
        yield request.param


def refusal(importer_function, shop, data: bytes) -> tuple:
    with pytest.raises(ImportFailed) as failure:
        importer_function(shop, open_text(io.BytesIO(data))[0], refresh=False)
    return failure.value.row, failure.value.column, failure.value.message


def test_an_unknown_customer_before_a_broken_record_is_the_first_bad_row(import_way):
    # The chunked path raised the reader's error without storing the rows read before it, so the
    # database never saw row 2's customer and the error named row 3.
    shop = new_shop("Europe/Bucharest")
    for broken in ('"a-9,unterminated\n', '"a-9"x,y\n'):
        data = f"external_id,customer_external_id\na-1,c-404\na-2,c-1\n{broken}".encode()
        assert refusal(import_activities, shop, data) == (
            2, "customer_external_id", "no customer 'c-404' in this shop; import the customers first")
        assert stored(shop)[2] == []


def test_an_unknown_customer_before_a_nul_character_is_the_first_bad_row(import_way):
    # The reader refuses a NUL character (reading.py); the chunked path raised that without
    # storing the rows read before it, so the unknown customer of an earlier row went unseen.
    shop = new_shop("UTC")
    data = b"external_id,customer_external_id,location\na-1,c-404,\na-2,c-1,\x00\n"
    assert refusal(import_activities, shop, data)[:2] == (2, "customer_external_id")
    assert refusal(import_activities, shop, data.replace(b"c-404", b"c-1"))[:2] == (3, "location")
    assert stored(shop)[2] == []


def test_an_offset_beyond_15_hours_is_stored_in_utc(import_way):
    # Python reads offsets up to ±23:59, PostgreSQL up to ±15:59: the chunked path on PostgreSQL
    # sent the aware time to COPY as written and crashed (InvalidTimeZoneDisplacementValue).
    shop = new_shop("UTC")
    import_customers(shop, open_text(io.BytesIO(b"external_id,registered_at\nc-3,2024-06-01T09:30:00+23:59\n"))[0])
    import_activities(shop, open_text(io.BytesIO(b"external_id,customer_external_id,occurred_at\n"
                                                 b"a-1,c-3,2024-06-01T09:30:00-20:00\n"))[0], refresh=False)
    customers, _, activities, *_ = stored(shop)
    assert customers[-1][0] == "c-3" and customers[-1][9] == datetime(2024, 5, 31, 9, 31, tzinfo=timezone.utc)
    assert activities[0][4] == datetime(2024, 6, 2, 5, 30, tzinfo=timezone.utc)
