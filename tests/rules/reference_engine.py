"""A plain, slow reference reading of SPEC §2 (and docs/pricing.md where the SPEC is silent).

It works on the rule and cart JSON directly, in Decimal (Fraction where a share is divided),
stage by stage, option by option and unit by unit, with no shortcut the engine might share.
It assumes valid input (the differential test lets the engine's parser refuse the rest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import Any

DECIMALS = {"EUR": 2, "JPY": 0, "KWD": 3, "USD": 2, "GBP": 2, "CHF": 2, "BHD": 3}
GIFT_UNITS_CAP = 1_000_000


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-DECIMALS[currency])


def round_half_up(amount: Decimal | Fraction, currency: str) -> Decimal:
    """Half-up to the currency's minor unit (an exact Fraction is rounded without loss)."""
    unit = minor_unit(currency)
    if isinstance(amount, Fraction):
        units = Fraction(amount) / Fraction(unit)
        whole = (units.numerator * 2 + units.denominator) // (units.denominator * 2)  # floor(x + 1/2)
        return Decimal(whole) * unit
    with localcontext() as context:
        context.prec = 60
        return amount.quantize(unit, rounding=ROUND_HALF_UP)


def largest_remainder(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split total (a whole number of minor units) in proportion to weights; ties to the earlier part."""
    unit = minor_unit(currency)
    units = int(total / unit)
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        return [Decimal(0) * unit for _ in weights]
    exact = [Fraction(units) * Fraction(weight) / Fraction(weight_sum) for weight in weights]
    parts = [int(share) for share in exact]  # shares are >= 0, so int() is floor
    by_remainder = sorted(range(len(weights)), key=lambda index: (-(exact[index] - parts[index]), index))
    for index in by_remainder[: units - sum(parts)]:
        parts[index] += 1
    return [Decimal(part) * unit for part in parts]


def fmt(amount: Decimal, currency: str) -> str:
    return str(amount.quantize(minor_unit(currency)))


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ---------------------------------------------------------------------------- rules and lines


def rule_order(rule: dict[str, Any]) -> tuple[int, str]:
    return (rule.get("priority") or 0, rule["id"])


def is_live(rule: dict[str, Any], groups: set[str], now: datetime) -> bool:
    if rule.get("enabled", True) is False:
        return False
    if rule.get("starts_at") and not parse_time(rule["starts_at"]) <= now:
        return False
    if rule.get("ends_at") and not now < parse_time(rule["ends_at"]):
        return False
    return bool(set(rule["groups"]) & groups)


def names_line(products: list[str], categories: list[str], line: dict[str, Any]) -> bool:
    return line["product_id"] in products or bool(set(line.get("category_ids", [])) & set(categories))


def eligible(rule: dict[str, Any], line: dict[str, Any]) -> bool:
    applies_to = rule.get("applies_to") or {}
    products, categories = applies_to.get("products", []), applies_to.get("categories", [])
    if line["product_id"] in applies_to.get("exclude_products", []):
        return False
    if set(line.get("category_ids", [])) & set(applies_to.get("exclude_categories", [])):
        return False
    return (not products and not categories) or names_line(products, categories, line)


def conditions_hold(rule: dict[str, Any], lines: list[dict[str, Any]]) -> bool:
    """Over the rule's eligible lines, whole, at base prices."""
    conditions = rule.get("conditions") or {}
    mine = [line for line in lines if eligible(rule, line)]
    if conditions.get("min_subtotal") is not None:
        if sum((Decimal(line["unit_price"]) * line["quantity"] for line in mine), Decimal(0)) < Decimal(
                conditions["min_subtotal"]):
            return False
    if conditions.get("min_quantity") is not None:
        if sum(line["quantity"] for line in mine) < conditions["min_quantity"]:
            return False
    return True


@dataclass
class LineState:
    line: dict[str, Any]
    base: Decimal
    unit_price: Decimal
    bundled: int = 0
    adjustments: list[tuple[dict[str, Any], str, Decimal]] = field(default_factory=list)  # (rule, kind, amount)
    discount: Decimal = Decimal(0)

    @property
    def free(self) -> int:
        return self.line["quantity"] - self.bundled

    def add(self, rule: dict[str, Any], kind: str, amount: Decimal) -> None:
        """amount: positive for an increase, negative for a discount; zero changes nothing."""
        if amount == 0:
            return
        if amount < 0:
            self.discount -= amount
        for index, (other, other_kind, other_amount) in enumerate(self.adjustments):
            if other is rule and other_kind == kind:
                self.adjustments[index] = (other, kind, other_amount + amount)
                return
        self.adjustments.append((rule, kind, amount))


# ---------------------------------------------------------------------------- stage 3: bundles


#: Sets the brute force may look at per bundle rule before the case is skipped as too slow.
SEARCH_BUDGET = 50_000


class TooLarge(Exception):
    """Overlapping components at a fixed_price over a cart too large for the brute force."""


class AmbiguousBundle(Exception):
    """Overlapping components where the plain dearest-first fill lacks units and the most sets
    the units allow by count cannot all be worth their fixed_price: SPEC §2 does not say how
    far the search for more sets must go (see the report of this test); the case is skipped."""


def component_matches(rule: dict[str, Any], component: dict[str, Any], state: LineState) -> bool:
    products, categories = component.get("products", []), component.get("categories", [])
    named = (not products and not categories) or names_line(products, categories, state.line)
    return named and eligible(rule, state.line)


def set_price(rule: dict[str, Any], cost: Decimal, currency: str) -> Decimal:
    value = rule["value"]
    if value["type"] == "fixed_price":
        return round_half_up(Decimal(value["amount"]), currency)
    return cost - round_half_up(cost * Decimal(value["amount"]) / 100, currency)


def component_takes(matching: list[int], free: list[int], quantity: int):
    """Every way to take `quantity` units from the matching lines (counts per line)."""
    def go(position: int, left: int, taken: tuple[int, ...]):
        if left == 0:
            yield taken
            return
        if position == len(matching):
            return
        index = matching[position]
        for count in range(min(left, free[index]), -1, -1):
            yield from go(position + 1, left - count, taken + ((index, count),))
    for taken in go(0, quantity, ()):
        yield {index: count for index, count in taken if count}


def form_bundles(rule: dict[str, Any], states: list[LineState], currency: str) -> None:
    """Sets one at a time, each component in the order listed taking the dearest free units
    (then line order), until a component lacks units or a set would cost more than its units
    (SPEC §2). When the fill stopped for want of a unit and a better choice of units allows
    more sets, none costing more than its units (docs/pricing.md, overlapping components),
    that many are formed, each component taking the dearest units that leave it possible."""
    components = rule["components"]
    matching = [[i for i, state in enumerate(states) if component_matches(rule, c, state)] for c in components]
    prices = [state.unit_price for state in states]

    def sets_from(free: tuple[int, ...]):
        """All sets (units taken per line) formable from free."""
        def go(position: int, free_now: list[int], took: dict[int, int]):
            if position == len(components):
                yield took
                return
            for take in component_takes(matching[position], free_now, components[position]["quantity"]):
                after = list(free_now)
                merged = dict(took)
                for index, count in take.items():
                    after[index] -= count
                    merged[index] = merged.get(index, 0) + count
                yield from go(position + 1, after, merged)
        yield from go(0, list(free), {})

    def cost_of(took: dict[int, int]) -> Decimal:
        return sum((prices[i] * n for i, n in took.items()), Decimal(0))

    def valid(took: dict[int, int], cost_aware: bool = True) -> bool:
        cost = cost_of(took)
        return not cost_aware or set_price(rule, cost, currency) <= cost

    # a percent off any set, or a price no set can be worth less than: only the count matters
    cheapest_set = sum((component["quantity"] * min(prices[i] for i in lines)
                        for component, lines in zip(components, matching) if lines), Decimal(0))
    every_set_valid = rule["value"]["type"] == "percent" or set_price(rule, Decimal(0), currency) <= cheapest_set

    budget = [SEARCH_BUDGET]

    @lru_cache(maxsize=None)
    def most_sets(free: tuple[int, ...], cost_aware: bool = True) -> int:
        if not cost_aware or every_set_valid:
            return most_by_count(free)
        best = 0
        seen = set()
        for took in sets_from(free):
            budget[0] -= 1
            if budget[0] < 0:
                raise TooLarge(rule["id"])
            key = tuple(sorted(took.items()))
            if key in seen or not valid(took, cost_aware):
                continue
            seen.add(key)
            after = tuple(f - took.get(i, 0) for i, f in enumerate(free))
            best = max(best, 1 + most_sets(after, cost_aware))
        return best

    def dearest_fill(free: tuple[int, ...]) -> dict[int, int] | None:
        """One set, each component in order taking the dearest free units (then line order)."""
        free_now, took = list(free), {}
        for position, component in enumerate(components):
            for _ in range(component["quantity"]):
                candidates = sorted((i for i in matching[position] if free_now[i] > 0), key=lambda i: (-prices[i], i))
                if not candidates:
                    return None
                free_now[candidates[0]] -= 1
                took[candidates[0]] = took.get(candidates[0], 0) + 1
        return took

    def searched_set(free: tuple[int, ...], need_after: int, cost_aware: bool = True) -> dict[int, int]:
        """Each component in order takes the dearest units that leave need_after more sets possible."""
        took: dict[int, int] = {}
        free_now = list(free)
        for position, component in enumerate(components):
            for unit in range(component["quantity"]):
                candidates = sorted((i for i in matching[position] if free_now[i] > 0), key=lambda i: (-prices[i], i))
                for index in candidates:
                    trial_free, trial_took = list(free_now), dict(took)
                    trial_free[index] -= 1
                    trial_took[index] = trial_took.get(index, 0) + 1
                    if completes(trial_free, trial_took, position, component["quantity"] - unit - 1,
                                 need_after, components, matching, lambda t: valid(t, cost_aware),
                                 lambda f: most_sets(f, cost_aware)):
                        free_now, took = trial_free, trial_took
                        break
                else:  # pragma: no cover - most_sets said this set exists
                    raise AssertionError("no unit completes the set")
        return took

    def without(free: tuple[int, ...], took: dict[int, int]) -> tuple[int, ...]:
        return tuple(count - took.get(index, 0) for index, count in enumerate(free))

    def most_by_count(free: tuple[int, ...]) -> int:
        """Hall: the most sets by count alone is the least, over every subset of components,
        of the units their lines hold divided by the units one set needs from them."""
        most = None
        for mask in range(1, 1 << len(components)):
            members = [c for c in range(len(components)) if mask >> c & 1]
            lines_of = {i for c in members for i in matching[c]}
            bound = sum(free[i] for i in lines_of) // sum(components[c]["quantity"] for c in members)
            most = bound if most is None else min(most, bound)
        return most or 0

    def search(wanted: int, cost_aware: bool) -> list[dict[int, int]]:
        found, free = [], start
        for formed in range(wanted):
            found.append(searched_set(free, wanted - formed - 1, cost_aware))
            free = without(free, found[-1])
        return found

    start = tuple(state.free for state in states)
    plan: list[dict[str, int]] = []
    free = start
    while True:
        took = dearest_fill(free)
        if took is None:  # a component lacks units: maybe another choice of units forms more sets
            wanted = most_sets(start) if most_by_count(start) > len(plan) else 0
            if wanted > len(plan):
                plan = search(wanted, cost_aware=True)
                if rule["value"]["type"] == "fixed_price":
                    by_count = search(most_sets(start, False), cost_aware=False)
                    if len(by_count) != wanted or not all(valid(took) for took in by_count):
                        raise AmbiguousBundle(rule["id"], len(plan), by_count)
            break
        if not valid(took):  # it would cost more than its units: no further set
            break
        plan.append(took)
        free = without(free, took)

    for took in plan:
        cost = cost_of(took)
        saving = cost - set_price(rule, cost, currency)
        units = [i for i in sorted(took) for _ in range(took[i])]  # the set's units, in line order
        per_line: dict[int, Decimal] = {}
        for index, share in zip(units, largest_remainder(saving, [prices[i] for i in units], currency)):
            per_line[index] = per_line.get(index, Decimal(0)) + share
        for index, share in per_line.items():
            states[index].add(rule, "bundle", -share)
        for index, count in took.items():
            states[index].bundled += count


def completes(free: list[int], took: dict[int, int], position: int, left_here: int, need_after: int,
              components, matching, valid, most_sets) -> bool:
    """Can the set being filled (component `position` still missing `left_here` units) be
    completed into a valid set that leaves `need_after` more sets possible?"""
    def go(pos: int, left: int, free_now: list[int], took_now: dict[int, int]):
        if pos == len(components):
            yield free_now, took_now
            return
        for take in component_takes(matching[pos], free_now, left):
            after, merged = list(free_now), dict(took_now)
            for index, count in take.items():
                after[index] -= count
                merged[index] = merged.get(index, 0) + count
            next_left = components[pos + 1]["quantity"] if pos + 1 < len(components) else 0
            yield from go(pos + 1, next_left, after, merged)
    for free_after, whole in go(position, left_here, free, took):
        if valid(whole) and most_sets(tuple(free_after)) >= need_after:
            return True
    return False


# ---------------------------------------------------------------------------- stage 4 and 5


def options(candidates: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    if all(rule.get("combinable", False) for rule in candidates):
        return [candidates]
    stack = [rule for rule in candidates if rule.get("combinable", False)]
    found = [[rule] for rule in candidates if not rule.get("combinable", False)]
    if stack:
        found.append(stack)
    return sorted(found, key=lambda option: rule_order(option[0]))


def best_option(found: list[list[dict[str, Any]]], worth) -> list[dict[str, Any]]:
    chosen, chosen_worth = found[0], worth(found[0])
    for option in found[1:]:  # in order of their first rule: a tie keeps the earlier
        if worth(option) > chosen_worth:
            chosen, chosen_worth = option, worth(option)
    return chosen


def stack_on_line(option: list[dict[str, Any]], state: LineState, currency: str) -> list[Decimal]:
    left = state.unit_price * state.free
    taken = []
    for rule in option:
        amount = Decimal(rule["value"]["amount"])
        if rule["value"]["type"] == "percent":
            part = round_half_up(left * amount / 100, currency)
        else:
            part = min(round_half_up(min(amount, state.unit_price) * state.free, currency), left)
        taken.append(part)
        left -= part
    return taken


def order_stack(option: list[dict[str, Any]], states: list[LineState], after_step_4: list[Decimal],
                currency: str) -> list[list[Decimal]]:
    """Per rule of the option, its share of each line."""
    left = list(after_step_4)
    result = []
    for rule in option:
        targets = [i for i, state in enumerate(states) if eligible(rule, state.line)]
        amount = min(round_half_up(Decimal(rule["value"]["amount"]), currency),
                     sum((left[i] for i in targets), Decimal(0)))
        share = {i: Decimal(0) for i in targets}
        to_spread, open_targets = amount, targets
        while to_spread > 0:
            for i, part in zip(open_targets, largest_remainder(to_spread, [after_step_4[i] for i in open_targets],
                                                                currency)):
                share[i] += part
            to_spread = sum((max(share[i] - left[i], Decimal(0)) for i in targets), Decimal(0))
            share = {i: min(share[i], left[i]) for i in targets}
            open_targets = [i for i in targets if share[i] < left[i]]
        for i in targets:
            left[i] -= share[i]
        result.append([share.get(i, Decimal(0)) for i in range(len(states))])
    return result


# ---------------------------------------------------------------------------- stage 6: gifts


def gift_line(rule: dict[str, Any], lines: list[dict[str, Any]], currency: str) -> dict[str, Any] | None:
    trigger = rule.get("trigger") or {}
    products, categories = trigger.get("products", []), trigger.get("categories", [])
    names_some = bool(products or categories)
    mine = [line for line in lines if names_line(products, categories, line)] if names_some else lines
    units = sum(line["quantity"] for line in mine)
    subtotal = sum((Decimal(line["unit_price"]) * line["quantity"] for line in mine), Decimal(0))
    min_quantity, min_subtotal = trigger.get("min_quantity"), trigger.get("min_subtotal")
    if not lines:
        return None
    if names_some and units < 1:
        return None
    if min_quantity is not None and units < min_quantity:
        return None
    if min_subtotal is not None and subtotal < Decimal(min_subtotal):
        return None
    multiple = 1
    if rule.get("repeat"):
        counts = []
        if min_quantity:
            counts.append(units // min_quantity)
        if min_subtotal is not None and Decimal(min_subtotal) > 0:
            with localcontext() as context:
                context.prec = 60
                counts.append(int((subtotal / Decimal(min_subtotal)).to_integral_value(rounding=ROUND_FLOOR)))
        if not counts and names_some and min_quantity is None and min_subtotal is None:
            counts.append(units)
        if counts:
            multiple = min(counts)
    gift = rule["gift"]
    quantity = gift.get("quantity", 1) * multiple
    if rule.get("max_per_order") is not None:
        quantity = min(quantity, rule["max_per_order"])
    quantity = min(quantity, GIFT_UNITS_CAP)
    if quantity < 1:
        return None
    return {"product_id": gift["product_id"], "name": gift.get("name") or gift["product_id"],
            "quantity": quantity, "unit_price": fmt(Decimal(0), currency), "rule_id": rule["id"]}


# ---------------------------------------------------------------------------- the whole


def price(rules: list[dict[str, Any]], cart: dict[str, Any], groups: list[str] | None = None,
          now: datetime | None = None) -> dict[str, Any]:
    currency = cart["currency"]
    groups_set = set(groups if groups is not None else cart["groups"])
    now = now or parse_time(cart["now"])
    lines = cart["lines"]
    live = sorted((rule for rule in rules if is_live(rule, groups_set, now)), key=rule_order)
    states = [LineState(line, Decimal(line["unit_price"]), Decimal(line["unit_price"])) for line in lines]
    holds = {rule["id"]: conditions_hold(rule, lines) for rule in live}

    # 2. increases
    for state in states:
        for rule in live:
            if rule["kind"] == "increase" and eligible(rule, state.line) and holds[rule["id"]]:
                value = rule["value"]
                if value["type"] == "percent":
                    state.unit_price = state.base + round_half_up(state.base * Decimal(value["amount"]) / 100,
                                                                  currency)
                else:
                    state.unit_price = state.base + round_half_up(Decimal(value["amount"]), currency)
                state.add(rule, "increase", (state.unit_price - state.base) * state.line["quantity"])
                break

    # 3. bundles
    for rule in live:
        if rule["kind"] == "bundle" and holds[rule["id"]]:
            form_bundles(rule, states, currency)

    # 4. line discounts
    line_rules = [rule for rule in live if rule["kind"] == "discount" and rule["value"]["type"] in ("percent", "fixed")]
    for state in states:
        if state.free == 0:
            continue
        candidates = [rule for rule in line_rules if eligible(rule, state.line) and holds[rule["id"]]]
        if not candidates:
            continue
        option = best_option(options(candidates), lambda o, s=state: sum(stack_on_line(o, s, currency), Decimal(0)))
        for rule, part in zip(option, stack_on_line(option, state, currency)):
            state.add(rule, "discount", -part)

    # 5. order discounts
    after_step_4 = [state.unit_price * state.free - (state.discount - bundle_part(state)) for state in states]
    order_rules = [rule for rule in live if rule["kind"] == "discount" and rule["value"]["type"] == "order_fixed"
                   and holds[rule["id"]] and any(eligible(rule, state.line) for state in states)]
    if order_rules:
        def worth(option):
            return sum((sum(row, Decimal(0)) for row in order_stack(option, states, after_step_4, currency)),
                       Decimal(0))
        option = best_option(options(order_rules), worth)
        for rule, row in zip(option, order_stack(option, states, after_step_4, currency)):
            for state, part in zip(states, row):
                state.add(rule, "discount", -part)

    # 6. gifts
    gifts = []
    for rule in live:
        if rule["kind"] == "gift" and holds[rule["id"]]:
            made = gift_line(rule, lines, currency)
            if made:
                gifts.append(made)

    # 8. totals
    out_lines = []
    applied = {gift["rule_id"] for gift in gifts}
    subtotal = surcharge = discount_total = Decimal(0)
    for state in states:
        quantity = state.line["quantity"]
        subtotal += state.base * quantity
        surcharge += (state.unit_price - state.base) * quantity
        discount_total += state.discount
        adjustments = []
        for kind in ("increase", "bundle", "discount"):
            for rule, adj_kind, amount in state.adjustments:
                if adj_kind == kind and amount != 0:
                    adjustments.append({"rule_id": rule["id"], "rule_name": rule.get("name") or rule["id"],
                                        "kind": rule["kind"], "amount": fmt(amount, currency)})
                    applied.add(rule["id"])
        out_lines.append({
            "id": state.line["id"], "quantity": quantity, "base_unit_price": fmt(state.base, currency),
            "unit_price": fmt(state.unit_price, currency), "subtotal": fmt(state.base * quantity, currency),
            "discount": fmt(state.discount, currency),
            "total": fmt(state.unit_price * quantity - state.discount, currency), "adjustments": adjustments,
        })
    return {
        "currency": currency, "lines": out_lines, "gifts": gifts,
        "subtotal": fmt(subtotal, currency), "surcharge_total": fmt(surcharge, currency),
        "discount_total": fmt(discount_total, currency),
        "total": fmt(subtotal + surcharge - discount_total, currency),
        "applied_rules": [rule["id"] for rule in live if rule["id"] in applied],
    }


def bundle_part(state: LineState) -> Decimal:
    return -sum((amount for _, kind, amount in state.adjustments if kind == "bundle"), Decimal(0))
