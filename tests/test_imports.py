"""CSV imports (SPEC §5): streamed, all or nothing, the first bad row and column named, idempotent."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select, text

from plugin.db import session
from plugin.imports import ImportFailed, checks, import_activities, import_customers, importer
from plugin.imports.rows import RowLoader
from plugin.models import Activity, ActivityItem, Customer, CustomerTag, Group, Membership, MembershipEvent
from plugin.models._columns import utcnow
from plugin.schemas import ActivityInSchema, CustomerInSchema

from .conftest import group_keys

BUCHAREST = "Europe/Bucharest"


def csv_text(header: list[str], *rows: list[str]) -> io.StringIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    text.seek(0)
    return text


def count(model, *where) -> int:
    return session().scalar(select(func.count()).select_from(model).where(*where))


def customer(shop, external_id: str) -> Customer:
    session().expire_all()
    return session().scalar(select(Customer).where(Customer.shop_id == shop.id, Customer.external_id == external_id))


def standard(shop) -> Group:
    session().expire_all()
    return session().scalar(select(Group).where(Group.shop_id == shop.id, Group.key == "standard"))


@pytest.fixture
def salon(make_shop):
    return make_shop("Salon", timezone=BUCHAREST).shop


@pytest.fixture
def small_chunks(monkeypatch):
    """Two rows a chunk, so a file of a few rows crosses chunk boundaries (and commits nothing early)."""
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)


CUSTOMER_HEADER = ["external_id", "first_name", "last_name", "email", "phone", "gender", "birthday", "city",
                   "card_number", "registered_at", "email_opt_in", "sms_opt_in", "tags"]


def test_a_good_customers_file_is_imported_with_every_cell_converted(salon):
    # given
    text = csv_text(
        CUSTOMER_HEADER,
        ["c-1", "Ana", "Pop", "ana@example.com", "+40700000001", "female", "1990-02-28", "Cluj", "A1",
         "2024-03-01T10:00:00", "true", "false", "vip; newsletter;"],
        ["c-2", "Bob", "", "", "", "", "", "", "", "2024-03-01T10:00:00+00:00", "", "", ""],
    )
    # when
    report = import_customers(salon, text)
    # then
    assert (report.rows, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)
    ana = customer(salon, "c-1")
    assert (ana.first_name, ana.last_name, ana.email, ana.gender, ana.city) == ("Ana", "Pop", "ana@example.com", "female", "Cluj")
    assert ana.birthday == date(1990, 2, 28)
    assert ana.registered_at == datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)  # 10:00 in Bucharest (UTC+2)
    assert (ana.email_opt_in, ana.sms_opt_in) == (True, False)
    assert ana.tags == ["newsletter", "vip"]
    bob = customer(salon, "c-2")
    assert (bob.last_name, bob.gender, bob.birthday, bob.tags, bob.email_opt_in) == ("", "unknown", None, [], False)
    assert bob.registered_at == datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc)


def test_new_customers_join_the_default_group_from_the_import_with_history(salon):
    import_customers(salon, csv_text(["external_id"], ["c-1"], ["c-2"], ["c-3"]), actor="cli")
    assert standard(salon).member_count == 3
    assert {m.source for m in session().scalars(select(Membership))} == {"import"}
    events = session().scalars(select(MembershipEvent)).all()
    assert len(events) == 3 and {(e.change, e.source, e.actor) for e in events} == {("entered", "import", "cli")}
    assert group_keys(salon, customer(salon, "c-1")) == ["standard"]


def test_a_bad_row_in_the_middle_leaves_nothing_imported(salon, small_chunks, make_customer):
    # given: one customer already there, and a file whose 5th row (after two written chunks) is bad
    make_customer(salon, "old", first_name="Old")
    rows = [[f"c-{n}", "x@example.com", "true"] for n in range(6)]
    rows[3][1] = "not-an-email"
    # when
    with pytest.raises(ImportFailed) as failure:
        import_customers(salon, csv_text(["external_id", "email", "sms_opt_in"], *rows))
    # then: the header is row 1, so the fourth data row is row 5
    assert str(failure.value.description) == "row 5, column email: Not a valid email address."
    assert (failure.value.row, failure.value.column) == (5, "email")
    assert count(Customer) == 1 and customer(salon, "old").first_name == "Old"
    assert count(Membership) == 1 and count(MembershipEvent) == 1
    assert standard(salon).member_count == 1


def test_reimporting_the_same_file_changes_nothing(salon, small_chunks):
    text = csv_text(CUSTOMER_HEADER, *[
        [f"c-{n}", "Ana", "Pop", f"a{n}@example.com", "", "female", "", "Cluj", "", "2024-01-01T00:00", "true", "", "vip"]
        for n in range(5)
    ])
    import_customers(salon, text)
    before = {c.external_id: (c.updated_at, c.first_name, c.tags) for c in session().scalars(select(Customer))}
    events = count(MembershipEvent)
    # when
    text.seek(0)
    report = import_customers(salon, text)
    # then
    assert (report.rows, report.created, report.updated, report.unchanged) == (5, 0, 0, 5)
    session().expire_all()
    after = {c.external_id: (c.updated_at, c.first_name, c.tags) for c in session().scalars(select(Customer))}
    assert after == before
    assert count(MembershipEvent) == events and standard(salon).member_count == 5
    assert count(CustomerTag) == 5


def test_empty_cells_keep_what_is_stored_and_given_tags_replace_the_old(salon, make_customer):
    make_customer(salon, "c-1", first_name="Ana", city="Cluj", tags=["vip", "old"])
    report = import_customers(salon, csv_text(["external_id", "first_name", "city", "tags"], ["c-1", "", "Iasi", "vip;new"]))
    assert (report.created, report.updated) == (0, 1)
    ana = customer(salon, "c-1")
    assert (ana.first_name, ana.city, ana.tags) == ("Ana", "Iasi", ["new", "vip"])
    assert count(MembershipEvent) == 1  # an update never joins the default group again


@pytest.mark.parametrize("header", [["external_id", "tags"], ["external_id", "city", "tags"]])
@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "whole-file"])
def test_a_row_changing_only_the_tags_updates_the_customer(salon, make_customer, monkeypatch, chunked, header):
    # given: customers with tags, and a file that changes only some customers' tags
    if not chunked and session().get_bind().dialect.name != "postgresql":
        pytest.skip("the whole-file path is PostgreSQL's")
    if chunked:
        monkeypatch.setattr(importer, "dialect_name", lambda: "sqlite")
    later = utcnow() + timedelta(hours=1)
    monkeypatch.setattr(importer, "utcnow", lambda: later)
    for external_id in ("c-1", "c-2", "c-3", "c-4", "c-5"):
        make_customer(salon, external_id, city="Cluj", tags=["vip", "old"])
    before = {external_id: customer(salon, external_id).updated_at for external_id in ("c-1", "c-2", "c-3", "c-4", "c-5")}
    cells = {"c-1": "vip;new", "c-2": "old;vip", "c-3": "vip", "c-4": "", "c-5": "vip;old;extra"}
    rows = [[external_id, *([""] if "city" in header else []), tags] for external_id, tags in cells.items()]
    # when
    report = import_customers(salon, csv_text(header, *rows))
    # then: c-1, c-3 and c-5 got other tags; c-2 the same ones; c-4's empty cell keeps them
    assert (report.rows, report.created, report.updated, report.unchanged) == (5, 0, 3, 2)
    stored = {external_id: customer(salon, external_id) for external_id in cells}
    assert {external_id: c.tags for external_id, c in stored.items()} == {
        "c-1": ["new", "vip"], "c-2": ["old", "vip"], "c-3": ["vip"], "c-4": ["old", "vip"], "c-5": ["extra", "old", "vip"],
    }
    assert {external_id for external_id, c in stored.items() if c.updated_at == later} == {"c-1", "c-3", "c-5"}
    assert all(stored[external_id].updated_at == before[external_id] for external_id in ("c-2", "c-4"))


def test_a_customer_named_twice_gets_both_rows_in_order(salon):
    report = import_customers(salon, csv_text(
        ["external_id", "first_name", "city"], ["c-1", "Ana", "Cluj"], ["c-1", "", "Iasi"],
    ))
    assert (report.rows, report.created) == (2, 1)
    ana = customer(salon, "c-1")
    assert (ana.first_name, ana.city) == ("Ana", "Iasi")


@pytest.mark.parametrize("header, row, column, message", [
    (["external_id", "nickname"], ["c-1", "x"], "nickname", "unknown column"),
    (["first_name"], ["Ana"], "external_id", "required column missing"),
    (["external_id", "city", "city"], ["c-1", "a", "b"], "city", "the column appears twice"),
])
def test_a_bad_header_is_refused_as_row_1(salon, header, row, column, message):
    with pytest.raises(ImportFailed) as failure:
        import_customers(salon, csv_text(header, row))
    assert failure.value.row == 1 and failure.value.column == column
    assert message in failure.value.description
    assert count(Customer) == 0


@pytest.mark.parametrize("cells, column, message", [
    (["", "true"], "external_id", "Missing data for required field."),
    (["c-1", "yes"], "email_opt_in", "must be true or false"),
    (["c-1", "true", "1990-02-30"], "birthday", "Not a valid date."),
    (["c-1", "true", "", "robot"], "gender", "Must be one of"),
    (["c-1", "true", "", "", "x", "extra"], None, "6 cells, but the header names 5 columns"),
])
def test_a_bad_cell_is_named_by_row_and_column(salon, cells, column, message):
    text = csv_text(["external_id", "email_opt_in", "birthday", "gender", "city"], ["c-0"], cells)
    with pytest.raises(ImportFailed) as failure:
        import_customers(salon, text)
    assert failure.value.row == 3 and failure.value.column == column
    assert message in failure.value.description
    assert count(Customer) == 0


def test_a_file_that_is_not_csv_or_not_utf8_names_the_row(salon):
    with pytest.raises(ImportFailed, match="row 3: not valid CSV"):
        import_customers(salon, io.StringIO('external_id,city\nc-1,Cluj\nc-2,"Iasi\n'))
    with pytest.raises(ImportFailed, match="row 1: the file is empty"):
        import_customers(salon, io.StringIO(""))
    latin1 = io.TextIOWrapper(io.BytesIO("external_id,city\nc-1,Bra\u015fov\n".encode("cp1250")), encoding="utf-8")
    with pytest.raises(ImportFailed, match="not UTF-8"):
        import_customers(salon, latin1)
    assert count(Customer) == 0


def test_progress_is_reported_in_rows(salon, small_chunks):
    seen: list[int] = []
    import_customers(salon, csv_text(["external_id"], *[[f"c-{n}"] for n in range(5)]), seen.append)
    # after each chunk handed over, the rows stored so far (PostgreSQL stores one chunk while the
    # next is read, so it may lag a chunk behind); at the end, all of them
    assert len(seen) == 3 and seen == sorted(seen) and seen[-1] == 5
    if session().get_bind().dialect.name == "sqlite":
        assert seen == [2, 4, 5]


# activities ---------------------------------------------------------------------------------

ACTIVITY_HEADER = ["external_id", "customer_external_id", "kind", "status", "occurred_at", "amount", "currency",
                   "location", "channel", "product_ids", "category_ids", "staff"]


@pytest.fixture
def customers(salon, make_customer):
    for external_id in ("c-1", "c-2", "c-3"):
        make_customer(salon, external_id)
    return salon


def stored_activity(shop, external_id: str) -> Activity:
    session().expire_all()
    return session().scalar(select(Activity).where(Activity.shop_id == shop.id, Activity.external_id == external_id))


def test_a_good_activities_file_is_imported(customers):
    report = import_activities(customers, csv_text(
        ACTIVITY_HEADER,
        ["a-1", "c-1", "appointment", "completed", "2024-06-01T09:30", "120.5", "EUR", "Centre", "online",
         "p1;p2", "hair", "ioana"],
        ["a-2", "c-2", "", "", "2024-06-02T10:00:00+00:00", "", "", "", "", "", "", ""],
    ))
    assert (report.rows, report.created) == (2, 2)
    first = stored_activity(customers, "a-1")
    assert (first.kind, first.status, first.amount_milli, first.currency, first.location, first.channel) == (
        "appointment", "completed", 120500, "EUR", "Centre", "online")
    assert first.occurred_at == datetime(2024, 6, 1, 6, 30, tzinfo=timezone.utc)  # 09:30 in Bucharest (UTC+3, summer)
    assert (first.item_values("product"), first.item_values("category"), first.item_values("staff")) == (
        ["p1", "p2"], ["hair"], ["ioana"])
    second = stored_activity(customers, "a-2")
    assert (second.kind, second.status, second.amount_milli, second.channel, second.items) == (
        "order", "completed", 0, "offline", [])


@pytest.mark.parametrize("cell, milli", [("12.5000", 12500), ("7.0000000", 7000), ("0.1250", 125)])
def test_zeros_past_the_thousandth_are_dropped_from_an_amount(customers, cell, milli):
    import_activities(customers, csv_text(["external_id", "customer_external_id", "amount"], ["a-1", "c-1", cell]))
    assert stored_activity(customers, "a-1").amount_milli == milli


@pytest.mark.parametrize("cell", ["2024-06-01t09:30:00z", "2024-06-01T09:30:00z", "2024-06-01t12:30:00+03:00"])
def test_an_iso_time_may_be_written_in_lowercase(customers, cell):
    import_activities(customers, csv_text(["external_id", "customer_external_id", "occurred_at"], ["a-1", "c-1", cell]))
    assert stored_activity(customers, "a-1").occurred_at == datetime(2024, 6, 1, 9, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("cell, instant", [
    ("2025-03-30T03:30", datetime(2025, 3, 30, 1, 30, tzinfo=timezone.utc)),   # skipped: read at +02:00
    ("2025-10-26T03:30", datetime(2025, 10, 26, 0, 30, tzinfo=timezone.utc)),  # repeated: the first, +03:00
    ("2025-10-26T04:30", datetime(2025, 10, 26, 2, 30, tzinfo=timezone.utc)),  # after the change: +02:00
])
def test_a_local_time_at_a_clock_change_takes_the_offset_before_it(customers, cell, instant):
    # docs/segments.md "Where the SPEC is silent": Bucharest moved 03:00 → 04:00 on 30 March 2025
    # and 04:00 → 03:00 on 26 October 2025; a time without offset the clock skips or repeats is
    # read with the offset in force before the change (fold 0).
    import_activities(customers, csv_text(["external_id", "customer_external_id", "occurred_at"], ["a-1", "c-1", cell]),
                      refresh=False)
    assert stored_activity(customers, "a-1").occurred_at == instant


def test_an_activity_import_refreshes_the_groups_once(customers):
    # given: one visit yesterday makes c-1 a first-visit follow-up
    yesterday = (utcnow() - timedelta(days=1)).isoformat()
    # when
    report = import_activities(customers, csv_text(["external_id", "customer_external_id", "occurred_at"],
                                                   ["a-1", "c-1", yesterday]))
    # then
    assert {change.key: change.added for change in report.group_changes}["first-visit-follow-ups"] == 1
    assert "first-visit-follow-ups" in group_keys(customers, customer(customers, "c-1"))
    assert customer(customers, "c-1").rfm_tier != "prospect"


def test_without_refresh_the_groups_wait_for_the_next_one(customers):
    yesterday = (utcnow() - timedelta(days=1)).isoformat()
    report = import_activities(customers, csv_text(["external_id", "customer_external_id", "occurred_at"],
                                                   ["a-1", "c-1", yesterday]), refresh=False)
    assert report.group_changes == []
    assert group_keys(customers, customer(customers, "c-1")) == ["standard"]


def test_an_activity_for_an_unknown_customer_names_its_row_and_stores_nothing(customers, small_chunks):
    rows = [[f"a-{n}", "c-1", "2024-06-01T10:00"] for n in range(6)]
    rows[4][1] = "c-404"
    with pytest.raises(ImportFailed) as failure:
        import_activities(customers, csv_text(["external_id", "customer_external_id", "occurred_at"], *rows))
    assert (failure.value.row, failure.value.column) == (6, "customer_external_id")
    assert "no customer 'c-404'" in failure.value.description
    assert count(Activity) == 0 and count(ActivityItem) == 0


def test_the_first_bad_row_wins_even_when_only_the_database_can_see_it(customers):
    # row 2's customer is unknown (found in SQL); row 3's time is bad (found in Python first)
    with pytest.raises(ImportFailed) as failure:
        import_activities(customers, csv_text(["external_id", "customer_external_id", "occurred_at"],
                                              ["a-1", "c-404", "2024-06-01T10:00"], ["a-2", "c-1", "yesterday"]))
    assert failure.value.row == 2 and failure.value.column == "customer_external_id"


def test_a_database_error_in_an_earlier_chunk_wins_over_a_later_bad_cell(customers, small_chunks):
    # on PostgreSQL chunk 1 is being stored while chunk 3 is read: its error must still come first
    rows = [[f"a-{n}", "c-1", "2024-06-01T10:00"] for n in range(6)]
    rows[0][1] = "c-404"
    rows[4][2] = "soon"
    with pytest.raises(ImportFailed) as failure:
        import_activities(customers, csv_text(["external_id", "customer_external_id", "occurred_at"], *rows))
    assert (failure.value.row, failure.value.column) == (2, "customer_external_id")
    assert count(Activity) == 0


@pytest.mark.parametrize("cells, column, message", [
    (["a-1", "c-1", "2024-06-31T10:00", "1"], "occurred_at", "Not a valid datetime."),
    (["a-1", "c-1", "2024-06-01T10:00", "1.2345"], "amount", "at most 3 decimals"),
    (["a-1", "c-1", "2024-06-01T10:00", "1.23450"], "amount", "at most 3 decimals"),
    (["a-1", "c-1", "2024-06-01T10:00", "1.000500"], "amount", "at most 3 decimals"),
    (["a-1", "c-1", "2024-06-01T10:00", "1", "USD"], "currency", "this shop counts in EUR, not USD"),
    (["a-1", "c-1", "2024-06-01T10:00", "1", "", "visit"], "kind", "Must be one of"),
])
def test_a_bad_activity_cell_is_named(customers, cells, column, message):
    header = ["external_id", "customer_external_id", "occurred_at", "amount", "currency", "kind"]
    with pytest.raises(ImportFailed) as failure:
        import_activities(customers, csv_text(header, cells))
    assert (failure.value.row, failure.value.column) == (2, column)
    assert message in failure.value.description


def test_an_activities_file_needs_its_required_columns(customers):
    for header in (["external_id", "occurred_at"], ["customer_external_id", "occurred_at"]):
        with pytest.raises(ImportFailed, match="row 1, column .*: required column missing"):
            import_activities(customers, csv_text(header, ["x", "y"]))


def test_only_the_ids_are_required_and_a_missing_time_is_the_imports(customers):
    # SPEC §5: only external_id and customer_external_id are required
    before = datetime.now(timezone.utc).replace(microsecond=0)
    import_activities(customers, csv_text(["external_id", "customer_external_id"], ["a-1", "c-1"]))
    import_activities(customers, csv_text(["external_id", "customer_external_id", "occurred_at"], ["a-2", "c-1", ""]))
    times = list(session().scalars(select(Activity.occurred_at).order_by(Activity.external_id)))
    assert len(times) == 2 and all(before <= moment <= datetime.now(timezone.utc) for moment in times)
    # and importing it again keeps the time it got: nothing changes
    again = import_activities(customers, csv_text(["external_id", "customer_external_id"], ["a-1", "c-1"]))
    assert (again.updated, again.unchanged) == (0, 1)
    session().expire_all()
    assert list(session().scalars(select(Activity.occurred_at).order_by(Activity.external_id))) == times


def test_reimporting_activities_changes_nothing_and_a_changed_row_replaces_the_activity(customers, small_chunks):
    rows = [[f"a-{n}", f"c-{n % 3 + 1}", "order", "booked", f"2030-01-0{n + 1}T10:00", "10", "p1;p2"] for n in range(5)]
    header = ["external_id", "customer_external_id", "kind", "status", "occurred_at", "amount", "product_ids"]
    import_activities(customers, csv_text(header, *rows), refresh=False)
    stamps = dict(session().execute(select(Activity.external_id, Activity.updated_at)).all())
    items = count(ActivityItem)
    # when: the same file again
    report = import_activities(customers, csv_text(header, *rows), refresh=False)
    # then
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    session().expire_all()
    assert dict(session().execute(select(Activity.external_id, Activity.updated_at)).all()) == stamps
    assert count(ActivityItem) == items == 10
    # when: one activity is completed, moved to another customer, and loses a product
    rows[2][1:] = ["c-2", "order", "completed", "2030-01-03T10:00", "12.5", "p2"]
    report = import_activities(customers, csv_text(header, *rows), refresh=False)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    changed = stored_activity(customers, "a-2")
    assert (changed.status, changed.amount_milli, changed.customer_id, changed.item_values("product")) == (
        "completed", 12500, customer(customers, "c-2").id, ["p2"])
    assert count(ActivityItem) == 9


def test_an_activity_named_twice_keeps_its_last_row(customers, small_chunks):
    header = ["external_id", "customer_external_id", "status", "occurred_at", "product_ids"]
    report = import_activities(customers, csv_text(
        header, ["a-1", "c-1", "booked", "2030-01-01T10:00", "p1"], ["a-1", "c-1", "cancelled", "2030-01-01T10:00", "p2"],
        ["a-2", "c-1", "booked", "2030-01-01T10:00", ""], ["a-1", "c-3", "completed", "2020-01-01T10:00", "p3"],
    ), refresh=False)
    assert report.rows == 4 and count(Activity) == 2
    last = stored_activity(customers, "a-1")
    assert (last.status, last.customer_id, last.item_values("product")) == ("completed", customer(customers, "c-3").id, ["p3"])


# the schemas stay the one definition of a valid row ---------------------------------------------

GOOD_AND_BAD = {
    "customers": (CustomerInSchema, CUSTOMER_HEADER, [
        ["c-1", "Ana", "Pop", "ana@example.com", "+4070", "female", "1990-02-28", "Cluj", "A1", "2024-03-01T10:00", "true", "false", "vip;x"],
        ["c-2", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["c-3", "A" * 129, "", "", "", "", "", "", "", "", "", "", ""],
        ["c-4", "", "", "ana@", "", "", "", "", "", "", "", "", ""],
        ["c-5", "", "", "", "1" * 33, "robot", "", "", "", "", "", "", ""],
        ["c-6", "", "", "", "", "", "31.12.1990", "", "", "", "", "", ""],
        ["c-7", "", "", "", "", "", "", "", "", "not a time", "", "", ""],
        ["c-8", "", "", "", "", "", "", "", "", "", "", "", "a;" + "t" * 65],
        ["", "", "", "", "", "", "", "", "", "", "", "", ""],
    ]),
    "activities": (ActivityInSchema, ACTIVITY_HEADER, [
        ["a-1", "c-1", "appointment", "no_show", "2024-06-01T09:30", "12.345", "EUR", "Centre", "online", "p1;p2", "", "s"],
        ["a-2", "c-1", "", "", "2024-06-01T09:30+05:00", "", "", "", "", "", "", ""],
        ["a-3", "c-1", "order", "lost", "2024-06-01", "1", "", "", "", "", "", ""],
        ["a-4", "c-1", "", "", "2024-06-01T09:30", "-1", "", "", "", "", "", ""],
        ["a-5", "c-1", "", "", "2024-06-01T09:30", "1", "EURO", "", "", "", "", ""],
        ["a-6", "c-1", "", "", "2024-06-01T09:30", "1", "", "", "bike", "", "", ""],
        ["a-7", "", "", "", "2024-06-01T09:30", "1", "", "", "", "", "", ""],
    ]),
}


@pytest.mark.parametrize("kind", GOOD_AND_BAD)
@pytest.mark.parametrize("whole_rows", [False, True])
def test_the_fast_row_loader_agrees_with_schema_load(kind, whole_rows):
    from zoneinfo import ZoneInfo

    schema_class, header, rows = GOOD_AND_BAD[kind]
    loader = RowLoader(schema_class(), header, ZoneInfo(BUCHAREST))
    loader.whole_rows = whole_rows
    for _ in range(2):  # the second pass answers from the loader's remembered cells
        for number, cells in enumerate(rows, start=2):
            try:
                expected = schema_class().load(loader.converted(number, cells))
            except ValidationError as error:  # the first bad column, in the file's order
                column = next(name for name in header if name in error.messages)
                expected = (column, first_message(error.messages[column]))
            try:
                got = loader.load(number, cells)
            except ImportFailed as failure:
                got = (failure.column, failure.message)
            assert got == expected, (kind, cells)


def first_message(messages) -> str:
    if isinstance(messages, dict):  # a bad item of a list
        index, inner = next(iter(messages.items()))
        return f"item {index + 1}: {first_message(inner)}"
    return messages[0]


def test_a_big_import_refreshes_the_planner_statistics(salon, monkeypatch):
    """Without them, the refresh after a bulk load is planned as for empty tables (minutes, not seconds)."""
    from sqlalchemy import text

    monkeypatch.setattr(importer, "ANALYZE_AFTER", 3)
    import_customers(salon, csv_text(["external_id"], ["c-1"], ["c-2"], ["c-3"]))
    if session().get_bind().dialect.name == "postgresql":
        rows = session().scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'cg_customers'"))
    else:
        rows = session().scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'cg_customers' LIMIT 1")).split()[0]
    assert int(rows) == 3


def test_an_uploaded_file_is_read_through_open_text(salon):
    """What the admin page does with an upload: bytes in, a byte-order mark skipped, bytes counted."""
    from werkzeug.datastructures import FileStorage

    from plugin.imports import open_text

    body = "\ufeffexternal_id,city\nc-1,Bra\u0219ov\n".encode()
    upload = FileStorage(stream=io.BytesIO(body), filename="customers.csv")
    text, counter = open_text(upload.stream)
    report = import_customers(salon, text)
    assert report.created == 1 and customer(salon, "c-1").city == "Bra\u0219ov"
    assert counter.bytes_read == len(body)


# PostgreSQL reads the whole file in SQL: it must store what the row-by-row path stores ---------

#: Cells SQL certifies and cells only Python reads (other spellings, other scripts' digits, odd
#: whitespace, local times at Bucharest's clock changes), valid all.
UNUSUAL_CUSTOMERS = [
    ["c-1", "\u00a0Ana\u2003", "Pop", "ana.pop@example.ro", "TRUE", "1990-02-28", "2024-06-01T09:30", " vip ;; new;"],
    ["c-2", "Ion", "", "Ion.O'Neil@sub.example.com", "false", "2000-02-29", "2026-03-29T03:30", "\u00a0"],
    ["c-3", "", "Ene", "user@b\u00fccher.example", "False", "", "2026-10-25T03:30:00", ";"],
    ["c-4", "Eva", "Dan", "", "", "", "2024-06-01 09:30:00.5Z", "a;b"],
    ["c-5", "", "", "x@y.co", "true", "1999-12-31", "20240601T093000+0530", ""],
    ["c-1", "", "Popa", "", "", "", "", ""],
]
UNUSUAL_ACTIVITIES = [
    ["a-1", "c-1", "order", "", "2024-06-01T09:30:00+02:00", "\u0661\u0662.\u0665", "EUR", "", "", " p1 ; p1;p2", "", ""],
    ["a-2", "c-2", "", "booked", "2026-03-29 03:30", "0012.500", "", "Centre ", "online", "", ";;", "ana"],
    ["a-3", "c-3", "appointment", "", "2026-10-25T03:30", "7", "EUR", "", "", "", "hair", ""],
    ["a-4", "c-1", "", "", "2024-06-01", "", "", "", "", "", "", ""],
    ["a-1", "c-2", "", "", "2024-06-01T09:30:00.123456-01:00", "3.25", "", "", "", "p3", "", ""],
    ["a-5", "c-3", "", "", "2024-06-01t09:30:00z", "12.5000", "", "", "", "", "", ""],
    ["a-6", "c-3", "", "", "2024-06-01t09:30", "0.0000", "", "", "", "", "", ""],
]


def _stored(shop) -> tuple[list, list, list]:
    session().expire_all()
    people = session().scalars(select(Customer).where(Customer.shop_id == shop.id).order_by(Customer.external_id))
    activities = session().scalars(select(Activity).where(Activity.shop_id == shop.id).order_by(Activity.external_id))
    owners = dict(session().execute(select(Customer.id, Customer.external_id).where(Customer.shop_id == shop.id)).all())
    return (
        [(c.external_id, c.first_name, c.last_name, c.email, c.email_opt_in, c.birthday, c.registered_at, c.tags)
         for c in people],
        [(a.external_id, owners[a.customer_id], a.kind, a.status, a.occurred_at, a.amount_milli, a.currency,
          a.location, a.channel, a.item_values("product"), a.item_values("category"), a.item_values("staff"))
         for a in activities],
        sorted((m.customer.external_id, m.source) for m in session().scalars(
            select(Membership).where(Membership.shop_id == shop.id))),
    )


def _import_both(shop, *, chunked: bool, monkeypatch):
    if chunked:
        monkeypatch.setattr(importer, "dialect_name", lambda: "sqlite")
    import_customers(shop, csv_text(["external_id", "first_name", "last_name", "email", "email_opt_in", "birthday",
                                     "registered_at", "tags"], *UNUSUAL_CUSTOMERS))
    import_activities(shop, csv_text(ACTIVITY_HEADER, *UNUSUAL_ACTIVITIES), refresh=False)
    monkeypatch.undo()
    return _stored(shop)


def test_postgresql_stores_what_the_row_by_row_path_stores(make_shop, monkeypatch):
    if session().get_bind().dialect.name != "postgresql":
        pytest.skip("the whole-file path is PostgreSQL's")
    whole_file = _import_both(make_shop("Whole", timezone=BUCHAREST).shop, chunked=False, monkeypatch=monkeypatch)
    row_by_row = _import_both(make_shop("Rows", timezone=BUCHAREST).shop, chunked=True, monkeypatch=monkeypatch)
    assert whole_file == row_by_row
    customers, activities, _ = whole_file
    assert customers[0][1:3] == ("Ana", "Popa") and activities[0][5] == 3250  # later rows win


#: Every column of each file as a typical export writes it: SQL must certify them all, or the
#: whole file goes through the Python loader row by row (a validator SQL did not know made every
#: time cell do so: 1,000,000 activities spent 39 s writing the rows back).
TYPICAL_CELLS = [
    (CustomerInSchema, {"external_id": "c-1", "first_name": "Ana", "last_name": "Pop", "email": "ana@example.ro",
                        "phone": "+40 721 000 111", "gender": "female", "birthday": "1990-02-28", "city": "Cluj",
                        "card_number": "K-100", "registered_at": "2024-06-01T09:30:00+02:00", "email_opt_in": "true",
                        "sms_opt_in": "false", "tags": "vip;new"}),
    (ActivityInSchema, {"external_id": "a-1", "customer_external_id": "c-1", "kind": "order", "status": "completed",
                        "occurred_at": "2024-06-01T09:30:00", "amount": "140.00", "currency": "EUR",
                        "location": "Centre", "channel": "online", "product_ids": "p1;p2", "category_ids": "hair",
                        "staff": "ana"}),
]


@pytest.mark.parametrize("schema, cells", TYPICAL_CELLS, ids=["customers", "activities"])
def test_postgresql_certifies_every_typical_cell(app, schema, cells):
    if session().get_bind().dialect.name != "postgresql":
        pytest.skip("the whole-file path is PostgreSQL's")
    fields = schema().fields
    verdicts = {column: session().scalar(text(f"SELECT {checks.certifies(fields[column], 'cell', BUCHAREST)} "
                                              "FROM (SELECT CAST(:cell AS text) AS cell) AS row"), {"cell": cell})
                for column, cell in cells.items()}
    assert verdicts == dict.fromkeys(cells, True)


@pytest.mark.parametrize("column, cell, message", [
    ("occurred_at", "2024-02-30T10:00", "Not a valid datetime."),
    ("occurred_at", "2024-06-01T24:00", "Not a valid datetime."),
    ("amount", "1.2345", "at most 3 decimals"),
    ("currency", "USD", "this shop counts in EUR, not USD"),
    ("product_ids", ";".join(["p"] * 3) + ";" + "x" * 129, "item 4: Length must be between 1 and 128."),
])
def test_a_cell_sql_cannot_certify_is_judged_by_the_schema(customers, column, cell, message):
    row = dict.fromkeys(ACTIVITY_HEADER, "") | {"external_id": "a-1", "customer_external_id": "c-1", column: cell}
    good = dict(row, external_id="a-0", **{column: ""})
    with pytest.raises(ImportFailed) as failure:
        import_activities(customers, csv_text(ACTIVITY_HEADER, list(good.values()), list(row.values())))
    assert (failure.value.row, failure.value.column) == (3, column)
    assert message in failure.value.message
    assert count(Activity) == 0


def test_listeners_hear_of_every_customer_the_import_adds_to_the_default_group(salon):
    from plugin.signals import membership_changed

    heard: list[int] = []

    def listen(shop_id, group_key, added, removed):
        assert (shop_id, group_key, removed) == (salon.id, "standard", [])
        heard.extend(added)

    membership_changed.connect(listen)
    try:
        import_customers(salon, csv_text(["external_id"], ["c-1"], ["c-2"], ["c-3"]))
    finally:
        membership_changed.disconnect(listen)
    assert sorted(heard) == sorted(session().scalars(select(Customer.id).where(Customer.shop_id == salon.id)))
