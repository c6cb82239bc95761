"""The ``customer-groups evaluate`` console script: JSON out, exit code 2 and one line on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pricing_builders import cart, discount, line

from rules.cli import main

SPEC_RULES = [discount("r1", "20", name="VIP 20% on shoes", applies_to={"categories": ["shoes"]})]
SPEC_CART = cart([line("l1", "100.00", 2, categories=("shoes",))])


@pytest.fixture
def write(tmp_path: Path):
    def write(name: str, content: Any) -> str:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        return str(path)

    return write


def test_evaluate_prints_the_priced_cart(write, capsys: pytest.CaptureFixture[str]) -> None:
    # given
    argv = ["evaluate", "--rules", write("rules.json", SPEC_RULES), "--cart", write("cart.json", SPEC_CART)]

    # when
    code = main(argv)

    # then
    out, err = capsys.readouterr()
    assert code == 0
    assert err == ""
    priced = json.loads(out)
    assert priced["total"] == "160.00"
    assert priced["lines"][0]["adjustments"][0]["amount"] == "-40.00"
    assert "trace" not in priced


def test_a_reader_that_stops_early_is_no_error(write) -> None:
    # given: `customer-groups evaluate ... | head -1` printed a BrokenPipeError traceback
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte
    argv = ["evaluate", "--rules", write("rules.json", SPEC_RULES), "--cart", write("cart.json", SPEC_CART)]
    # when
    done = subprocess.run([sys.executable, "-m", "rules.cli", *argv], stdout=write_end, stderr=subprocess.PIPE,
                          text=True, timeout=60)
    os.close(write_end)
    # then
    assert (done.returncode, done.stderr) == (0, "")


def test_trace_on_request(write, capsys: pytest.CaptureFixture[str]) -> None:
    rules_file, cart_file = write("r.json", {"rules": SPEC_RULES}), write("c.json", SPEC_CART)
    argv = ["evaluate", "--trace", "--rules", rules_file, "--cart", cart_file]
    assert main(argv) == 0
    trace = json.loads(capsys.readouterr().out)["trace"]
    assert trace == [{"rule_id": "r1", "rule_name": "VIP 20% on shoes", "applied": True,
                      "message": "VIP 20% on shoes applied: -40.00 EUR on l1"}]


def test_reads_the_apis_rule_export(write, capsys: pytest.CaptureFixture[str]) -> None:
    # given: a file saved from GET /rules/export, whose answer is {"items": [...]}
    rules_file, cart_file = write("export.json", {"items": SPEC_RULES}), write("c.json", SPEC_CART)

    # when
    code = main(["evaluate", "--rules", rules_file, "--cart", cart_file])

    # then
    assert code == 0
    assert json.loads(capsys.readouterr().out)["total"] == "160.00"


@pytest.mark.parametrize(
    ("rules", "cart_data", "field"),
    [
        ("[{", SPEC_CART, "rules: malformed JSON"),
        (SPEC_RULES, "{\"currency\": ", "cart: malformed JSON"),
        ([discount("r1", "120")], SPEC_CART, "rules[0].value.amount: "),
        ([{**discount("r1"), "kind": "coupon"}], SPEC_CART, "rules[0].kind: "),
        (SPEC_RULES, cart([line("l1", "-1.00")]), "cart.lines[0].unit_price: "),
        (SPEC_RULES, cart([line("l1", "1.00", 0)]), "cart.lines[0].quantity: "),
        (SPEC_RULES, cart([line("l1", "1.00")], currency="XYZ"), "cart.currency: "),
        (SPEC_RULES, cart([line("l1", "1" * 41)]), "cart.lines[0].unit_price: must be at most"),
        (SPEC_RULES, cart([line("l1", "1.00", 10**30)]), "cart.lines[0].quantity: must be at most"),
        ([discount("r1", "1" * 41, "order_fixed")], SPEC_CART, "rules[0].value.amount: must be at most"),
    ],
)
def test_bad_input_exits_2_with_one_line(write, capsys, rules: Any, cart_data: Any, field: str) -> None:
    # given
    argv = ["evaluate", "--rules", write("rules.json", rules), "--cart", write("cart.json", cart_data)]

    # when
    code = main(argv)

    # then
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert field in err


def test_missing_file_exits_2(write, capsys) -> None:
    assert main(["evaluate", "--rules", "/nonexistent/rules.json", "--cart", write("c.json", SPEC_CART)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rules: cannot read" in err


@pytest.mark.parametrize("command", ["init-db", "refresh", "members", "frobnicate"])
def test_other_commands_point_to_flask(capsys, command: str) -> None:
    assert main([command]) == 2
    err = capsys.readouterr().err
    assert "flask --app APP customer-groups" in err
    assert err.count("\n") == 1


def test_every_flask_command_is_named_a_database_command(capsys) -> None:
    # given: the commands `flask customer-groups` has, schedule-refresh among them
    assert main(["schedule-refresh", "--every", "60"]) == 2

    # then
    err = capsys.readouterr().err
    assert "(database command)" in err and "schedule-refresh)" in err


def test_usage_errors_exit_2(capsys) -> None:
    assert main(["evaluate", "--rules", "x.json"]) == 2
    assert main([]) == 2


def test_help_mentions_the_flask_commands(capsys) -> None:
    assert main(["--help"]) == 0
    assert "flask --app APP customer-groups" in capsys.readouterr().out
