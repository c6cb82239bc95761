"""The engine's inputs as frozen data: rules, carts and their lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from .money import Money

RuleKind = Literal["discount", "increase", "gift", "bundle"]
ValueType = Literal["percent", "fixed", "order_fixed", "fixed_price"]

RULE_KINDS: tuple[str, ...] = ("discount", "increase", "gift", "bundle")

#: The most units a line, a gift line or any count in a rule may hold: keeps every quantity
#: the priced cart carries within a 64-bit JSON integer.
MAX_QUANTITY = 1_000_000

#: Which value types each kind accepts (gift rules carry no value).
VALUE_TYPES_BY_KIND: dict[str, tuple[str, ...]] = {
    "discount": ("percent", "fixed", "order_fixed"),
    "increase": ("percent", "fixed"),
    "bundle": ("fixed_price", "percent"),
    "gift": (),
}


@dataclass(frozen=True, slots=True)
class AppliesTo:
    """Which lines a rule may touch; naming no products and no categories means all of them."""

    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    exclude_products: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Value:
    """What the rule does: a percent, an amount per unit, an amount per order, a set price."""

    type: ValueType
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Conditions:
    """Thresholds measured over the rule's eligible lines at base prices."""

    min_subtotal: Decimal | None = None
    min_quantity: int | None = None

    @property
    def empty(self) -> bool:
        return self.min_subtotal is None and self.min_quantity is None


@dataclass(frozen=True, slots=True)
class Trigger:
    """When a gift rule gives its gift; naming no products and no categories means the whole cart."""

    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    min_quantity: int | None = None
    min_subtotal: Decimal | None = None

    @property
    def names_items(self) -> bool:
        return bool(self.products or self.categories)


@dataclass(frozen=True, slots=True)
class Gift:
    product_id: str
    name: str
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class Component:
    """One slot of a bundle: ``quantity`` units of the listed products or categories (any when none)."""

    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class Rule:
    """A pricing rule: who it targets, when it is live, which lines it touches, what it does.

    Build rules with ``parse_rule``: it checks what these dataclasses take on trust.
    """

    id: str
    name: str
    kind: RuleKind
    groups: tuple[str, ...]
    value: Value | None = None
    priority: int = 0
    combinable: bool = False
    enabled: bool = True
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    applies_to: AppliesTo = AppliesTo()
    conditions: Conditions = Conditions()
    trigger: Trigger | None = None
    gift: Gift | None = None
    repeat: bool = False
    max_per_order: int | None = None
    components: tuple[Component, ...] = ()

    @property
    def order_key(self) -> tuple[int, str]:
        """Rule order is (priority, id): the order rules are listed or stored never matters."""
        return (self.priority, self.id)

    def is_live_at(self, now: datetime) -> bool:
        """Live for ``starts_at <= now < ends_at``; a missing bound is open."""
        if self.starts_at is not None and now < self.starts_at:
            return False
        return self.ends_at is None or now < self.ends_at


@dataclass(frozen=True, slots=True)
class Line:
    """One cart line; ``unit_price`` is the base price before any rule."""

    id: str
    product_id: str
    unit_price: Money
    quantity: int
    category_ids: tuple[str, ...] = ()
    category_set: frozenset[str] = field(init=False, repr=False, compare=False)
    base_minor: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Precomputed once at parse time so evaluation never converts a Decimal.
        object.__setattr__(self, "category_set", frozenset(self.category_ids))
        object.__setattr__(self, "base_minor", self.unit_price.minor_units)


@dataclass(frozen=True, slots=True)
class Cart:
    """A cart to price; ``groups`` and ``now`` may also be passed to ``evaluate`` directly."""

    currency: str
    lines: tuple[Line, ...]
    groups: tuple[str, ...] | None = None
    now: datetime | None = None
