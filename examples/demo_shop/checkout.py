"""The demo checkout: a shopper signs in by email, fills a cart, and the plugin prices it in process."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Length, Regexp

from plugin.errors import CustomerGroupsError
from plugin.models import Shop
from plugin.services import checkout, customers, groups

from . import demo_shop
from .catalogue import BY_ID, CURRENCY, GIFTS, PRODUCTS

blueprint = Blueprint("demo_checkout", __name__)

#: Session keys: the signed-in shopper's email (their external id) and the cart {product id: quantity}.
CUSTOMER_KEY = "customer_email"
CART_KEY = "cart"
MAX_QUANTITY = 99


class SignInForm(FlaskForm):
    email = EmailField("Email", filters=[lambda text: text.strip() if text else text],
                       validators=[DataRequired(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+$")])


class CartForm(FlaskForm):
    """Only the CSRF token: the quantities are read per product from ``qty-<product id>``."""


@blueprint.get("/checkout")
def show():
    shop = demo_shop()
    email = session.get(CUSTOMER_KEY)
    cart = _cart()
    context: dict[str, Any] = {
        "shop": shop, "email": email, "products": PRODUCTS, "catalogue": BY_ID, "gift_names": GIFTS, "cart": cart,
        "sign_in": SignInForm(), "cart_form": CartForm(), "priced": None, "error": None, "priced_as": [],
    }
    if shop is not None:
        context.update(_priced(shop, email, cart))
    return render_template("demo/checkout.html", **context)


@blueprint.post("/checkout/cart")
def update_cart():
    if not CartForm().validate_on_submit():
        flash("The form expired: please try again.")
        return redirect(url_for(".show"))
    cart = {}
    for product in PRODUCTS:
        quantity = request.form.get(f"qty-{product.id}", type=int) or 0
        if quantity > 0:
            cart[product.id] = min(quantity, MAX_QUANTITY)
    session[CART_KEY] = cart
    return redirect(url_for(".show", _anchor="cart"))


@blueprint.post("/checkout/sign-in")
def sign_in():
    form = SignInForm()
    if not form.validate_on_submit():
        flash("Enter the email you registered with.")
        return redirect(url_for(".show"))
    # The storefront registers customers with their email, lower-cased, as the external id.
    session[CUSTOMER_KEY] = form.email.data.lower()
    return redirect(url_for(".show"))


@blueprint.post("/checkout/sign-out")
def sign_out():
    if CartForm().validate_on_submit():
        session.pop(CUSTOMER_KEY, None)
    return redirect(url_for(".show"))


def _priced(shop: Shop, email: str | None, cart: dict[str, int]) -> dict[str, Any]:
    """The plugin's answer for this shopper and cart, read afresh on every page load."""
    document = {
        "currency": CURRENCY, "customer_id": email,
        "lines": [{"id": product_id, "product_id": product_id, "category_ids": list(BY_ID[product_id].categories),
                   "unit_price": BY_ID[product_id].price, "quantity": quantity}
                  for product_id, quantity in cart.items()],
    }
    try:
        priced = checkout.evaluate_checkout(shop, document)
    except CustomerGroupsError as error:
        return {"error": error.description}
    by_key = {group.key: group for group in groups.list_groups(shop)}
    keys = checkout.groups_of_shopper(shop, email)
    return {
        "priced": priced.to_json(),
        "known": email is not None and customers.get_customer(shop, email) is not None,
        "priced_as": [by_key.get(key) or key for key in keys],
    }


def _cart() -> dict[str, int]:
    """The session's cart in catalogue order, keeping only products the catalogue sells and sane quantities."""
    stored = session.get(CART_KEY) or {}
    return {product.id: stored[product.id] for product in PRODUCTS
            if isinstance(stored.get(product.id), int) and 0 < stored[product.id] <= MAX_QUANTITY}
