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

# cells ---------------------------------------------------------------------------------------
# Each column has cells meant to be valid (in every spelling the Python loader reads, which SQL
# must certify only when it converts them to the same value) and cells meant to be refused.

def _pool(*texts: str, also=None):
    pool = st.sampled_from(texts)
    return st.one_of(pool, also) if also is not None else pool


def _times(years, days, clocks, separators, offsets):
    def join(year, day, clock, separator, offset):
        return f"{year}-{day}" + (separator + clock if clock else "") + offset
    return st.builds(join, st.sampled_from(years), st.sampled_from(days), st.sampled_from(clocks),
                     st.sampled_from(separators), st.sampled_from(offsets))


#: Around the clock changes of the zones below (2026, and far in the future) and the year bounds.
DAYS = ("03-29", "03-30", "10-25", "10-26", "09-06", "09-05", "04-04", "04-05", "10-04", "01-01", "12-31", "06-01",
        "02-28", "02-29")
TIME_VALID = st.one_of(
    _times(("1901", "1950", "2024", "2026", "2038", "2100", "8999", "9000", "1900"), DAYS,
           ("", "09:30", "03:30", "03:00", "02:30", "04:00", "00:00", "00:30", "23:59", "09:30:00", "09:30:00.5",
            "09:30:00.123456", "23:59:59.999999", "02:15", "1:59"),
           ("T", "T", "t", " "),
           ("", "", "", "Z", "z", "+02:00", "-00:00", "+15:59", "-15:59", "+16:00", "+23:59", "+0530", "+05:45",
            "+05", "+01:44:24")),
    _pool("2024-06-01T09:30", "20240601T093000+0530", "2024-W22-6", "2024-06-01T09:30:00+02:00",
          "2024-06-01T09:30:00Z ", "1900-01-01T02:00:00+00:00", "9000-12-31T23:59:59+00:00"),
)
TIME_INVALID = st.one_of(
    _times(("1899", "9001", "0000", "\u0662\u0660\u0662\u0664", "2024"), ("02-30", "06-31", "13-01", "00-10", "6-01"),
           ("09:30", "24:00", "23:59:60", "0930", "09:30:00.1234567"), ("T", "_", "  "), ("", "Z", "+24:00", " +02:00")),
    _pool("not a time", "yesterday", "9000-12-31T23:59:59-01:00", "1900-01-01T00:00", "1900-01-01T01:00+02:00",
          "2024-06-01T09:30UTC", "2024-06-01T09:30:00,5"),
)
TEXT_VALID = _pool("Ana", " Ana ", "\u00a0Ana\u2003", "O'Neil", "a,b", 'say "hi"', "line\nbreak", "line\r\nbreak",
                   "Bra\u0219ov", "\u0661\u0662", "\ufeffAna", "\u200bAna", "\u3000Ana\u3000", "\x1cAna\x1f",
                   "\u0085Ana", "TRUE", ";", "\U0001F600", "x" * 32,
                   also=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"),
                                max_size=6))
TEXT_INVALID = _pool("x" * 129, "a\x00b")
AMOUNT_VALID = _pool("0", "12", "12.5", "12.5000", "12.345", "12.3450", "0012.500", " 12 ", "\u0661\u0662.\u0665",
                     "\uff11\uff12", "12.5\u0660", "\U0001d7ce", "99999999999", "99999999999.999", "0.0000",
                     "7.0000000", "12.50\u00a0",
                     also=st.decimals(min_value=0, max_value=10**11 - 1, places=3, allow_nan=False).map(str))
AMOUNT_INVALID = _pool("12.3451", "12.34501", "1e2", "-0", "-1", "+1", "12.", ".5", "1,5", "999999999999", "NaN",
                       "Infinity", "1_000", "0x10")
