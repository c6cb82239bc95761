"""Exports: a group's (or a condition's, or a listed search's) customers as CSV that imports again, or as Excel; in the background."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from plugin.db import session
from plugin.errors import Conflict, NotFound, ValidationFailed
from plugin.exports import (
    COLUMNS, Listed, export_customers, export_file, export_status, member_external_ids, rows as export_rows, start_export,
)
from plugin.exports import background
from plugin.imports import import_customers
from plugin.models import Customer
from plugin.services import members
from plugin.services.groups import get_group

from .test_imports import CUSTOMER_HEADER, csv_text

PEOPLE = [
    ["c-1", "Ana", "Pop", "ana@example.com", "+40700000001", "female", "1990-02-28", "Cluj", "A1",
     "2024-03-01T10:00:00+02:00", "true", "false", "newsletter;vip"],
    ["c-2", "Bob", "", "", "", "unknown", "", "", "", "2024-07-01T00:30:00+03:00", "false", "true", ""],
    ["c-3", "=HYPERLINK(\"http://x\")", "O'Neil, Jr", "", "", "male", "", "Iasi", "", "2024-01-01T00:00:00+02:00",
     "false", "false", "a"],
]


@pytest.fixture
def shop_with_people(make_shop):
    shop = make_shop("Salon", timezone="Europe/Bucharest").shop
    import_customers(shop, csv_text(CUSTOMER_HEADER, *PEOPLE))
    return shop


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(export_rows, "PAGE", 2)


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def sheet_rows(path) -> list[list[str]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [[cell.value or "" for cell in row] for row in workbook.active.iter_rows(max_col=len(COLUMNS))]
    finally:
        workbook.close()


def customer_fields(shop) -> dict[str, tuple]:
    session().expire_all()
    return {
        c.external_id: (c.first_name, c.last_name, c.email, c.phone, c.gender, c.birthday, c.city, c.card_number,
                        c.registered_at, c.email_opt_in, c.sms_opt_in, c.tags)
        for c in session().scalars(select(Customer).where(Customer.shop_id == shop.id))
    }


def test_the_csv_has_the_import_columns_and_every_member(shop_with_people, small_pages):
    out = io.StringIO()
    assert export_customers(shop_with_people, "standard", "csv", out) == 3
    table = read_csv(out.getvalue())
    assert table[0] == list(COLUMNS) == CUSTOMER_HEADER
    assert table[1:] == PEOPLE  # times in the shop's timezone, true/false, tags joined with ;


def test_a_csv_export_imports_again_as_the_same_customers(shop_with_people, make_shop, tmp_path):
    # given
    path = tmp_path / "standard.csv"
    export_customers(shop_with_people, "standard", "csv", path)
    other = make_shop("Other", timezone="Asia/Tokyo").shop
    # when
    with path.open(newline="", encoding="utf-8") as text:
        report = import_customers(other, text)
    # then
    assert report.created == 3
    assert customer_fields(other) == customer_fields(shop_with_people)
    # and importing it back where it came from changes nothing
    with path.open(newline="", encoding="utf-8") as text:
        again = import_customers(shop_with_people, text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_an_xlsx_export_opens_with_openpyxl_and_holds_the_rows_as_text(shop_with_people, tmp_path, small_pages):
    path = tmp_path / "standard.xlsx"
    assert export_customers(shop_with_people, "standard", "xlsx", path) == 3
    values = sheet_rows(path)
    assert values[0] == list(COLUMNS)
    assert values[1:] == PEOPLE
    formula_cell = next(row for row in load_workbook(path).active.iter_rows() if row[0].value == "c-3")[1]
    assert formula_cell.data_type == "s"  # a name starting with "=" is never a formula


def test_only_the_group_members_are_exported(shop_with_people, make_group):
    vip = make_group(shop_with_people, "VIP")
    ana = session().scalar(select(Customer).where(Customer.external_id == "c-1"))
    members.add_members(shop_with_people, vip, [ana.id], source="manual")
    session().commit()
    out = io.StringIO()
    export_customers(shop_with_people, "vip", "csv", out)
    assert [row[0] for row in read_csv(out.getvalue())[1:]] == ["c-1"]
    assert list(member_external_ids(get_group(shop_with_people, "vip"))) == ["c-1"]


def test_a_condition_exports_the_customers_it_matches(shop_with_people, small_pages):
    out = io.StringIO()
    count = export_customers(shop_with_people, {"any": [{"metric": "city", "op": "=", "value": "Iasi"},
                                                        {"metric": "tags", "op": "=", "value": "vip"}]}, "csv", out)
    assert count == 2
    assert [row[0] for row in read_csv(out.getvalue())[1:]] == ["c-1", "c-3"]


@pytest.mark.parametrize("listed, expected", [
    (Listed(q="ana"), ["c-1"]),
    (Listed(q="o'neil"), ["c-3"]),
    (Listed(group="vip-club"), ["c-1", "c-3"]),
    (Listed(q="bob", group="vip-club"), []),
    (Listed(group="vip-club", condition={"metric": "gender", "op": "=", "value": "male"}), ["c-3"]),
])
def test_a_listed_search_exports_what_the_customers_page_lists(shop_with_people, make_group, small_pages, tmp_path,
                                                              listed, expected):
    club = make_group(shop_with_people, "VIP club")
    by_id = {c.external_id: c.id for c in session().scalars(select(Customer).where(Customer.shop_id == shop_with_people.id))}
    members.add_members(shop_with_people, club, [by_id["c-1"], by_id["c-3"]], source="manual")
    session().commit()
    assert export_customers(shop_with_people, listed, "csv", tmp_path / "out.csv") == len(expected)
    assert [row[0] for row in read_csv((tmp_path / "out.csv").read_text())[1:]] == expected


@pytest.mark.parametrize("source, fmt, error", [
    (Listed(group="nope"), "csv", NotFound),
    (Listed(q="a", condition={"metric": "height", "op": "=", "value": 1}), "csv", ValidationFailed),
    ("nope", "csv", NotFound),
    ("guests", "csv", Conflict),
    ("standard", "pdf", ValidationFailed),
    ({"metric": "height", "op": "=", "value": 1}, "csv", ValidationFailed),
])
def test_what_cannot_be_exported_is_refused_before_writing(shop_with_people, tmp_path, source, fmt, error):
    with pytest.raises(error):
        export_customers(shop_with_people, source, fmt, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# in the background (without Redis: at once, in process) -----------------------------------------

@pytest.fixture
def instance(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


def test_a_background_export_finishes_and_its_file_is_fetched(shop_with_people, instance):
    export_id = start_export(shop_with_people, "standard", "xlsx")
    status = export_status(shop_with_people, export_id)
    assert (status.state, status.rows, status.format, status.group) == ("finished", 3, "xlsx", "standard")
    assert status.filename.startswith("standard-") and status.filename.endswith(".xlsx")
    path = export_file(shop_with_people, export_id)
    assert path.parent == instance / "exports" / str(shop_with_people.id)
    assert len(sheet_rows(path)) == 4


def test_another_shop_never_sees_an_export(shop_with_people, make_shop, instance):
    export_id = start_export(shop_with_people, "standard", "csv")
    other = make_shop("Other").shop
    for ask in (export_status, export_file):
        with pytest.raises(NotFound):
            ask(other, export_id)
    with pytest.raises(NotFound):
        export_status(shop_with_people, "../../etc/passwd")


def test_a_failed_export_says_why_and_has_no_file(shop_with_people, instance, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(background, "export_customers", broken)
    export_id = start_export(shop_with_people, "standard", "csv")
    status = export_status(shop_with_people, export_id)
    assert (status.state, status.error) == ("failed", "disk full")
    with pytest.raises(Conflict):
        export_file(shop_with_people, export_id)
    assert list((instance / "exports" / str(shop_with_people.id)).glob("*.csv")) == []


def test_an_export_cut_short_in_process_is_failed_not_preparing_for_ever(shop_with_people, instance, monkeypatch):
    def cut_short(*_args, **_kwargs):
        raise SystemExit(1)  # how gunicorn stops a request past its timeout

    monkeypatch.setattr(background, "export_customers", cut_short)
    with pytest.raises(SystemExit):
        start_export(shop_with_people, "standard", "csv")
    [status_file] = (instance / "exports" / str(shop_with_people.id)).glob("*.json")
    status = export_status(shop_with_people, status_file.stem)
    assert (status.state, status.error) == ("failed", background.STOPPED)


def test_an_export_that_cannot_be_queued_leaves_nothing_behind(shop_with_people, instance, monkeypatch):
    def refused(*_args, **_kwargs):
        raise ConnectionError("Redis refused the connection")

    kept = start_export(shop_with_people, "standard", "csv")
    monkeypatch.setattr(background, "enqueue", refused)
    with pytest.raises(ConnectionError):
        start_export(shop_with_people, "standard", "xlsx")
    assert sorted(path.name for path in (instance / "exports" / str(shop_with_people.id)).iterdir()) == [
        f"{kept}.csv", f"{kept}.json"]


def test_a_bad_background_export_is_refused_before_it_is_queued(shop_with_people, instance):
    with pytest.raises(NotFound):
        start_export(shop_with_people, "nope", "csv")
    with pytest.raises(ValidationFailed):
        start_export(shop_with_people, "standard", "ods")
    assert not (instance / "exports").exists()


def test_starting_an_export_deletes_the_shops_exports_older_than_the_kept_days(shop_with_people, make_shop, instance):
    def age(shop, export_id, days):
        path = instance / "exports" / str(shop.id) / f"{export_id}.json"
        status = json.loads(path.read_text())
        status["created_at"] = (datetime.fromisoformat(status["created_at"]) - timedelta(days=days)).isoformat()
        path.write_text(json.dumps(status))

    other_shop = make_shop("Other").shop
    old, recent = (start_export(shop_with_people, "standard", "csv") for _ in range(2))
    others_old = start_export(other_shop, "standard", "csv")
    age(shop_with_people, old, 8)
    age(shop_with_people, recent, 6)
    age(other_shop, others_old, 8)

    new = start_export(shop_with_people, "standard", "xlsx")

    kept = sorted(path.name for path in (instance / "exports" / str(shop_with_people.id)).iterdir())
    assert kept == sorted([f"{recent}.json", f"{recent}.csv", f"{new}.json", f"{new}.xlsx"])
    assert export_status(other_shop, others_old).ready  # another shop's exports are its own business
