"""An outside checker's hand-computed SPEC §2 carts, run through `customer-groups evaluate`.

The cases (blind_cases_*.py) were written from SPEC §2 and docs/pricing.md alone; the command is
the engine as a checker meets it: files in, JSON out, bad input one line on stderr and exit 2.
Every case goes through the command's entry point in-process (the console script calls the same
``main``); the installed script itself is run for one priced cart and one refusal."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rules.cli import main
from tests.rules.blind_cases_edges import BAD_INPUTS as MORE_BAD_INPUTS, CASES as EDGE_CASES
from tests.rules.blind_cases_rules import BAD_INPUTS as SPEC_BAD_INPUTS, CASES as RULE_CASES
from tests.rules.blind_cases_stages import CASES as STAGE_CASES
from tests.rules.blind_spec_builders import cart, line, project

CASES = STAGE_CASES + RULE_CASES + EDGE_CASES
BAD_INPUTS = SPEC_BAD_INPUTS + MORE_BAD_INPUTS
SCRIPT = str(Path(sys.executable).with_name("customer-groups"))


def _files(tmp_path: Path, rules_text: str, cart_text: str) -> list[str]:
    rules_file, cart_file = tmp_path / "rules.json", tmp_path / "cart.json"
    rules_file.write_text(rules_text)
    cart_file.write_text(cart_text)
    return ["evaluate", "--rules", str(rules_file), "--cart", str(cart_file)]


def evaluate(tmp_path: Path, capsys, rules_text: str, cart_text: str) -> tuple[int, str, str]:
    code = main(_files(tmp_path, rules_text, cart_text))
    out, err = capsys.readouterr()
    return code, out, err


def test_there_are_at_least_fifty_distinct_carts():
    assert len(CASES) >= 50
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_cli_prices_the_cart_as_computed_by_hand(tmp_path, capsys, case):
    # given
    expected = case.expected()
    # when
    code, out, err = evaluate(tmp_path, capsys, json.dumps(case.rules), json.dumps(case.cart))
    # then
    assert code == 0, err
    assert project(json.loads(out)) == expected, case.cite


@pytest.mark.parametrize("name, cite, rules, bad_cart, field", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_cli_refuses_bad_input_naming_the_field(tmp_path, capsys, name, cite, rules, bad_cart, field):
    code, out, err = evaluate(tmp_path, capsys, json.dumps(rules), json.dumps(bad_cart))
    assert code == 2, cite
    assert out == ""
    message = err.rstrip("\n")
    assert "\n" not in message and field in message, message


@pytest.mark.parametrize("which", ["rules", "cart"])
def test_cli_refuses_malformed_json_in_one_line(tmp_path, capsys, which):
    good_rules, good_cart = "[]", json.dumps(cart(line("l1", "p1", "1.00")))
    rules_text, cart_text = ("[{", good_cart) if which == "rules" else (good_rules, '{"currency": "EUR",')
    code, _, err = evaluate(tmp_path, capsys, rules_text, cart_text)
    assert code == 2
    message = err.rstrip("\n")
    assert "\n" not in message and which in message and "JSON" in message, message


def test_the_installed_script_prices_and_refuses(tmp_path):
    case = CASES[1]  # all four stages on one cart
    priced = subprocess.run([SCRIPT, *_files(tmp_path, json.dumps(case.rules), json.dumps(case.cart))],
                            capture_output=True, text=True, timeout=60)
    assert priced.returncode == 0, priced.stderr
    assert project(json.loads(priced.stdout)) == case.expected()
    name, cite, rules, bad_cart, field = BAD_INPUTS[0]
    refused = subprocess.run([SCRIPT, *_files(tmp_path, json.dumps(rules), json.dumps(bad_cart))],
                             capture_output=True, text=True, timeout=60)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr.count("\n") == 1 and field in refused.stderr
