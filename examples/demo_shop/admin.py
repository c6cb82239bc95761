"""The demo host's admin login: one admin for the demo shop, and the plugin's two loaders."""
from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from plugin.models import Shop

from . import db, groups

blueprint = Blueprint("demo_admin", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


@groups.admin_loader
def current_admin() -> str | None:
    return session.get("demo_admin", {}).get("email")


@groups.shop_loader
def current_shop_id() -> int | None:
    return session.get("demo_admin", {}).get("shop_id")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        shop_id = db.session.scalar(select(Shop.id).where(Shop.name == current_app.config["DEMO_SHOP_NAME"]))
        if _credentials_match(form.email.data, form.password.data) and shop_id is not None:
            session["demo_admin"] = {"email": form.email.data, "shop_id": shop_id}
            return redirect(_local(request.args.get("next")) or url_for("customer_groups_admin.list_groups"))
        error = "Wrong email or password." if shop_id else "No demo shop yet: run `make demo` to seed it."
    return render_template("demo/login.html", form=form, error=error)


@blueprint.post("/logout")
def logout():
    session.pop("demo_admin", None)
    return redirect(url_for("demo_storefront.home"))


def _local(path: str | None) -> str | None:
    """``next`` when it is a path on this site; another site's address (``https://…``, ``//…``,
    ``/\\…``) would make the login page an open redirect, and a control character (``%0A``) no
    Location header can hold was a 500."""
    if (not path or not path.startswith("/") or path.startswith("//") or "\\" in path or urlsplit(path).netloc
            or any(character < " " or character == "\x7f" for character in path)):
        return None
    return path


def _credentials_match(email: str, password: str) -> bool:
    config = current_app.config
    return hmac.compare_digest(email.lower(), config["DEMO_ADMIN_EMAIL"]) and hmac.compare_digest(
        password, config["DEMO_ADMIN_PASSWORD"]
    )
