"""SPEC §4 and §5 read to the letter as a storefront developer and an operator would: answers the
audit of the API's edges and of both command lines found wrong, and how they read now."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from examples.demo_shop import create_app
from plugin.db import session
from plugin.models import Shop
from rules.cli import main as evaluate_main

from .conftest import api_path


# SPEC §4 "Errors: {"error": {"code", "message", "fields"}}": every answer under the prefix ----

@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND"])
@pytest.mark.parametrize("path", ["/groups", "/groups/standard", "/nowhere"])
def test_a_method_no_route_takes_answers_the_error_shape_not_the_hosts_page(shop, method, path):
    # given: a method outside GET, POST, PUT, PATCH and DELETE answered the host's HTML 405
    # when
    response = shop.client.open(api_path(path), method=method, headers=shop.headers)
    # then
    assert response.is_json, response.get_data(as_text=True)
    assert response.json["error"]["code"] == ("not_found" if path == "/nowhere" else "method_not_allowed")
    assert set(response.json["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("path", ["", "/"])
def test_the_prefix_itself_answers_the_error_shape_not_the_hosts_page(shop, path):
    response = shop.client.get(api_path(path), headers=shop.headers)
    assert response.status_code == 404
    assert response.is_json and response.json["error"]["code"] == "not_found", response.get_data(as_text=True)


def test_the_allow_header_of_a_405_names_the_routes_methods_only(shop):
    response = shop.client.open(api_path("/groups"), method="TRACE", headers=shop.headers)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_a_doubled_slash_is_still_redirected_to_the_requests_own_host(shop):
    response = shop.client.get(api_path("//groups"), headers=shop.headers)
    assert response.status_code == 308
    assert response.headers["Location"] in ("http://shop.test/api/customer-groups/v1/groups",
                                            "/api/customer-groups/v1/groups")


def test_a_hosts_catch_all_page_never_takes_a_path_under_the_prefix(app, shop):
    # given: a host with a page for every path (a CMS storefront)
    app.add_url_rule("/<path:page>", "cms_page", lambda page: f"<h1>{page}</h1>")
    # when
    missing = shop.get("/nowhere")
    wrong_method = shop.client.open(api_path("/groups"), method="PUT", headers=shop.headers)
    # then
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"] == "method_not_allowed"
    assert shop.client.get("/about").get_data(as_text=True) == "<h1>about</h1>"


SPEC_ROUTES = [  # SPEC §4, every method of every route, with a body each would take
    ("POST", "/checkout/evaluate", {"currency": "EUR", "lines": []}), ("GET", "/groups", None),
    ("POST", "/groups", {"name": "VIP"}), ("GET", "/groups/standard", None),
    ("PATCH", "/groups/standard", {"name": "Std"}), ("DELETE", "/groups/vip", None),
    ("GET", "/groups/standard/members", None), ("POST", "/groups/standard/members", {"customer_ids": ["c-1"]}),
    ("DELETE", "/groups/standard/members/c-1", None), ("GET", "/groups/standard/members/c-1/why", None),
    ("POST", "/groups/preview", {"condition": {"metric": "past_count", "op": ">=", "value": 1}}),
    ("GET", "/rules", None), ("POST", "/rules", {"name": "R", "kind": "discount", "groups": ["standard"],
                                                 "value": {"type": "percent", "amount": "5"}}),
    ("GET", "/rules/r1", None), ("PATCH", "/rules/r1", {"priority": 2}), ("DELETE", "/rules/r1", None),
    ("POST", "/rules/simulate", {"cart": {"currency": "EUR", "groups": [], "lines": []}}),
    ("POST", "/events/customers", {"external_id": "c-2"}),
    ("POST", "/events/activities", {"external_id": "o-1", "customer_external_id": "c-1"}),
    ("GET", "/customers?q=c&group=standard&page=1", None),
]


@pytest.mark.parametrize("method, path, body", SPEC_ROUTES)
@pytest.mark.parametrize("key, status, code", [
    (None, 401, "unauthorized"), ("cg_garbled", 401, "unauthorized"), ("free", 403, "plan_required"),
])
def test_every_route_refuses_a_missing_a_garbled_key_and_a_free_plan_in_the_error_shape(
        make_shop, make_customer, method, path, body, key, status, code):
    # given: SPEC §1 plans; README "403 (plan_required)" for a plan without the plugin
    free = make_shop("Free", plan="free")
    make_customer(free.shop, "c-1")
    headers = {"Authorization": f"Bearer {free.api_key if key == 'free' else key}"} if key else {}
    # when
    response = free.client.open(api_path(path), method=method, json=body, headers=headers)
    # then
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json == {"error": {"code": code, "message": response.json["error"]["message"], "fields": {}}}


@pytest.mark.parametrize("path", ["/groups", "/checkout/evaluate"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer cg_garbled"}])
def test_a_401_says_which_scheme_to_authenticate_with(shop, path, headers):
    # given: RFC 9110 §15.5.2 "The server generating a 401 response MUST send a WWW-Authenticate
    # header field"; HTTP clients that retry with credentials read it
    response = shop.client.post(api_path(path), json={}, headers=headers)
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/rules/b1", None), ("PATCH", "/rules/b1", {"priority": 5}), ("DELETE", "/rules/b1", None)])
def test_another_shops_rule_answers_404_and_stays_as_it_was(make_shop, make_group, make_customer, method, path, body):
    # given: tests/test_tenancy.py reaches for groups, members and customers; rules too are a shop's own
    a, b = make_shop("Shop A"), make_shop("Shop B")
    make_group(b.shop, "B only")
    make_customer(b.shop, "b-customer")
    b.post("/rules", json={"id": "b1", "name": "B", "kind": "discount", "groups": ["b-only"],
                           "value": {"type": "percent", "amount": "5"}})
    before = b.get("/rules/b1").json
    # when
    response = a.client.open(api_path(path), method=method, json=body, headers=a.headers)
    # then
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert b.get("/rules/b1").json == before



@pytest.mark.parametrize("currency, sent, answered", [("JPY", "1200", "1200"), ("KWD", "1.25", "1.250"),
                                                      ("EUR", "7", "7.00")])
def test_an_activitys_amount_and_a_customers_spent_carry_the_currencys_minor_unit(make_shop, currency, sent, answered):
    shop = make_shop(currency, currency=currency)
    shop.post("/events/customers", json={"external_id": "ana"})
    recorded = shop.post("/events/activities", json={"external_id": "o-1", "customer_external_id": "ana",
                                                     "amount": sent, "currency": currency})
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["activity"]["amount"] == answered
    assert shop.get("/customers?q=ana").json["items"][0]["spent"] == answered
    assert shop.get("/groups/standard/members").json["items"][0]["customer"]["spent"] == answered



@pytest.mark.parametrize("q", ["\u0218tefan", "\u0218tef", "\u0106osi\u0107", "\u0218tefan \u0106osi\u0107",
                               "\u0106osi\u0107 \u0218tefan", "\u00c9lodie@", "MAR\u0218", "mar\u0219"])
def test_a_name_or_email_with_a_capital_letter_outside_ascii_is_found_as_typed(shop, make_customer, q):
    # given: SQLite's lower() folds ASCII letters only, so a stored "\u0218tefan" stayed
    # "\u0218tefan" while the search looked for Python's "\u0219tefan": typed exactly as stored,
    # such a name or email was never found on SQLite (the demo's database); PostgreSQL found it
    make_customer(shop.shop, "s1", first_name="\u0218tefan", last_name="\u0106osi\u0107", email="\u00c9lodie@x.ro")
    make_customer(shop.shop, "s2", first_name="Ana", last_name="Mar\u0219")
    # when
    response = shop.get("/customers", query_string={"q": q})
    # then
    assert [item["external_id"] for item in response.json["items"]] == (["s2"] if q.lower() == "mar\u0219" else ["s1"])



SIMULATED_LINE = {"id": "l1", "product_id": "p1", "category_ids": [], "unit_price": "10.00", "quantity": 1}


@pytest.mark.parametrize("cart, field", [
    ({"currency": "JPY", "groups": [], "lines": [SIMULATED_LINE]}, "cart.currency"),
    ({"currency": "EUR", "groups": [], "lines": [{**SIMULATED_LINE, "quantity": 0}]}, "cart.lines[0].quantity"),
    ({"currency": "EUR", "groups": "vip", "lines": [SIMULATED_LINE]}, "cart.groups"),
    ({"currency": "EUR", "customer_id": 5, "lines": [SIMULATED_LINE]}, "cart.customer_id"),
    ({"currency": "EUR", "groups": [], "lines": [SIMULATED_LINE], "coupon": "X"}, "cart.coupon"),
])
def test_simulate_names_a_bad_cart_field_where_it_is_in_the_body(shop, cart, field):
    # given: SPEC §2 "refused with a message naming the field"; the body is {"rules", "cart"}, and
    # a rule's field was named "rules[0]...", a cart's "lines[0].quantity", as if at the top
    response = shop.post("/rules/simulate", json={"cart": cart})
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == [field]
    assert response.json["error"]["message"].startswith(f"{field}: ")



@pytest.mark.parametrize("q", ["Ana  Pop", "ana \tpop", "Pop  Ana", "Ana Pop"])
def test_a_name_typed_with_a_doubled_space_is_found_either_way_round(shop, make_customer, q):
    # given: "Pop  Ana" (last first) found her by its two words, "Ana  Pop" (first last) found nobody
    make_customer(shop.shop, "a1", first_name="Ana", last_name="Pop")
    response = shop.get("/customers", query_string={"q": q})
    assert [item["external_id"] for item in response.json["items"]] == ["a1"]


# SPEC §5 "customer-groups evaluate --rules RULES.json --cart CART.json": bad files --------------

SPEC_RULES = [{"id": "r1", "name": "VIP 20% on shoes", "kind": "discount", "groups": ["vip"], "priority": 10,
               "applies_to": {"categories": ["shoes"]}, "value": {"type": "percent", "amount": "20"}}]
SPEC_CART = {"currency": "EUR", "groups": ["vip"],
             "lines": [{"id": "l1", "product_id": "p1", "category_ids": ["shoes"], "unit_price": "100.00", "quantity": 2}]}


def _evaluate(tmp_path, capsys, rules: bytes, cart: bytes) -> tuple[int, str, str]:
    (tmp_path / "rules.json").write_bytes(rules)
    (tmp_path / "cart.json").write_bytes(cart)
    code = evaluate_main(["evaluate", "--rules", str(tmp_path / "rules.json"), "--cart", str(tmp_path / "cart.json")])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("which, content, message", [
    ("cart", json.dumps({**SPEC_CART, "lines": [{**SPEC_CART["lines"][0], "id": "Bra\u015fov"}]}).replace(
        "\\u015f", "\u015f").encode("cp1250"), "cart: cannot read"),
    ("rules", b"[" * 100_000 + b"]" * 100_000, "rules: "),
    ("cart", b"[" * 100_000 + b"]" * 100_000, "cart: "),
])
def test_a_file_that_is_not_utf8_or_nested_too_deep_is_one_line_and_exit_code_2(tmp_path, capsys, which, content, message):
    # given: a cart saved as Windows-1250, or JSON nested deeper than the parser goes: a traceback, exit code 1
    files = {"rules": json.dumps(SPEC_RULES).encode(), "cart": json.dumps(SPEC_CART).encode(), which: content}
    # when
    code, out, err = _evaluate(tmp_path, capsys, files["rules"], files["cart"])
    # then
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith(f"customer-groups: {message}"), err


def test_a_lone_surrogate_in_a_file_is_one_line_and_exit_code_2(tmp_path, capsys):
    # given: a line id "\ud800" priced, then half a cart printed and a traceback (UTF-8 cannot write it)
    cart = json.dumps({**SPEC_CART, "lines": [{**SPEC_CART["lines"][0], "id": "\ud800"}]}).encode()
    # when
    code, out, err = _evaluate(tmp_path, capsys, json.dumps(SPEC_RULES).encode(), cart)
    # then
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("customer-groups: cart: ") and "\\ud800" in err, err


def test_the_console_script_of_setup_cfg_prices_and_refuses_a_bad_file_in_one_line(tmp_path):
    # given: setup.cfg's console_scripts "customer-groups = rules.cli:main", installed beside this Python
    script = Path(sys.executable).with_name("customer-groups")
    if not script.exists():
        pytest.skip("the package is not installed in this environment (pip install -e .)")
    (tmp_path / "rules.json").write_text(json.dumps(SPEC_RULES))
    (tmp_path / "cart.json").write_text(json.dumps(SPEC_CART))
    (tmp_path / "bad.json").write_bytes(b"\xff")
    # when
    priced = subprocess.run([script, "evaluate", "--rules", tmp_path / "rules.json", "--cart", tmp_path / "cart.json"],
                            capture_output=True, text=True, check=False)
    refused = subprocess.run([script, "evaluate", "--rules", tmp_path / "rules.json", "--cart", tmp_path / "bad.json"],
                             capture_output=True, text=True, check=False)
    # then
    assert priced.returncode == 0 and json.loads(priced.stdout)["total"] == "160.00", priced.stderr
    assert refused.returncode == 2 and refused.stdout == "" and refused.stderr.count("\n") == 1, refused.stderr


@pytest.mark.parametrize("argv, message", [
    (["evaluate", "--rules", "r.json"], "the following arguments are required: --cart"),
    (["evaluate", "--rules", "r.json", "--cart", "c.json", "--bogus"], "unrecognized arguments: --bogus"),
    (["evaluate", "--rules"], "expected one argument"),
])
def test_a_usage_error_is_one_line_and_exit_code_2(capsys, argv, message):
    # given: README "Bad input exits with code 2 and one line on stderr"; argparse printed its usage first
    code = evaluate_main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("customer-groups") and message in err, err


# SPEC §5 "An import is all or nothing and names the first bad row and column" ----------------

@pytest.mark.parametrize("command, content, named", [
    ("import-customers", "external_id,city\nc-1,Cluj\nc-2,Bra\u015fov\n", "row 3, column city"),
    ("import-customers", "external_id,city\n" + "".join(f"c-{n},Cluj\n" for n in range(5000)) + "c-x,Bra\u015fov\n",
     "row 5002, column city"),
    ("import-customers", "external_id,ora\u015f\nc-1,Cluj\n", "row 1"),
    ("import-activities", "external_id,customer_external_id,location\na-1,c-1,Bra\u015fov\n", "row 2, column location"),
])
def test_a_byte_that_is_not_utf8_is_named_by_its_row_and_column(app, make_shop, make_customer, tmp_path,
                                                                 command, content, named):
    # given: a file saved as Windows-1250; the error said "row 1" wherever the byte was (the
    # first row of the 64 KiB the decoder was reading)
    shop = make_shop("Salon", timezone="Europe/Bucharest").shop
    make_customer(shop, "c-1")
    path = tmp_path / "file.csv"
    path.write_bytes(content.encode("cp1250"))
    # when
    result = app.test_cli_runner().invoke(args=["customer-groups", command, str(path), "--no-refresh"])
    # then
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {named}: ") and "not UTF-8" in lines[0], result.stderr


# SPEC §5 "flask --app APP customer-groups ...": README "bad input exits with code 2 and one line"

@pytest.mark.parametrize("command", ["frobnicate", "import-customer", "evaluate"])
def test_an_unknown_flask_command_is_one_line_and_exit_code_2(app, command):
    # given: click's group printed its usage block (four lines) for a mistyped command
    result = app.test_cli_runner().invoke(args=["customer-groups", command])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and repr(command) in lines[0], result.stderr


# SPEC §5 "Commands that touch a shop take --shop ID|NAME" ------------------------------------

def _members(app, *args: str):
    return app.test_cli_runner().invoke(args=["customer-groups", "members", "standard", *args])


def test_a_shop_reference_that_is_one_shops_id_and_anothers_name_is_refused_not_guessed(app, make_shop, make_customer):
    # given: a shop named "7" beside the shop whose id is 7; --shop 7 took whichever row the
    # database read first (PostgreSQL: the one updated least recently)
    first = make_shop("First").shop
    make_customer(first, "first-customer")
    named = make_shop(str(first.id)).shop
    make_customer(named, "named-customer")
    # when
    result = _members(app, "--shop", str(first.id))
    # then
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(named.id) in lines[0], result.stderr
    assert _members(app, "--shop", "First").stdout.split() == ["first-customer"]
    assert _members(app, "--shop", str(named.id)).stdout.split() == ["named-customer"]


@pytest.mark.parametrize("reference", ["99999999999999999999", "2147483648", "\uff13"])
def test_a_shop_reference_no_id_can_be_is_looked_up_as_a_name(app, make_shop, reference):
    # given: a number past the id column's range reached the database as an id (a traceback on
    # PostgreSQL: integer out of range); a fullwidth digit was taken as that id
    make_shop("Only")
    make_shop("\uff13")
    result = _members(app, "--shop", reference)
    if reference == "\uff13":
        assert result.exit_code == 0 and result.stdout == "", (result.stdout, result.stderr)
        return
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.strip().splitlines() == [f"error: No shop {reference!r}."]



@pytest.mark.parametrize("args", [["init-db"], ["members", "standard"], ["create-shop", "--name", "Early"]])
def test_a_database_that_cannot_be_opened_is_one_line_not_a_traceback(tmp_path, args):
    # given: DATABASE_URL naming a database that is not there (a folder that does not exist)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no' / 'such.db'}", "TESTING": True})
    # when
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["customer-groups", *args])
    # then
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot open the database: "), result.stderr


def test_create_shop_prints_exactly_id_name_and_key_with_the_synopsis_defaults(app):
    # given: SPEC §5 "create-shop --name N [--plan pro] [--currency EUR] [--timezone Europe/Bucharest]"
    result = app.test_cli_runner().invoke(args=["customer-groups", "create-shop", "--name", "Salon \u0218tefan"])
    # then: one JSON object on stdout, its keys in the synopsis' order, nothing else
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    printed = json.loads(result.stdout)
    assert list(printed) == ["id", "name", "api_key"] and result.stdout.count("\n") == 1
    assert printed["name"] == "Salon \u0218tefan" and isinstance(printed["id"], int)
    shop = session().get(Shop, printed["id"])
    assert (shop.plan, shop.currency, shop.timezone) == ("pro", "EUR", "Europe/Bucharest")


def test_a_shop_name_is_stored_without_its_surrounding_spaces_so_it_cannot_be_taken_twice(app):
    # given: "Salon " was a second shop beside "Salon", reachable only as --shop "Salon "
    runner = app.test_cli_runner()
    created = runner.invoke(args=["customer-groups", "create-shop", "--name", "  Salon  "])
    # when
    again = runner.invoke(args=["customer-groups", "create-shop", "--name", "Salon "])
    # then
    assert json.loads(created.stdout)["name"] == "Salon"
    assert again.exit_code == 2 and again.stderr.strip() == "error: A shop named 'Salon' exists already."
    assert runner.invoke(args=["customer-groups", "members", "standard", "--shop", "Salon"]).exit_code == 0
