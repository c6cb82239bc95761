"""``flask customer-groups`` import-*, refresh, members, export, schedule-refresh: output, exit codes, one-line errors."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from plugin.db import session
from plugin.models import Activity, Customer, Shop
from plugin.services import members
from plugin.services.groups import get_group

from .test_imports import csv_text


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["customer-groups", *args])
    return invoke


@pytest.fixture
def salon(make_shop):
    return make_shop("Salon", timezone="Europe/Bucharest").shop


def write(path, header: list[str], *rows: list[str]):
    path.write_text(csv_text(header, *rows).getvalue(), encoding="utf-8")
    return str(path)


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_import_customers_prints_a_summary(cli, salon, tmp_path):
    result = cli("import-customers", "--no-refresh",
                 write(tmp_path / "c.csv", ["external_id", "city"], ["c-1", "Cluj"], ["c-2", ""]))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "customers: 2 rows, 2 created, 0 updated, 0 unchanged"
    assert get_group(salon, "standard").member_count == 2


def test_import_customers_refreshes_the_groups_and_prints_the_changes(cli, salon, tmp_path):
    # given: c-1's birthday is today in the shop (0 days: Birthdays soon), c-2 has none
    born = datetime.now(ZoneInfo("Europe/Bucharest")).date().replace(year=1992)   # a leap year: 29 Feb exists
    path = write(tmp_path / "c.csv", ["external_id", "birthday"], ["c-1", born.isoformat()], ["c-2", ""])
    # when
    result = cli("import-customers", path)
    # then
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "customers: 2 rows, 2 created, 0 updated, 0 unchanged"
    assert "birthdays-soon +1 -0" in lines[1:] and "high-value +0 -0" in lines[1:]
    assert cli("members", "birthdays-soon").stdout.splitlines() == ["c-1"]


def test_a_bad_import_is_one_line_with_row_and_column_and_exit_code_2(cli, salon, tmp_path):
    path = write(tmp_path / "c.csv", ["external_id", "birthday"], ["c-1", "1990-01-01"], ["c-2", "1990-02-30"])
    result = cli("import-customers", path)
    assert_one_line_error(result, "row 3, column birthday: Not a valid date.")
    assert session().scalar(select(func.count()).select_from(Customer)) == 0


def test_import_activities_refreshes_and_prints_the_changes(cli, salon, make_customer, tmp_path):
    make_customer(salon, "c-1")
    path = write(tmp_path / "a.csv", ["external_id", "customer_external_id", "occurred_at", "status"],
                 ["a-1", "c-1", "2031-01-01T10:00", "booked"])
    result = cli("import-activities", path)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "activities: 1 rows, 1 created, 0 updated, 0 unchanged"
    assert "lapsing-regulars +0 -0" in lines[1:]
    bad = write(tmp_path / "b.csv", ["external_id", "customer_external_id", "occurred_at"], ["a-2", "nobody", "2031-01-01"])
    assert_one_line_error(cli("import-activities", bad, "--no-refresh"),
                          "row 2, column customer_external_id: no customer 'nobody'")
    assert session().scalar(select(func.count()).select_from(Activity)) == 1


def test_the_shop_must_be_named_when_there_are_several(cli, salon, make_shop, tmp_path):
    make_shop("Other")
    path = write(tmp_path / "c.csv", ["external_id"], ["c-1"])
    assert_one_line_error(cli("import-customers", path), "--shop")
    result = cli("import-customers", path, "--shop", "Other")
    assert result.exit_code == 0, result.stderr
    other = session().scalar(select(Shop).where(Shop.name == "Other"))
    assert session().scalar(select(Customer.shop_id)) == other.id
    assert_one_line_error(cli("import-customers", path, "--shop", "Nope"), "No shop 'Nope'")


def test_refresh_now_prints_the_tiers_and_each_group_once(cli, salon, make_customer, tmp_path):
    # given: c-1 came once on 1 March 2025, c-2 never
    make_customer(salon, "c-1")
    make_customer(salon, "c-2")
    cli("import-activities", "--no-refresh",
        write(tmp_path / "a.csv", ["external_id", "customer_external_id", "occurred_at", "amount"],
              ["a-1", "c-1", "2025-03-01T10:00", "50"]))
    # when: ten days later, local time
    result = cli("refresh", "--now", "2025-03-11T12:00")
    # then
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "rfm high_value=1 regular=0 potential=0 lapsed=0 prospect=1",
        "birthdays-soon +0 -0",
        "first-visit-follow-ups +1 -0",
        "high-value +1 -0",
        "lapsing-regulars +0 -0",
        "potential +0 -0",
        "regular +0 -0",
    ]
    # and a month later c-1 is no first-visit follow-up any more
    later = cli("refresh", "--now", "2025-04-11T12:00:00+03:00").stdout.splitlines()
    assert "first-visit-follow-ups +0 -1" in later and "high-value +0 -0" in later


@pytest.mark.parametrize("args, fragment", [
    (["refresh", "--now", "yesterday"], "not an ISO 8601 time"),
    (["refresh", "--now", "0001-01-01T00:00"], "not between the years 1900 and 9000"),
    (["refresh", "--now", "9999-12-31T23:59"], "not between the years 1900 and 9000"),
    (["members", "nope"], "No group 'nope'"),
    (["members", "guests"], "no stored members"),
    (["export", "standard", "--format", "pdf", "--output", "x.pdf"], "pdf"),
    (["export", "standard"], "--output"),
    (["import-customers", "missing.csv"], "missing.csv"),
    (["export", "standard", "--output", "no/such/folder/x.csv"], "cannot write no/such/folder/x.csv: no folder no/such/folder"),
    (["export", "standard", "--format", "xlsx", "--output", "no/such/folder/x.xlsx"], "cannot write"),
])
def test_bad_arguments_are_one_line_and_exit_code_2(cli, salon, args, fragment):
    assert_one_line_error(cli(*args), fragment)


def test_members_prints_one_external_id_a_line_in_keyset_pages(cli, salon, make_customer, monkeypatch):
    from plugin.exports import rows

    monkeypatch.setattr(rows, "PAGE", 2)
    for n in range(5):
        make_customer(salon, f"c-{n}")
    result = cli("members", "standard")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"c-{n}" for n in range(5)]


def test_export_writes_csv_or_xlsx(cli, salon, make_customer, make_group, tmp_path):
    make_customer(salon, "c-1", first_name="Ana", tags=["vip"])
    make_customer(salon, "c-2", first_name="Bob")
    vip = make_group(salon, "VIP")
    members.add_members(salon, vip, [session().scalar(select(Customer.id).where(Customer.external_id == "c-1"))],
                        source="manual")
    session().commit()
    result = cli("export", "vip", "--output", str(tmp_path / "vip.csv"))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == f"exported 1 customers to {tmp_path / 'vip.csv'}"
    table = list(csv.reader(io.StringIO((tmp_path / "vip.csv").read_text())))
    assert table[0][0] == "external_id" and [row[:2] for row in table[1:]] == [["c-1", "Ana"]]
    assert table[1][-1] == "vip"
    result = cli("export", "standard", "--format", "xlsx", "--output", str(tmp_path / "all.xlsx"))
    assert result.exit_code == 0, result.stderr
    workbook = load_workbook(tmp_path / "all.xlsx", read_only=True)
    assert [row[0] for row in workbook.active.iter_rows(values_only=True)] == ["external_id", "c-1", "c-2"]
    workbook.close()


def test_schedule_refresh_without_redis_runs_in_the_foreground(cli, salon, app):
    app.config["CUSTOMER_GROUPS_REDIS_URL"] = ""
    result = cli("schedule-refresh", "--every", "1", "--rounds", "2")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 12 and lines.count(f"shop {salon.id} lapsing-regulars +0 -0") == 2


def test_a_group_that_fails_to_refresh_is_one_line_with_exit_code_1(cli, salon, monkeypatch):
    # given: the refresh of "regular" fails (the others go through and keep being reported)
    from plugin.segments import refresh

    real = refresh.refresh_group

    def failing(shop, group, clock, customer_ids=None):
        if group.key == "regular":
            raise RuntimeError("disk\nfull")
        return real(shop, group, clock, customer_ids)

    monkeypatch.setattr(refresh, "refresh_group", failing)
    # when
    result = cli("refresh", "--now", "2025-03-11T12:00")
    # then
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.strip() == "error: could not refresh regular (disk full)"
    assert "potential +0 -0" in result.stdout.splitlines() and "regular +0 -0" not in result.stdout
