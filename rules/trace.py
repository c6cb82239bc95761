"""Words for the trace: why each rule of the ruleset did or did not apply to a cart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .model import Rule
from .money import format_minor
from .result import PricedCart, TraceEntry
from .ruleset import CompiledRule, Ruleset
from .stages.state import Event, LostOnLine

# Events that concern one line carry its position first; the same reason on several
# lines reads as one sentence naming them all.
_PER_LINE = frozenset({"already_increased", "no_change", "all_bundled", "lost", "nothing_left"})


def not_live_reason(rule: Rule, now: datetime) -> str | None:
    """Why the rule is not live at ``now`` (disabled or outside its window), or None."""
    if not rule.enabled:
        return "disabled"
    if rule.starts_at is not None and now < rule.starts_at:
        return f"not started yet (starts {rule.starts_at.isoformat()})"
    if rule.ends_at is not None and now >= rule.ends_at:
        return f"ended {rule.ends_at.isoformat()}"
    return None


@dataclass(frozen=True, slots=True)
class Explanation:
    """What an evaluation noted, kept raw so a checkout that never shows a trace pays nothing."""

    ruleset: Ruleset
    candidates: frozenset[int]
    now: datetime
    currency: str
    line_ids: tuple[str, ...]
    events: tuple[Event, ...]
    line_candidates: tuple[tuple[CompiledRule, tuple[int, ...]], ...]
    lost: tuple[LostOnLine, ...]
    bundled_out: tuple[int, ...]

    def __call__(self, priced: PricedCart) -> tuple[TraceEntry, ...]:
        events: dict[int, list[Event]] = {}
        for event in self.events:
            events.setdefault(event[0], []).append(event)
        for line in self.bundled_out:
            for rule in self._line_candidates(line):
                events.setdefault(rule.index, []).append((rule.index, "all_bundled", (line,)))
        for line, chosen in self.lost:
            winners = [rule for rule, _ in chosen]
            for rule in self._line_candidates(line):
                if rule not in winners:
                    events.setdefault(rule.index, []).append((rule.index, "lost", (line, winners[0].index)))
        effects: dict[str, list[str]] = {}
        for line in priced.lines:
            for adjustment in line.adjustments:
                sign = "+" if adjustment.amount_minor > 0 else ""
                effects.setdefault(adjustment.rule_id, []).append(
                    f"{sign}{self._money(adjustment.amount_minor)} on {line.id}"
                )
        for gift in priced.gifts:
            effects.setdefault(gift.rule_id, []).append(f"gift {gift.quantity} × {gift.name}")
        applied = set(priced.applied_rules)
        entries = []
        for compiled in self.ruleset.rules:
            rule = compiled.rule
            notes = self._notes(events.get(compiled.index, ()))
            if rule.id in applied:
                message = f"{rule.name} applied: " + "; ".join(effects.get(rule.id, []) + notes)
            else:
                reason = self._not_candidate_reason(compiled.index, rule)
                reasons = [reason] if reason else notes or ["no effect"]
                message = f"{rule.name} skipped: " + "; ".join(reasons)
            entries.append(TraceEntry(rule.id, rule.name, rule.id in applied, message))
        return tuple(entries)

    def _line_candidates(self, line: int) -> list[CompiledRule]:
        return [rule for rule, lines in self.line_candidates if line in lines]

    def _not_candidate_reason(self, position: int, rule: Rule) -> str | None:
        reason = not_live_reason(rule, self.now)
        if reason is None and position not in self.candidates:
            reason = f"only for groups {', '.join(rule.groups)}, and the customer is in none of them"
        return reason

    def _money(self, units: int) -> str:
        return f"{format_minor(units, self.currency)} {self.currency}"

    def _rule_name(self, position: int) -> str:
        return self.ruleset.rules[position].rule.name

    def _notes(self, events: Sequence[Event]) -> list[str]:
        grouped: dict[tuple[Any, ...], list[str]] = {}
        notes: list[str] = []
        for _, code, details in events:
            if code in _PER_LINE:
                grouped.setdefault((code, *details[1:]), []).append(self.line_ids[details[0]])
            else:
                notes.append(self._sentence(code, details))
        for (code, *details), lines in grouped.items():
            notes.append(self._line_sentence(code, details, ", ".join(lines)))
        return notes

    def _sentence(self, code: str, details: tuple[Any, ...]) -> str:
        if code == "no_lines":
            return "no eligible line in the cart"
        if code == "min_subtotal":
            return f"subtotal below {self._money(details[1])}"
        if code == "min_quantity":
            return f"quantity below {details[1]}"
        if code == "incomplete":
            return f"no complete set (component {details[0]} lacks units)"
        if code == "no_saving":
            worth, price = details
            return f"no set formed: one would cost {self._money(price)}, not less than its units' {self._money(worth)}"
        if code == "sets":
            return f"{details[0]} set{'s' if details[0] != 1 else ''} formed"
        if code == "no_more_sets":
            worth, price = details
            return f"the next would cost {self._money(price)}, not less than its units' {self._money(worth)}"
        if code == "lost_order":
            return f"lost to {self._rule_name(details[0])}, which takes more off the order"
        if code == "nothing_left_order":
            return "nothing left to discount"
        if code == "empty_cart":
            return "the cart is empty"
        if code == "trigger_no_lines":
            return "no line matches the trigger"
        if code == "trigger_quantity":
            return f"trigger quantity below {details[1]}"
        if code == "trigger_subtotal":
            return f"trigger subtotal below {self._money(details[1])}"
        if code == "capped":
            return f"capped at {details[1]} (would give {details[0]})"
        return code

    def _line_sentence(self, code: str, details: list[Any], lines: str) -> str:
        if code == "already_increased":
            return f"{lines} already increased by {self._rule_name(details[0])}"
        if code == "no_change":
            return f"no change on {lines}"
        if code == "all_bundled":
            return f"all units of {lines} are in bundles"
        if code == "lost":
            return f"lost to {self._rule_name(details[0])} on {lines}"
        return f"nothing left to discount on {lines}"
