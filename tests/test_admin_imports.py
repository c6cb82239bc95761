"""The Import page: a good file's counts, a bad row named by row and column with nothing imported,
tenancy, CSRF and escaping."""
from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import func, select

from examples.demo_shop import create_app
from plugin.db import session
from plugin.models import Activity, Customer
from plugin.services import customers, members

ADMIN = "/admin/crm/groups"
PAGE = f"{ADMIN}/imports/"

CUSTOMERS = (
    "external_id,first_name,last_name,email,gender,tags\n"
    "c1,Ana,Pop,ana@example.com,female,vip;press\n"
    "c2,Bob,Ionescu,bob@example.com,male,\n"
    "c3,Cora,Marin,cora@example.com,other,\n"
)
ACTIVITIES = (
    "external_id,customer_external_id,kind,status,occurred_at,amount,location,channel\n"
    "a1,c1,order,completed,2026-01-10T10:00:00+02:00,40.00,Mall,online\n"
    "a2,c1,order,completed,2026-02-10T10:00:00+02:00,60.00,Mall,offline\n"
    "a3,c2,appointment,cancelled,2026-02-11T10:00:00+02:00,10.00,Centre,offline\n"
)


def upload(client, kind: str, text: str | bytes, filename: str = "file.csv", **extra):
    body = text.encode() if isinstance(text, str) else text
    return client.post(PAGE, data={"kind": kind, "file": (io.BytesIO(body), filename), **extra},
                       content_type="multipart/form-data")


def shown(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def count(model, shop) -> int:
    return session().scalar(select(func.count()).select_from(model).where(model.shop_id == shop.id))


@pytest.fixture
def signed_in(shop, admin):
    admin.login(shop.shop)
    return shop.shop


def test_the_page_lists_the_columns(client, signed_in):
    page = client.get(PAGE).text
    assert 'enctype="multipart/form-data"' in page
    for column in ("external_id", "customer_external_id", "occurred_at", "product_ids", "sms_opt_in"):
        assert f">{column}</code>" in page


def test_a_good_customers_file_is_imported_and_counted(client, signed_in):
    # when
    response = upload(client, "customers", CUSTOMERS, "customers.csv")
    # then
    assert response.status_code == 200
    assert (shown(response.text, "report-created"), shown(response.text, "report-updated")) == ("3", "0")
    assert "Imported customers.csv: 3 rows of customers." in html.unescape(response.text)
    assert customers.get_customer(signed_in, "c1").tags == ["press", "vip"]
    # when: the same file again
    again = upload(client, "customers", CUSTOMERS)
    assert (shown(again.text, "report-created"), shown(again.text, "report-unchanged")) == ("0", "3")
    assert count(Customer, signed_in) == 3


def test_a_customers_file_refreshes_segments_on_what_it_changed(client, signed_in, make_group):
    # given
    make_group(signed_in, "Press", kind="dynamic", condition={"metric": "tags", "op": "=", "value": "press"})
    # when
    upload(client, "customers", CUSTOMERS)
    # then: c1 is tagged press in the file
    assert members.group_keys_of(signed_in, customers.get_customer(signed_in, "c1").id) == ["press", "standard"]
    assert members.group_keys_of(signed_in, customers.get_customer(signed_in, "c2").id) == ["standard"]


def test_a_good_activities_file_is_imported_and_refreshes_segments(client, signed_in):
    upload(client, "customers", CUSTOMERS)
    response = upload(client, "activities", ACTIVITIES, "history.csv")
    assert response.status_code == 200
    assert shown(response.text, "report-created") == "3"
    assert count(Activity, signed_in) == 3
    assert customers.get_customer(signed_in, "c1").visits == 2


@pytest.mark.parametrize("kind, text, row, column, message", [
    ("customers", CUSTOMERS.replace("bob@example.com", "not-an-email"), "3", "email", "Not a valid email address."),
    ("customers", CUSTOMERS.replace("other", "robot"), "4", "gender", "Must be one of"),
    ("customers", "external_id,colour\nc1,red\n", "1", "colour", "unknown column"),
    ("activities", ACTIVITIES.replace("2026-02-10T10:00:00+02:00", "yesterday"), "3", "occurred_at", "Not a valid datetime."),
    ("activities", ACTIVITIES.replace("a2,c1", "a2,ghost"), "3", "customer_external_id", ""),
    # PostgreSQL cannot hold a NUL in text: these were a 500 there
    ("customers", CUSTOMERS.replace("Bob", "B\x00b"), "3", "first_name", "NUL character"),
    ("activities", ACTIVITIES.replace("Centre", "Cen\x00tre"), "4", "location", "NUL character"),
])
def test_a_bad_row_is_named_and_nothing_is_imported(client, signed_in, kind, text, row, column, message):
    if kind == "activities":
        upload(client, "customers", CUSTOMERS)
    before = count(Customer, signed_in), count(Activity, signed_in)
    # when
    response = upload(client, kind, text, "bad.csv")
    # then
    assert response.status_code == 422
    assert (shown(response.text, "failure-row"), shown(response.text, "failure-column")) == (row, column)
    assert message in shown(response.text, "failure-message")
    assert "Nothing was imported from bad.csv." in response.text
    assert (count(Customer, signed_in), count(Activity, signed_in)) == before


def test_a_file_that_is_not_utf8_is_refused(client, signed_in):
    response = upload(client, "customers", "external_id,first_name\nc1,Zoë\n".encode("utf-16"))
    assert response.status_code == 422 and shown(response.text, "failure-row")
    assert count(Customer, signed_in) == 0


def test_no_file_or_no_kind_is_a_422(client, signed_in):
    no_file = client.post(PAGE, data={"kind": "customers"}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "Choose a CSV file to import." in no_file.text
    odd_kind = upload(client, "rules", CUSTOMERS)
    assert odd_kind.status_code == 422 and "Choose customers or activities." in odd_kind.text
    assert count(Customer, signed_in) == 0


def test_an_import_lands_in_ones_own_shop_only(client, signed_in, make_shop, make_customer):
    other = make_shop("Shop B").shop
    make_customer(other, "c1", first_name="Theirs")
    upload(client, "customers", CUSTOMERS)
    assert customers.get_customer(other, "c1").first_name == "Theirs"
    assert count(Customer, other) == 1 and count(Customer, signed_in) == 3
    # activities name customers of the signed-in shop only
    response = upload(client, "activities", ACTIVITIES.replace("a3,c2", "a3,c9"))
    assert response.status_code == 422 and shown(response.text, "failure-row") == "4"


def test_what_the_file_says_is_shown_as_text(client, signed_in):
    response = upload(client, "customers", "external_id,<script>alert(1)</script>\nc1,x\n", "<b>evil</b>.csv")
    assert response.status_code == 422
    assert "<script>alert" not in response.text and "<b>evil" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_the_import_page_needs_an_admin_session(client, shop):
    response = upload(client, "customers", CUSTOMERS)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert count(Customer, shop.shop) == 0


def test_an_upload_without_the_csrf_token_is_refused(database_url, shop, admin):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": True,
                      "SERVER_NAME": "shop.test"})
    with app.test_client() as client:
        with client.session_transaction() as host_session:
            host_session["demo_admin"] = {"email": "admin@demo.shop", "shop_id": shop.shop.id}
        assert upload(client, "customers", CUSTOMERS).status_code == 400
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(PAGE).text).group(1)
        assert upload(client, "customers", CUSTOMERS, csrf_token=token).status_code == 200
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
    assert count(Customer, shop.shop) == 3
