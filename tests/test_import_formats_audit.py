"""Real shops' exports through ``import-customers`` / ``import-activities`` (docs/imports.md, "The
files"): what spreadsheets and other systems write is read as written, what stays refused names its
row and column and changes nothing, on each way an import goes (SQLite's chunked path; PostgreSQL's
whole-file path and the chunked one).
"""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from sqlalchemy import text as sql_text

from plugin.db import session
from plugin.imports import checks, import_activities, import_customers, importer, open_text
from plugin.imports.rows import RowLoader
from plugin.schemas import ActivityInSchema, CustomerInSchema

from .test_cli_segments import assert_one_line_error, cli  # noqa: F401  (cli is a fixture)
from .test_import_paths import import_way, new_shop, postgresql, refusal, stored  # noqa: F401  (fixtures)

#: A spreadsheet's export: a byte order mark, CRLF, headers in another case, with spaces, in another
#: order and ending in a comma, quoted commas, quotes and line breaks, rows of empty cells and a
#: line of spaces, and a last line without its line break.
SPREADSHEET_EXPORT = (
    "\ufeff External_ID ,First_Name,CITY , Tags,Gender,\r\n"
    'c-3,"Pop, Ana","Cluj\r\nNapoca"," VIP ; ;new;VIP",Female,\r\n'
    ",,,,,\r\n"
    "   \r\n"
    'c-4,"O""Brien",,,MALE,\r\n'
    ",,,,,\r\n"
    ",,,,,"
).encode()


def text(data: bytes):
    return open_text(io.BytesIO(data))[0]


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_spreadsheets_export_is_imported_as_written_and_again_changes_nothing(import_way, cli, tmp_path):
    # given
    shop = new_shop("Europe/Bucharest")
    path = write(tmp_path, "customers.csv", SPREADSHEET_EXPORT)
    # when
    result = cli("import-customers", "--no-refresh", "--shop", shop.name, path)
    # then: two customers, the empty rows skipped as blank lines
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "customers: 2 rows, 2 created, 0 updated, 0 unchanged"
    customers, tags, *_ = stored(shop)
    by_id = {row[0]: row for row in customers}
    assert (by_id["c-3"][1], by_id["c-3"][5], by_id["c-3"][7]) == ("Pop, Ana", "female", "Cluj\r\nNapoca")
    assert (by_id["c-4"][1], by_id["c-4"][5]) == ('O"Brien', "male")
    assert [tag for owner, tag in tags if owner == "c-3"] == ["VIP", "new"]
    # and again: nothing changes
    before = stored(shop)
    again = cli("import-customers", "--no-refresh", "--shop", shop.name, path)
    assert again.stdout.strip() == "customers: 2 rows, 0 created, 0 updated, 2 unchanged"
    assert stored(shop) == before


def test_choices_and_the_currency_are_read_in_any_case(import_way):
    shop = new_shop("UTC")
    import_customers(shop, text(b"external_id,gender\nc-1,Female\nc-2,MALE\n"), refresh=False)
    import_activities(shop, text(b"external_id,customer_external_id,kind,status,channel,currency\n"
                                   b"a-1,c-1,Appointment,NO_SHOW,Online,eur\n"), refresh=False)
    customers, _, activities, *_ = stored(shop)
    assert [(row[0], row[5]) for row in customers] == [("c-1", "female"), ("c-2", "male")]
    assert (activities[0][2:4], activities[0][6], activities[0][8]) == (("appointment", "no_show"), "EUR", "online")


AMOUNT_MESSAGE = 'must be an amount such as "12.50" (at most 3 decimals)'


