"""A shop's rules compiled once: sorted into rule order and indexed by group for fast checkouts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from .errors import ValidationError
from .model import Component, Line, Rule, Trigger


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

    @property
    def matches_anything(self) -> bool:
        return not self.products and not self.categories

    def matches(self, line: Line) -> bool:
        if not self.products and not self.categories:
            return True
        return line.product_id in self.products or not line.category_set.isdisjoint(self.categories)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its position in rule order and everything evaluation would otherwise recompute."""

    index: int
    rule: Rule
    products: frozenset[str]
    categories: frozenset[str]
    exclude_products: frozenset[str]
    exclude_categories: frozenset[str]
    percent: tuple[int, int] | None
    components: tuple[tuple[CompiledMatcher, int], ...]
    trigger: CompiledMatcher | None

    @classmethod
    def of(cls, index: int, rule: Rule) -> CompiledRule:
        value = rule.value
        return cls(
            index=index,
            rule=rule,
            products=frozenset(rule.applies_to.products),
            categories=frozenset(rule.applies_to.categories),
            exclude_products=frozenset(rule.applies_to.exclude_products),
            exclude_categories=frozenset(rule.applies_to.exclude_categories),
            percent=percent_fraction(value.amount) if value is not None and value.type == "percent" else None,
            components=tuple((CompiledMatcher.of(c), c.quantity) for c in rule.components),
            trigger=CompiledMatcher.of(rule.trigger) if rule.trigger is not None else None,
        )

    @property
    def whole_catalogue(self) -> bool:
        return not self.products and not self.categories

    @property
    def has_exclusions(self) -> bool:
        return bool(self.exclude_products or self.exclude_categories)

    def excludes(self, line: Line) -> bool:
        return line.product_id in self.exclude_products or not line.category_set.isdisjoint(
            self.exclude_categories
        )


@dataclass(frozen=True, slots=True)
class Ruleset:
    """Rules in rule order, with the rules of each group listed by position.

    The plugin caches one per shop; evaluating then only looks at the rules of the
    customer's groups instead of scanning all of them.
    """

    rules: tuple[CompiledRule, ...]
    by_group: Mapping[str, tuple[int, ...]]

    def for_groups(self, groups: Iterable[str]) -> list[CompiledRule]:
        """The rules targeting any of ``groups``, in rule order."""
        by_group = self.by_group
        positions: set[int] = set()
        for group in groups:
            positions.update(by_group.get(group, ()))
        rules = self.rules
        return [rules[position] for position in sorted(positions)]

    def __iter__(self) -> Iterator[Rule]:
        return (compiled.rule for compiled in self.rules)

    def __len__(self) -> int:
        return len(self.rules)


def compile_rules(rules: Iterable[Rule]) -> Ruleset:
    """Sort once into rule order (priority, id) and index by group key; ids must be unique."""
    ordered = sorted(rules, key=lambda rule: (rule.priority, rule.id))
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
