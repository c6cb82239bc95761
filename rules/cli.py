"""The ``customer-groups`` console script: price a cart with the engine alone, no database."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from .engine import evaluate
from .errors import ValidationError
from .parsing import parse_cart, parse_rules
from .ruleset import compile_rules

#: Commands that need the plugin's database; they live on ``flask``, not here.
FLASK_COMMANDS = (
    "init-db", "create-shop", "import-customers", "import-activities", "refresh", "members", "export", "schedule-refresh",
)

_FLASK_HINT = (
    "the database commands ({}) run under Flask: flask --app APP customer-groups COMMAND ..., "
    "e.g. flask --app examples.demo_shop:create_app customer-groups init-db"
).format(", ".join(FLASK_COMMANDS))

EXIT_BAD_INPUT = 2


class _OneLineParser(argparse.ArgumentParser):
    """A usage error is one line on stderr and exit code 2, like every other bad input here."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="customer-groups",
        description="Price a cart with Customer Groups' pricing rules (no database).",
        epilog="The database commands run under Flask:\n"
        "  flask --app APP customer-groups {" + ",".join(FLASK_COMMANDS) + "} ...\n"
        "e.g. flask --app examples.demo_shop:create_app customer-groups init-db",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    evaluate_parser = commands.add_parser(
        "evaluate", help="print the priced cart as JSON", description="Print the priced cart as JSON."
    )
    evaluate_parser.add_argument("--rules", required=True, metavar="RULES.json",
                                 help="a JSON list of rules (or an object with a \"rules\" or \"items\" list)")
    evaluate_parser.add_argument("--cart", required=True, metavar="CART.json",
                                 help="the cart, with the customer's \"groups\"")
    evaluate_parser.add_argument("--trace", action="store_true", help="explain why each rule did or did not apply")
    return parser


def _load_json(path: str, field: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise ValidationError(field, f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ValidationError(field, f"cannot read {path}: not UTF-8 text (byte {error.start + 1})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            field, f"malformed JSON in {path} at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise ValidationError(field, f"JSON in {path} is nested too deeply to read") from None
    try:  # an escaped lone surrogate parses, but no UTF-8 output can hold it
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValidationError(field, f"{path} holds {error.object[error.start]!r}, a lone surrogate, not text") from None
    return data


def _evaluate(arguments: argparse.Namespace) -> dict[str, Any]:
    rules_data = _load_json(arguments.rules, "rules")
    if isinstance(rules_data, dict) and len(rules_data) == 1 and set(rules_data) <= {"rules", "items"}:
        rules_data = next(iter(rules_data.values()))  # an import body, or GET /rules/export's answer
    try:
        rules = parse_rules(rules_data)
    except ValidationError as error:
        raise error.prefixed("rules") from None
    cart_data = _load_json(arguments.cart, "cart")
    try:
        cart = parse_cart(cart_data)
    except ValidationError as error:
        raise error.prefixed("cart") from None
    return evaluate(compile_rules(rules), cart).to_json(trace=arguments.trace)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 done, 2 bad input or usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((argument for argument in argv if not argument.startswith("-")), None)
    if first is not None and first != "evaluate":
        known = "unknown" if first not in FLASK_COMMANDS else "database"
        print(f"customer-groups: {first!r} is not a command here ({known} command); {_FLASK_HINT}", file=sys.stderr)
        return EXIT_BAD_INPUT
    parser = _parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if arguments.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        priced = _evaluate(arguments)
    except ValidationError as error:
        print(f"customer-groups: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        json.dump(priced, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (``| head``): what it took is its choice, not an error here.
        # Python's own flush at exit would fail again and print a traceback: point stdout nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
