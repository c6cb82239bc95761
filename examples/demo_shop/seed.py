"""Seed the demo shop (PRO plan, a few hundred customers, a few groups, pricing rules); the same data every run."""
from __future__ import annotations

import json
import os
import random

from sqlalchemy import select

from plugin.db import session
from plugin.models import Shop
from plugin.services import customers, groups, members, rules, shops

from . import create_app

FIRST_NAMES = ["Ana", "Maria", "Elena", "Ioana", "Andrei", "Mihai", "Radu", "Sofia", "Luca", "David",
               "Irina", "Cristina", "Vlad", "Paul", "Diana", "Alex", "Bianca", "Stefan", "Oana", "Tudor"]
LAST_NAMES = ["Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Marin", "Tudor", "Florea", "Matei", "Dinu",
              "Nistor", "Lungu", "Moldovan", "Barbu", "Ene"]
CITIES = ["Bucharest", "Cluj-Napoca", "Iasi", "Timisoara", "Brasov", "Constanta"]
GROUPS = [
    ("VIP", "#D97706", "Top customers: 15% off everything.", 40),
    ("Wholesale", "#059669", "Trade accounts with volume prices.", 25),
    ("Staff", "#7C3AED", "Employees and their families.", 12),
    ("Newsletter", "#DB2777", "Signed up at the till for news.", 90),
]
CUSTOMERS = 300
#: Pricing rules over the catalogue of ``catalogue.py``, one or more of every kind.
RULES = [
    {"id": "vip-15", "name": "VIP 15%", "kind": "discount", "groups": ["vip"], "priority": 10,
     "applies_to": {"exclude_categories": ["gift-cards"]}, "value": {"type": "percent", "amount": "15"}},
    {"id": "wholesale-apparel", "name": "Wholesale apparel −10%", "kind": "discount", "groups": ["wholesale"],
     "priority": 20, "applies_to": {"categories": ["apparel"]}, "value": {"type": "percent", "amount": "10"},
     "conditions": {"min_quantity": 3}},
    {"id": "staff-5-off", "name": "Staff 5.00 off", "kind": "discount", "groups": ["staff"], "priority": 10,
     "applies_to": {"exclude_categories": ["gift-cards"]}, "value": {"type": "fixed", "amount": "5.00"}},
    {"id": "sneaker-socks-set", "name": "Sneakers + 2 socks for 99", "kind": "bundle", "groups": ["standard"],
     "priority": 5, "value": {"type": "fixed_price", "amount": "99.00"},
     "components": [{"products": ["sneaker-01"], "quantity": 1}, {"categories": ["socks"], "quantity": 2}]},
    {"id": "tote-over-100", "name": "Free tote over 100", "kind": "gift", "groups": ["standard"], "priority": 30,
     "trigger": {"min_subtotal": "100.00"}, "gift": {"product_id": "tote-bag", "name": "Canvas tote bag"}},
    {"id": "guest-surcharge", "name": "Guest price +5%", "kind": "increase", "groups": ["guests"], "priority": 10,
     "applies_to": {"exclude_categories": ["gift-cards"]}, "value": {"type": "percent", "amount": "5"}},
]


def seed(name: str) -> tuple[Shop, str | None]:
    """Create the demo shop once; a second run finds it and changes nothing."""
    existing = session().scalar(select(Shop).where(Shop.name == name))
    if existing is not None:
        return existing, None
    shop, api_key = shops.create_shop(name, plan="pro", currency="EUR", timezone="Europe/Bucharest")
    rng = random.Random(2026)
    ids = []
    for number in range(1, CUSTOMERS + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        customer, _ = customers.register_customer(shop, {
            "external_id": f"demo-{number:04d}", "first_name": first, "last_name": last,
            "email": f"{first}.{last}{number}@example.com".lower(), "phone": f"+4072{rng.randrange(10**7):07d}",
            "gender": rng.choice(["female", "male", "other", "unknown"]), "city": rng.choice(CITIES),
            "card_number": f"DS-{number:06d}", "email_opt_in": rng.random() < 0.6, "sms_opt_in": rng.random() < 0.4,
        }, actor="seed")
        ids.append(customer.id)
    for group_name, colour, description, size in GROUPS:
        group = groups.create_group(shop, {"name": group_name, "colour": colour, "description": description})
        members.add_members(shop, group, rng.sample(ids, size), source="import", actor="seed")
    for rule in RULES:
        rules.create_rule(shop, rule)
    session().commit()
    return shop, api_key


def main() -> None:
    app = create_app()
    with app.app_context():
        shop, api_key = seed(app.config["DEMO_SHOP_NAME"])
        host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "5000")
        print(json.dumps({
            "shop": shop.name, "shop_id": shop.id,
            "api_key": api_key or "(issued at the first seed; create another with create-shop)",
        }))
        print(f"Demo shop:  http://{host}:{port}/")
        print(f"Admin:      http://{host}:{port}/login  ({app.config['DEMO_ADMIN_EMAIL']} / "
              f"{app.config['DEMO_ADMIN_PASSWORD']})  then CRM → Groups")


if __name__ == "__main__":
    main()
