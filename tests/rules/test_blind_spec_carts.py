"""An outside checker's hand-computed SPEC §2 carts, run through `customer-groups evaluate`.

The cases (blind_cases_*.py) were written from SPEC §2 and docs/pricing.md alone; the command is
the engine as a checker meets it: files in, JSON out, bad input one line on stderr and exit 2."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rules.blind_cases_edges import BAD_INPUTS as MORE_BAD_INPUTS, CASES as EDGE_CASES
from tests.rules.blind_cases_rules import BAD_INPUTS as SPEC_BAD_INPUTS, CASES as RULE_CASES
from tests.rules.blind_cases_stages import CASES as STAGE_CASES
from tests.rules.blind_spec_builders import cart, line, project

CASES = STAGE_CASES + RULE_CASES + EDGE_CASES
BAD_INPUTS = SPEC_BAD_INPUTS + MORE_BAD_INPUTS
COMMAND = str(Path(sys.executable).with_name("customer-groups"))


def evaluate(tmp_path: Path, rules_text: str, cart_text: str) -> subprocess.CompletedProcess:
    rules_file, cart_file = tmp_path / "rules.json", tmp_path / "cart.json"
    rules_file.write_text(rules_text)
    cart_file.write_text(cart_text)
    return subprocess.run([COMMAND, "evaluate", "--rules", str(rules_file), "--cart", str(cart_file)],
                          capture_output=True, text=True, timeout=60)


def test_there_are_at_least_fifty_distinct_carts():
    assert len(CASES) >= 50
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_cli_prices_the_cart_as_computed_by_hand(tmp_path, case):
    # given
    expected = case.expected()
    # when
    result = evaluate(tmp_path, json.dumps(case.rules), json.dumps(case.cart))
    # then
    assert result.returncode == 0, result.stderr
    assert project(json.loads(result.stdout)) == expected, case.cite


@pytest.mark.parametrize("name, cite, rules, bad_cart, field", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_cli_refuses_bad_input_naming_the_field(tmp_path, name, cite, rules, bad_cart, field):
    result = evaluate(tmp_path, json.dumps(rules), json.dumps(bad_cart))
    assert result.returncode == 2, cite
    assert result.stdout == ""
    message = result.stderr.rstrip("\n")
    assert "\n" not in message and field in message, message


@pytest.mark.parametrize("which", ["rules", "cart"])
def test_cli_refuses_malformed_json_in_one_line(tmp_path, which):
    good_rules, good_cart = "[]", json.dumps(cart(line("l1", "p1", "1.00")))
    rules_text, cart_text = ("[{", good_cart) if which == "rules" else (good_rules, '{"currency": "EUR",')
    result = evaluate(tmp_path, rules_text, cart_text)
    assert result.returncode == 2
    message = result.stderr.rstrip("\n")
    assert "\n" not in message and which in message and "JSON" in message, message