EMAIL_VALID = _pool("ana@example.com", "Ana.Pop@Example.COM", "ion.o'neil@sub.example.com", "user@b\u00fccher.example",
                    "\u00fcn\u00efcode@example.com", "a@localhost", "a@b.co1", "a@[127.0.0.1]", '"quoted"@x.co',
                    "x" * 64 + "@example.com", "a@" + "b" * 63 + ".co", "a_b+c-d@x-y.example.org",
                    "\u212aelvin@example.com", "a@example.\u212ao", "a@x.\u0131o", "A@B.CO", "a@b.abcdef",
                    "a@b.abcdefg")
EMAIL_INVALID = _pool("a@b", "a@@b.co", "a b@c.co", "a.@b.co", ".a@b.co", "a..b@c.co", "a@-b.co", "a@b-.co",
                      "a@b.co.", "a@" + "b" * 64 + ".co", "a@" + ("b" * 60 + ".") * 4 + "co",
                      also=st.builds(lambda user, host: f"{user}@{host}", st.text("ab.-_+\u00e9", min_size=1, max_size=4),
                                     st.text("ab.-\u00e9", min_size=1, max_size=6)))
TAGS_VALID = _pool("vip", "vip; newsletter;", ";;", ";", "a;;b", " a ; a ;b", "a;" + "t" * 64,
                   ";".join(["x"] * 100), ";".join(f"t{n}" for n in range(100)), "\u00a0;\u00a0",
                   also=st.lists(st.sampled_from(["a", "b", " c", "", "\u00e9", "A"]), max_size=4).map(";".join))
TAGS_INVALID = _pool("a;" + "t" * 65, ";".join(["x"] * 101), ";".join(f"t{n}" for n in range(101)), "x" * 129)
ITEMS_VALID = st.one_of(TAGS_VALID, _pool("t" * 128, "p1;" + "t" * 100))
ITEMS_INVALID = _pool("a;" + "t" * 129, ";".join(["x"] * 101) + ";" + "y" * 129)

#: column: (valid cells, invalid cells)
CUSTOMER_CELLS = {
    "external_id": (_pool("c-1", "c-2", "c-3", "c-4", " c-3 ", "C-3", "c-\u0219", "x" * 128),
                    _pool("", "\u00a0", "x" * 129)),
    "first_name": (TEXT_VALID, TEXT_INVALID), "last_name": (TEXT_VALID, TEXT_INVALID),
    "city": (TEXT_VALID, TEXT_INVALID), "card_number": (TEXT_VALID, _pool("x" * 65, "a\x00b")),
    "phone": (_pool("+40 721 000 111", "1" * 32, "\u0661"), _pool("1" * 33)),
    "email": (EMAIL_VALID, EMAIL_INVALID),
    "gender": (_pool("female", "male", "other", "unknown", " male", "Female", "MALE"), _pool("robot", "f", "\u0130")),
    "birthday": (_pool("1990-02-28", "2000-02-29", "0001-01-01", "9999-12-31", "19900228", "2024-W22-6", "1990-02-28 "),
                 _pool("1999-02-29", "1990-2-28", "0000-01-01", "1990-02-28T00:00", "31.12.1990",
                       "\u0661\u0669\u0669\u0660-01-01", "2024-06-31")),
    "registered_at": (TIME_VALID, TIME_INVALID),
    "email_opt_in": (_pool("true", "false", "TRUE", "False", "tRuE"), _pool("1", "0", "yes", "t", "truee", "\uff54rue")),
    "sms_opt_in": (_pool("true", "false", "FALSE"), _pool("no", "on")),
    "tags": (TAGS_VALID, TAGS_INVALID),
}
ACTIVITY_CELLS = {
    "external_id": (_pool("a-1", "a-2", "a-3", " a-1", "x" * 128), _pool("", "x" * 129)),
    "customer_external_id": (_pool("c-1", "c-2", "c-3", " c-1 ", "c-4"), _pool("c-404", "", "C-1")),
    "kind": (_pool("order", "appointment", "Order", "APPOINTMENT"), _pool("visit", "\u0130order")),
    # (a choice is read in any case: the Kelvin sign is a K to Python; a dotted I is no i)
    "status": (_pool("completed", "booked", "cancelled", "no_show", "No_Show", "boo\u212aed"), _pool("lost", "done")),
    "occurred_at": (TIME_VALID, TIME_INVALID),
    "amount": (AMOUNT_VALID, AMOUNT_INVALID),
    "currency": (_pool("EUR", " EUR ", "eur", "Eur"), _pool("USD", "EURO", "E", "\u0435ur")),
    "location": (TEXT_VALID, TEXT_INVALID),
    "channel": (_pool("online", "offline", "Online"), _pool("bike", "onl\u0130ne")),
    "product_ids": (ITEMS_VALID, ITEMS_INVALID), "category_ids": (ITEMS_VALID, ITEMS_INVALID),
    "staff": (ITEMS_VALID, ITEMS_INVALID),
}


