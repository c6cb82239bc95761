"""Who may open the admin pages: the host's signed-in admin, for a shop on a plan that has the plugin."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Response, current_app, g, redirect, render_template, request, url_for

from plugin.errors import BadRequest
from plugin.licensing import has_access
from plugin.models import Customer, Shop
from plugin.money import exact_text
from plugin.services import shops
from plugin.storable import storable

from . import admin_blueprint

#: Endpoints anyone may fetch: the stylesheet is shared with the host's own login page.
PUBLIC_ENDPOINTS = {"customer_groups_admin.static"}


@admin_blueprint.before_request
def _require_admin_of_a_licensed_shop() -> Response | tuple[str, int] | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    extension = current_app.extensions["customer_groups"]
    admin = extension.current_admin()
    shop_id = extension.current_shop_id()
    if not admin or shop_id is None:
        return redirect(_login_url())
    shop = shops.get_shop(shop_id)
    g.customer_groups_admin = admin
    g.customer_groups_admin_shop = shop
    if not has_access(shop):
        return render_template(
            "customer_groups/upgrade.html", shop=shop,
            plans=current_app.config["CUSTOMER_GROUPS_PLANS_WITH_ACCESS"],
        ), 403
    return None


@admin_blueprint.before_request
def _refuse_nul_characters() -> None:
    """A NUL (U+0000) in a query, form field or path is refused: nobody types one, and
    PostgreSQL cannot compare or store it in text (the search, filters, forms and paths were a 500)."""
    given = [*request.args.listvalues(), *request.form.listvalues(), list((request.view_args or {}).values())]
    if not all(storable(str(value)) for values in given for value in values):
        raise BadRequest("The request holds a NUL character (U+0000), which no field accepts: remove it and try again.")


@admin_blueprint.after_request
def _refuse_framing_by_other_sites(response: Response) -> Response:
    """Only the host's own pages may frame the admin: another site framing it could lead a
    signed-in admin into pressing Delete group or a rule's switch (clickjacking). A header the
    host has already set is kept."""
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
    return response


def current_shop() -> Shop:
    return g.customer_groups_admin_shop


@admin_blueprint.context_processor
def _shop_readings() -> dict:
    return {"shop_time": shop_time, "spent": spent}


def shop_time(moment: datetime) -> datetime:
    """A stored (UTC) time on the shop's clock: the day the admin's periods and windows put it in."""
    return moment.astimezone(ZoneInfo(current_shop().timezone))


def spent(customer: Customer) -> str:
    """As kept, not rounded: "12.345" is not shown as 12.35, which "spent at least 12.35" leaves out."""
    return exact_text(customer.spent_milli, current_shop().currency)


def current_admin() -> str:
    """The admin's name as recorded in membership history (the column holds 128 characters)."""
    return g.customer_groups_admin[:128]


def _login_url() -> str:
    """The host's login page, told where to come back to (the page itself, or the groups table after a POST)."""
    if request.method == "GET":
        back = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
    else:
        back = url_for("customer_groups_admin.list_groups")
    login_url = current_app.config["CUSTOMER_GROUPS_LOGIN_URL"]
    separator = "&" if "?" in login_url else "?"
    return f"{login_url}{separator}{urlencode({'next': back})}"
