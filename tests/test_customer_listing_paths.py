"""The Customers page's quick paths (a search read way by way, a group walked along the sort's
index) list exactly what one plain ``ORDER BY`` over the same filter lists: same rows, same
order, same "another page follows", on every sort and page."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import event

from plugin.db import session
from plugin.models import Customer
from plugin.models._columns import utcnow
from plugin.services import customer_search, customers, groups, members

LAST_NAMES = ("Popescu", "popescu", "Popa", "Popescu-Ionescu", "Ionescu", "Ana", "Pop")
FIRST_NAMES = ("Ana", "ana", "Anabela", "Maria", "Ion")
SORTS = [sort for name in customer_search.SORTS for sort in (name, f"-{name}")]
PER_PAGE = 10


@pytest.fixture
def crowd(shop, make_group):
    """300 customers with many ties (few names, spends and visit dates), and five groups: half of
    them at random, the 150 and the 60 lowest spenders, five, and none."""
    rng = random.Random(7)
    events = [{
        "external_id": f"c{number:03d}", "first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(LAST_NAMES),
        "email": f"{rng.choice(FIRST_NAMES).lower()}.{number}@shop.ro", "phone": f"+40 72{number:07d}",
        "card_number": f"CARD-{number:03d}",
    } for number in range(300)]
    customers.register_customers(shop.shop, events)
    now = utcnow()
    crowd = list(session().scalars(customer_search.filtered_customers(shop.shop)))
    for customer in crowd:
        customer.visits = rng.choice((0, 1, 3))
        customer.spent_milli = rng.choice((0, 1000, 2500)) * customer.visits
        customer.last_visit_at = now - timedelta(days=rng.choice((1, 30))) if customer.visits else None
    session().commit()
    by_spent = sorted(crowd, key=lambda customer: (customer.spent_milli, customer.id))
    chosen = {
        "half": [customer.id for customer in rng.sample(crowd, 150)],
        "cheaper-half": [customer.id for customer in by_spent[:150]],
        "cheapest-fifth": [customer.id for customer in by_spent[:60]],
        "five": [customer.id for customer in rng.sample(crowd, 5)],
        "none": [],
    }
    for name, ids in chosen.items():
        group = make_group(shop.shop, name)
        members.add_members(shop.shop, group, ids, source="manual")
    session().commit()


def expected_page(shop, sort: str, page: int, *, q: str = "", group_id: int | None = None):
    """The page and the more flag, from the group's rows matched and sorted in Python."""
    rows = [c for c in session().scalars(customer_search.filtered_customers(shop, group_id=group_id)) if matches(c, q)]
    name, descending = sort.removeprefix("-"), sort.startswith("-")
    keys = {
        "registered": lambda c: (c.id,),
        "name": lambda c: (c.last_name.lower(), c.first_name.lower(), c.id),
        "spent": lambda c: (c.spent_milli, c.id),
        "visits": lambda c: (c.visits, c.id),
        "last_visit": lambda c: (c.last_visit_at, c.id),
    }
    if name == "last_visit":  # customers never seen come last either way
        seen = [c for c in rows if c.last_visit_at is not None]
        unseen = [c for c in rows if c.last_visit_at is None]
        ordered = (sorted(seen, key=keys[name], reverse=descending)
                   + sorted(unseen, key=lambda c: c.id, reverse=descending))
    else:
        ordered = sorted(rows, key=keys[name], reverse=descending)
    start = (page - 1) * PER_PAGE
    return [c.external_id for c in ordered[start:start + PER_PAGE]], len(ordered) > start + PER_PAGE


def matches(customer: Customer, q: str) -> bool:
    """The search's rules, written again: a name, email or phone prefix, a card or external id."""
    if not q:
        return True
    text, words = q.lower(), q.lower().split()
    last, first = customer.last_name.lower(), customer.first_name.lower()
    return (
        f"{first} {last}".startswith(text) or last.startswith(text)
        or (len(words) == 2 and (last, first) == tuple(words))
        or customer.email.lower().startswith(text)
        or customer.phone.startswith(q) or customer.phone.startswith(q.replace(" ", ""))
        or q in (customer.card_number, customer.external_id)
    )


def listed_page(shop, sort: str, page: int, **filters):
    rows, more = customer_search.search_customers(shop, sort=sort, page=page, per_page=PER_PAGE, **filters)
    return [c.external_id for c in rows], more


@pytest.fixture
def statements(app):
    """The SQL statements sent while the test runs."""
    sent: list[str] = []
    engine = session().get_bind()

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("q", [
    "popescu", "Pop", "po", "ana", "ANA POPESCU", "popescu ana", "popescu-", "+40 720000012", "ana.1",
    "CARD-042", "c007", "zz", "%", "_",
])
@pytest.mark.parametrize("group", [None, "half"])
def test_a_search_lists_what_the_plain_order_lists(shop, crowd, q, group):
    # given
    group_id = _group_id(shop.shop, group)
    for sort in SORTS:
        for page in (1, 2, 3):
            # when
            listed = listed_page(shop.shop, sort, page, q=q, group_id=group_id)
            # then
            assert listed == expected_page(shop.shop, sort, page, q=q, group_id=group_id), (sort, page)


def test_a_search_finds_some_in_every_way(shop, crowd):
    """The search cases above are not all empty: the comparison could otherwise not fail."""
    assert len(listed_page(shop.shop, "name", 1, q="popescu")[0]) == PER_PAGE
    assert listed_page(shop.shop, "name", 1, q="CARD-042")[0] == ["c042"]
    assert listed_page(shop.shop, "name", 1, q="+40 720000012")[0] == ["c012"]


@pytest.mark.parametrize("group, sort, walks, fenced", [
    ("half", "name", 1, False),             # a large share: the sort's index, bounded
    ("half", "-spent", 1, False),
    ("cheaper-half", "-spent", 2, False),   # its members sort last: a second, longer walk reaches them
    ("cheapest-fifth", "-spent", 1, True),  # the walk finds too few (a longer one would read the whole shop)
    ("cheapest-fifth", "spent", 1, False),
    ("five", "name", 0, True),              # a small group: its members, then sorted
    ("none", "registered", 0, True),
])
def test_a_group_lists_what_the_plain_order_lists(shop, crowd, statements, group, sort, walks, fenced):
    # given
    group_id = _group_id(shop.shop, group)
    for page in (1, 2, 3, 16):
        statements.clear()
        # when
        listed = listed_page(shop.shop, sort, page, group_id=group_id)
        # then
        assert listed == expected_page(shop.shop, sort, page, group_id=group_id), page
        if page == 1:
            assert sum("walked" in statement for statement in statements) == walks
            assert any("fenced" in statement for statement in statements) == fenced


@pytest.mark.parametrize("group", ["half", "cheaper-half", "cheapest-fifth", "five", "none"])
def test_a_group_on_every_sort(shop, crowd, group):
    group_id = _group_id(shop.shop, group)
    for sort in SORTS:
        for page in (1, 2):
            assert listed_page(shop.shop, sort, page, group_id=group_id) == \
                expected_page(shop.shop, sort, page, group_id=group_id), (sort, page)


def _group_id(shop, key: str | None) -> int | None:
    return groups.get_group(shop, key).id if key else None
