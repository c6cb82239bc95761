"""``/customers``: search a shop's customers by name, phone, email or card number."""
from __future__ import annotations

import json

from ..errors import ValidationFailed
from ..schemas import CustomerPageSchema, CustomerSearchArgs
from ..services import customer_search, groups
from . import api_blueprint
from .auth import current_shop
from .rest import arguments, response
from .storable import check_json


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
        data = json.loads(text)
    except ValueError:
        raise ValidationFailed.on("condition", "is not valid JSON") from None
    except RecursionError:
        raise ValidationFailed.on("condition", "is nested too deeply to read") from None
    check_json(data, text.encode(), field="condition")
    return groups.valid_condition(data)
