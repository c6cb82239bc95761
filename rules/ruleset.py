"""A shop's rules compiled once: sorted into rule order and indexed by group for fast checkouts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType

from .errors import ValidationError
from .model import Component, Rule, Trigger
from .money import minor_fraction, to_minor

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def epoch_microseconds(moment: datetime) -> int:
    """An aware datetime as exact integer microseconds since 1970-01-01 UTC."""
    return (moment - _EPOCH) // _MICROSECOND


def percent_fraction(percent: Decimal) -> tuple[int, int]:
    """``percent / 100`` as an exact integer fraction, so the hot path never touches Decimal."""
    numerator, denominator = percent.as_integer_ratio()
    return numerator, denominator * 100


@dataclass(frozen=True, slots=True)
class CompiledMatcher:
    """Product and category sets of a component or trigger, as frozensets for O(1) lookups."""

    products: frozenset[str]
    categories: frozenset[str]

    @classmethod
    def of(cls, item: Component | Trigger) -> CompiledMatcher:
        return cls(frozenset(item.products), frozenset(item.categories))


@dataclass(frozen=True, slots=True, eq=False)
class CompiledRule:
    """A rule with its position in rule order and everything evaluation would otherwise recompute.

    Compared by identity: a ruleset holds each rule once.
    """

    index: int
    rule: Rule
    #: (id, name, kind), as every adjustment of this rule names it.
    label: tuple[str, str, str]
    combinable: bool
    #: The window as integer microseconds since the epoch: comparing aware datetimes with
    #: different offsets costs a microsecond each, comparing ints almost nothing.
    starts_us: int | None
    ends_us: int | None
    products: frozenset[str]
    categories: frozenset[str]
    exclude_products: frozenset[str]
    exclude_categories: frozenset[str]
    percent: tuple[int, int] | None
    components: tuple[tuple[CompiledMatcher, int], ...]
    trigger: CompiledMatcher | None
    #: currency -> the value's amount in minor units; filled on first use, never changes after.
    minor_amounts: dict[str, int] = field(default_factory=dict, repr=False)
    #: currency -> the value's exact amount in minor units as (numerator, denominator).
    minor_fractions: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, index: int, rule: Rule) -> CompiledRule:
        value = rule.value
        return cls(
            index=index,
            rule=rule,
            label=(rule.id, rule.name, rule.kind),
            combinable=rule.combinable,
            starts_us=None if rule.starts_at is None else epoch_microseconds(rule.starts_at),
            ends_us=None if rule.ends_at is None else epoch_microseconds(rule.ends_at),
            products=frozenset(rule.applies_to.products),
            categories=frozenset(rule.applies_to.categories),
            exclude_products=frozenset(rule.applies_to.exclude_products),
            exclude_categories=frozenset(rule.applies_to.exclude_categories),
            percent=percent_fraction(value.amount) if value is not None and value.type == "percent" else None,
            components=tuple((CompiledMatcher.of(c), c.quantity) for c in rule.components),
            trigger=CompiledMatcher.of(rule.trigger) if rule.trigger is not None else None,
        )

    def is_live_at(self, now_us: int) -> bool:
        """Enabled and ``starts_at <= now < ends_at``, with ``now`` from ``epoch_microseconds``."""
        if not self.rule.enabled:
            return False
        if self.starts_us is not None and now_us < self.starts_us:
            return False
        return self.ends_us is None or now_us < self.ends_us

    def minor_amount(self, currency: str) -> int:
        """The value's amount (fixed, order_fixed, fixed_price) in the cart's minor units, half-up."""
        amount = self.minor_amounts.get(currency)
        if amount is None:
            assert self.rule.value is not None
            amount = self.minor_amounts[currency] = to_minor(self.rule.value.amount, currency)
        return amount

    def minor_fraction(self, currency: str) -> tuple[int, int]:
        """The value's exact amount in the cart's minor units, unrounded, as an integer fraction
        (``"99.5"`` in JPY is (199, 2)): a fixed discount per unit is rounded per line, not per unit."""
        fraction = self.minor_fractions.get(currency)
        if fraction is None:
            assert self.rule.value is not None
            fraction = self.minor_fractions[currency] = minor_fraction(self.rule.value.amount, currency)
        return fraction


@dataclass(frozen=True, slots=True)
class Selection:
    """The rules targeting one combination of groups, in rule order, split by pricing stage."""

    targeted: tuple[CompiledRule, ...]
    increases: tuple[CompiledRule, ...]
    bundles: tuple[CompiledRule, ...]
    line_discounts: tuple[CompiledRule, ...]
    order_discounts: tuple[CompiledRule, ...]
    gifts: tuple[CompiledRule, ...]

    @classmethod
    def of(cls, targeted: list[CompiledRule]) -> Selection:
        stages: dict[str, list[CompiledRule]] = {
            "increase": [], "bundle": [], "line_discount": [], "order_discount": [], "gift": []
        }
        for compiled in targeted:
            rule = compiled.rule
            if rule.kind == "discount":
                order_wide = rule.value is not None and rule.value.type == "order_fixed"
                stages["order_discount" if order_wide else "line_discount"].append(compiled)
            else:
                stages[rule.kind].append(compiled)
        return cls(
            targeted=tuple(targeted),
            increases=tuple(stages["increase"]),
            bundles=tuple(stages["bundle"]),
            line_discounts=tuple(stages["line_discount"]),
            order_discounts=tuple(stages["order_discount"]),
            gifts=tuple(stages["gift"]),
        )


#: Group combinations whose selection a ruleset remembers; customers share few combinations.
SELECTION_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class Ruleset:
    """Rules in rule order, with the rules of each group listed by position.

    The plugin caches one per shop; evaluating then only looks at the rules of the
    customer's groups instead of scanning all of them, and remembers that choice per
    combination of groups (a plain dict: the selection depends on nothing else).
    """

    rules: tuple[CompiledRule, ...]
    by_group: Mapping[str, tuple[int, ...]]
    selections: dict[frozenset[str], Selection] = field(default_factory=dict, repr=False, compare=False)

    def for_groups(self, groups: Iterable[str]) -> list[CompiledRule]:
        """The rules targeting any of ``groups``, in rule order."""
        by_group = self.by_group
        positions: set[int] = set()
        for group in groups:
            positions.update(by_group.get(group, ()))
        rules = self.rules
        return [rules[position] for position in sorted(positions)]

    def select(self, groups: frozenset[str]) -> Selection:
        """``for_groups`` split by stage, remembered for the next customer in the same groups."""
        selection = self.selections.get(groups)
        if selection is None:
            if len(self.selections) >= SELECTION_CACHE_SIZE:
                self.selections.clear()
            selection = self.selections[groups] = Selection.of(self.for_groups(groups))
        return selection

    def __iter__(self) -> Iterator[Rule]:
        return (compiled.rule for compiled in self.rules)

    def __len__(self) -> int:
        return len(self.rules)


def compile_rules(rules: Iterable[Rule]) -> Ruleset:
    """Sort once into rule order (priority, id) and index by group key; ids must be unique."""
    ordered = sorted(rules, key=lambda rule: rule.order_key)
    seen: set[str] = set()
    for rule in ordered:
        if rule.id in seen:
            raise ValidationError("id", f"duplicate rule id {rule.id!r}")
        seen.add(rule.id)
    compiled = tuple(CompiledRule.of(index, rule) for index, rule in enumerate(ordered))
    by_group: dict[str, list[int]] = {}
    for item in compiled:
        for group in dict.fromkeys(item.rule.groups):
            by_group.setdefault(group, []).append(item.index)
    return Ruleset(
        rules=compiled,
        by_group=MappingProxyType({group: tuple(indexes) for group, indexes in by_group.items()}),
    )
