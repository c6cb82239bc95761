"""``/customers``: search a shop's customers by name, phone, email or card number."""
from __future__ import annotations

from ..errors import ValidationFailed
from ..schemas import CustomerPageSchema, CustomerSearchArgs
from ..services import customer_search, groups
from ..storable import UnreadableJson, loads
from . import api_blueprint
from .auth import current_shop
from .rest import arguments, response


@api_blueprint.get("/customers")
@response(CustomerPageSchema())
@arguments(CustomerSearchArgs(), location="query")
def search_customers(args):
    shop = current_shop()
    group_id = groups.get_group(shop, args["group"]).id if args.get("group") else None
    condition = _condition(args["condition"]) if args.get("condition") else None
    rows, more = customer_search.search_customers(
        shop, q=args["q"], group_id=group_id, condition=condition, sort=args["sort"],
        page=args["page"], per_page=args["per_page"],
    )
    return {"items": rows, "page": args["page"], "per_page": args["per_page"],
            "next_page": args["page"] + 1 if more else None}


def _condition(text: str):
    try:
        data = loads(text, field="condition")
    except UnreadableJson as error:
        raise ValidationFailed.on(error.field, error.message) from None
    return groups.valid_condition(data)