@st.composite
def files(draw, cells: dict, required: list[str]):
    """The bytes of a CSV file: some columns in some order, rows of drawn cells (in half the files
    all meant to be valid, in the others about one in eight meant to be refused), and the odd
    file-level feature (BOM, CRLF, blank lines, short and long rows, a broken record)."""
    optional = [name for name in cells if name not in required]
    header = required + draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))
    header = draw(st.permutations(header))
    # (Hypothesis draws small numbers first and most: the rare features sit at the top.)
    if draw(st.integers(0, 29)) == 29:  # an unknown column (or a name SQL must not trust)
        header = [*header, draw(st.sampled_from(["nickname", "external_id ", "Email", "row_no"]))]
    with_bad_cells = draw(st.booleans())

    def cell(name: str) -> str:
        if name not in cells:
            return "x"
        valid, invalid = cells[name]
        pick = draw(st.integers(0, 7))
        if pick == 7 and with_bad_cells:
            return draw(invalid)
        if pick >= 5 and name not in required:
            return draw(st.sampled_from(["", "", " "]))
        return draw(valid)

    rows = []
    for _ in range(draw(st.integers(1, 5))):
        row = [cell(name) for name in header]
        shape = draw(st.integers(0, 24))
        if shape == 24:
            row = row[:draw(st.integers(0, len(row)))]  # short: the rest empty
        elif shape == 23:
            row = [*row, draw(st.sampled_from(["", " ", "extra"]))]  # long: refused when not empty
        elif shape == 22:
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
    if ending == 29:
        text += '"c-9,unterminated\n'  # not valid CSV, after the good rows
    elif ending == 28:
        text += '"c-9"x,y\n'
    data = ("\ufeff" if draw(st.booleans()) else "").encode() + text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 39)) == 39:
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


def both_ways(zone: str, customers_file: bytes, activities_file: bytes) -> list[tuple]:
    """Import both files each way into a new shop; asserts they agree, returns the outcomes."""
    results = []
    for chunked in (False, True):
        shop = new_shop(zone)
        results.append([])
        for importer_function, data in ((import_customers, customers_file), (import_activities, activities_file)):
            first = run(shop, importer_function, data, chunked=chunked)
            results[-1].append(first)
            if first[0][0] == "imported":  # and again: nothing changes (docs/imports.md)
                rows, created, updated, unchanged = first[0][1:]
                assert run(shop, importer_function, data, chunked=chunked) == (
                    ("imported", rows, 0, 0, created + updated + unchanged), first[1]), "re-importing changed something"
    for kind, (whole_file, chunked) in zip(("customers", "activities"), zip(*results)):
        assert whole_file[0] == chunked[0], f"{kind} file: whole file {whole_file[0]} != chunked {chunked[0]}"
        assert whole_file[0][0] != "crashed", f"{kind} file: {whole_file[0]}"
        differences = [(mine, theirs) for mine, theirs in zip(whole_file[1], chunked[1]) if mine != theirs]
        assert not differences, f"{kind} file stored differently (whole file, chunked): {differences}"
    return [outcome for outcome, _ in results[0]]  # the whole file's (the same as the chunked)


@pytest.fixture
def postgresql(app):
    if session().get_bind().dialect.name != "postgresql":
        pytest.skip("the whole-file path is PostgreSQL's")
    return app


@settings(max_examples=30, deadline=None, print_blob=True,
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
