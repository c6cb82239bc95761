"""Customer Groups' pricing rules engine: pure Python, no Flask, no database."""

from __future__ import annotations

from .engine import evaluate
from .errors import RuleError, ValidationError
from .model import AppliesTo, Cart, Component, Conditions, Gift, Line, Rule, Trigger, Value
from .money import Money, allocate
from .parsing import parse_cart, parse_rule, parse_rules, rule_to_json
from .result import Adjustment, GiftLine, PricedCart, PricedLine, TraceEntry
from .ruleset import Ruleset, compile_rules

__all__ = [
    "Adjustment",
    "AppliesTo",
    "Cart",
    "Component",
    "Conditions",
    "Gift",
    "GiftLine",
    "Line",
    "Money",
    "PricedCart",
    "PricedLine",
    "Rule",
    "RuleError",
    "Ruleset",
    "TraceEntry",
    "Trigger",
    "ValidationError",
    "Value",
    "allocate",
    "compile_rules",
    "evaluate",
    "parse_cart",
    "parse_rule",
    "parse_rules",
    "rule_to_json",
]