@pytest.mark.parametrize("column, cell, message", [
    ("gender", "F", "Must be one of: female, male, other, unknown."),
    ("email_opt_in", "yes", "must be true or false"),
    ("email_opt_in", "1", "must be true or false"),
    ("birthday", "2001-02-29", "Not a valid date."),
    ("registered_at", "01/06/2024 10:00", "Not a valid datetime."),
    ("amount", "1,234.50", AMOUNT_MESSAGE),
    ("amount", "12,50", AMOUNT_MESSAGE),
    ("amount", "-3", AMOUNT_MESSAGE),
    ("amount", "1e3", AMOUNT_MESSAGE),
    ("currency", "usd", "this shop counts in EUR, not usd"),
])
def test_what_stays_refused_names_its_row_and_column_and_changes_nothing(import_way, column, cell, message):
    # given: a good row, then the cell
    shop = new_shop("Europe/Bucharest")
    activities = column in ("amount", "currency")
    before = stored(shop)
    leading = "customer_external_id," if activities else ""
    data = (f'external_id,{leading}{column}\n'
            f'x-1,{"c-1," if activities else ""}\n'
            f'x-2,{"c-1," if activities else ""}"{cell}"\n').encode()
    # when / then
    assert refusal(import_activities if activities else import_customers, shop, data) == (3, column, message)
    assert stored(shop) == before


@pytest.mark.parametrize("data, column, message", [
    (b"external_id;first_name\nc-5;Ana\n", "external_id;first_name",
     "unknown column; the file seems to separate its cells with ';': save it as CSV with commas between cells"),
    (b"external_id,first_name,First_Name\nc-5,Ana,Ana\n", "first_name", "the column appears twice"),
    (b"external_id,Nickname\nc-5,Ana\n", "Nickname", "unknown column; the columns are external_id, first_name"),
])
def test_a_header_that_names_no_column_is_refused_as_row_1(import_way, data, column, message):
    shop = new_shop("UTC")
    row, named, told = refusal(import_customers, shop, data)
    assert (row, named) == (1, column) and told.startswith(message)


def test_a_cell_under_a_header_ending_in_a_comma_is_refused(import_way):
    shop = new_shop("UTC")
    before = stored(shop)
    data = b"external_id,first_name,\nc-5,Ana,\nc-6,Bob,x\n"
    assert refusal(import_customers, shop, data) == (3, None, "3 cells, but the header names 2 columns")
    assert stored(shop) == before


def test_a_bad_row_after_rows_of_empty_cells_keeps_its_number(import_way, cli, tmp_path):
    shop = new_shop("UTC")
    path = write(tmp_path, "customers.csv", b"external_id,email\r\nc-5,a@example.com\r\n,\r\n \r\nc-6,not-an-email\r\n")
    assert_one_line_error(cli("import-customers", "--shop", shop.name, path), "row 5, column email: Not a valid email")


@pytest.mark.parametrize("schema, column, cell", [
    (CustomerInSchema, "gender", "Female"), (ActivityInSchema, "kind", "ORDER"),
    (ActivityInSchema, "status", "No_Show"), (ActivityInSchema, "channel", "Online"),
])
def test_postgresql_certifies_a_choice_in_another_case(app, schema, column, cell):
    # else every row of an export that writes ``Completed`` would go through the Python loader
    if session().get_bind().dialect.name != "postgresql":
        pytest.skip("the whole-file path is PostgreSQL's")
    field = schema().fields[column]
    certified, value = session().execute(sql_text(
        f"SELECT {checks.certifies(field, 'cell', 'UTC')}, {checks.converts(field, 'cell', 'UTC')} "
        "FROM (SELECT CAST(:cell AS text) AS cell) AS row"), {"cell": cell}).one()
    assert (certified, value) == (True, cell.lower())
    not_ascii = session().scalar(sql_text(f"SELECT {checks.certifies(field, 'cell', 'UTC')} "
                                      "FROM (SELECT CAST(:cell AS text) AS cell) AS row"), {"cell": cell + "\u0130"})
    assert not_ascii is False  # left to the Python loader, which refuses it in its words


def test_postgresql_certifies_a_capitalised_export_in_sql(postgresql, monkeypatch):
    # given: the Python loader out of reach, so a cell SQL did not certify fails the test
    shop = new_shop("UTC")

    def no_python_loader(self, row, cells):
        raise AssertionError(f"row {row} went through the Python loader: {cells}")
    monkeypatch.setattr(RowLoader, "load", no_python_loader)
    # when
    import_customers(shop, text(b"external_id,gender\nc-5,Female\n"), refresh=False)
    import_activities(shop, text(b"external_id,customer_external_id,kind,status,channel,currency\n"
                                 b"a-1,c-5,Order,Completed,Online,eur\n"), refresh=False)
    # then
    customers, _, activities, *_ = stored(shop)
    assert [row[5] for row in customers if row[0] == "c-5"] == ["female"]
    assert (activities[0][2:4], activities[0][6], activities[0][8]) == (("order", "completed"), "EUR", "online")


