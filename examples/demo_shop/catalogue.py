"""The demo shop's products: a fixed little catalogue, priced in EUR, that the checkout page sells."""
from __future__ import annotations

from dataclasses import dataclass

CURRENCY = "EUR"


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    categories: tuple[str, ...]
    price: str  # a decimal string in EUR, as the cart JSON carries it


PRODUCTS: tuple[Product, ...] = (
    Product("sneaker-01", "Runner sneakers", ("shoes",), "89.00"),
    Product("boot-02", "Leather boots", ("shoes",), "149.00"),
    Product("socks-03", "Merino socks", ("socks",), "12.00"),
    Product("socks-04", "Sport socks, 3 pairs", ("socks",), "9.50"),
    Product("tee-05", "Organic tee", ("apparel",), "24.00"),
    Product("hoodie-06", "Zip hoodie", ("apparel",), "59.00"),
    Product("cap-07", "Canvas cap", ("accessories",), "19.00"),
    Product("giftcard-08", "Gift card 50", ("gift-cards",), "50.00"),
)

BY_ID: dict[str, Product] = {product.id: product for product in PRODUCTS}

#: Gifts the seeded rules hand out; not for sale, so not in ``PRODUCTS``.
GIFTS: dict[str, str] = {"tote-bag": "Canvas tote bag"}