@pytest.fixture
def two_row_chunks(monkeypatch):
    """Two rows a chunk on the chunked path, so that a file of a few rows spans chunks."""
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)


def test_a_record_named_in_two_chunks_is_stored_once_and_again_changes_nothing(import_way, two_row_chunks):
    # given: c-5 and a-1 on rows 2 and 4, in two chunks of the chunked path
    shop = new_shop("UTC")
    customers = b"external_id,city,tags\nc-5,Cluj,a\nc-6,,\nc-5,Iasi,\n"
    activities = b"external_id,customer_external_id,amount,product_ids\na-1,c-1,10,p1\na-2,c-1,,\na-1,c-2,20,p9\n"
    # when
    reports = [import_customers(shop, text(customers), refresh=False),
               import_activities(shop, text(activities), refresh=False)]
    # then: counted and stored as the whole file's fold does (a customer's cells add up, an activity's last row wins)
    assert [(report.rows, report.created, report.updated, report.unchanged) for report in reports] == [
        (3, 2, 0, 0), (3, 2, 0, 0)]
    people, tags, acts, items, *_ = stored(shop)
    assert [(row[0], row[7]) for row in people if row[0] in ("c-5", "c-6")] == [("c-5", "Iasi"), ("c-6", "")]
    assert [tag for owner, tag in tags if owner == "c-5"] == ["a"]
    assert [(act[0], act[1], act[5]) for act in acts] == [("a-1", "c-2", 20000), ("a-2", "c-1", 0)]
    assert [item for item in items if item[0] == "a-1"] == [("a-1", "product", "p9")]
    # and again: nothing written
    before = _updated_at(shop)
    again = [import_customers(shop, text(customers), refresh=False),
             import_activities(shop, text(activities), refresh=False)]
    assert [(report.created, report.updated, report.unchanged) for report in again] == [(0, 0, 2), (0, 0, 2)]
    assert _updated_at(shop) == before


def test_an_unknown_customer_on_a_row_a_later_chunk_replaces_is_the_first_bad_row(import_way, two_row_chunks):
    shop = new_shop("UTC")
    data = b"external_id,customer_external_id\na-1,c-404\na-2,c-1\na-1,c-1\n"
    assert refusal(import_activities, shop, data) == (
        2, "customer_external_id", "no customer 'c-404' in this shop; import the customers first")


def _updated_at(shop) -> list:
    session().expire_all()
    return [session().execute(sql_text(f"SELECT external_id, updated_at FROM {table} WHERE shop_id = :shop "
                                       "ORDER BY external_id"), {"shop": shop.id}).all()
            for table in ("cg_customers", "cg_activities")]


def test_re_importing_on_sqlite_looks_the_staged_lists_up_by_index(app):
    # Without an index on the staged tags and items, SQLite scanned a chunk's staged lists for each
    # stored tag or item: re-importing 20,000 tagged customers took 85 s, 20,000 activities 121 s.
    if session().get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's plans")
    shop = new_shop("UTC")
    customers = b"external_id,tags\nc-5,a;b\n"
    activities = b"external_id,customer_external_id,product_ids\na-1,c-5,p1;p2\n"
    import_customers(shop, text(customers), refresh=False)
    import_activities(shop, text(activities), refresh=False)
    plans: list[str] = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("DELETE FROM cg_customer_tags") or statement.startswith("DELETE FROM cg_activity_items"):
            plans.extend(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    engine = session().get_bind()
    sa.event.listen(engine, "before_cursor_execute", explain)
    try:
        import_customers(shop, text(customers), refresh=False)
        import_activities(shop, text(activities), refresh=False)
    finally:
        sa.event.remove(engine, "before_cursor_execute", explain)
    staged_lists = [plan for plan in plans if "cg_import_tags" in plan or "cg_import_items" in plan]
    assert len(staged_lists) == 2 and all(plan.startswith("SEARCH") for plan in staged_lists), plans
